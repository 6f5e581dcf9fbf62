"""The import reads workbooks with python-calamine, and the cleaners see what openpyxl gives."""

import datetime as dt
import io
import re
import zipfile

import pytest
from openpyxl import Workbook
from python_calamine import CalamineWorkbook

from households import identity
from households.models import Household, Resident
from households.roster.reader import CalamineBook, open_workbook, read_roster, sheet_reader
from households.roster.runner import run_roster
from households.roster.schema import IMPORT_ORDER, SHEETS
from tests.factories import valid_id_number
from tests.households.conftest import household_row, member_row
from tests.households.workbooks import make_workbook

pytestmark = pytest.mark.django_db

HOUSEHOLD_HEADERS = SHEETS["户"].headers


def _rewrite(data: bytes, part: str, change) -> bytes:
    """The workbook with one part's XML changed (what openpyxl cannot write: cached formula
    values, error cells, another encoding)."""
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            target.writestr(info, change(content) if info.filename == part else content)
    return out.getvalue()


def _sheet_xml(data: bytes, change) -> bytes:
    return _rewrite(data, "xl/worksheets/sheet1.xml", change)


def _tricky_workbook(*, write_only: bool = False, first_column: int = 1) -> bytes:
    """户 rows as clerks' files hold them: numbers where text belongs, dates, blank and
    merged rows, a cell of spaces."""
    workbook = Workbook(write_only=write_only)
    if not write_only:
        workbook.remove(workbook.active)
    sheet = workbook.create_sheet("户")
    rows = [
        list(HOUSEHOLD_HEADERS),
        ["H0001", "东村", 1, "幸福路1号", "户主1", valid_id_number(1), 13800138000, "", None],
        ["H0002", "西村", 2.5, "幸福路2号", "户主2", 110105400101001, "13800138001", None, "  "],
        [None] * 9,
        [1003, "东村", "3", dt.date(2024, 5, 6), "户主3", 1.10105194001011e17, 13800138002.0],
        ["H0004", "西村", None, "幸福路4号", "户主4", "", "", "生活困难", dt.datetime(2024, 1, 2)],  # noqa: DTZ001 - Excel cells hold no zone
        [None, None, None, None, None, None, None, None, "只有备注"],
    ]
    for number, values in enumerate(rows, start=1):
        if write_only:
            sheet.append(values)
            continue
        for column, value in enumerate(values, start=first_column):
            sheet.cell(row=number, column=column, value=value)
    if not write_only:
        sheet.cell(row=8, column=first_column, value="H0008")
        sheet.merge_cells(
            start_row=8, start_column=first_column, end_row=8, end_column=first_column + 2
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _openpyxl_rows(data: bytes, name: str = "户") -> list[list]:
    reader, missing = sheet_reader(open_workbook(data), name)
    assert missing == []
    return [row for chunk in reader.chunks() for row in chunk]


def _calamine_rows(data: bytes, name: str = "户") -> list[list]:
    book, sheets = read_roster(data, IMPORT_ORDER)
    assert isinstance(book, CalamineBook)
    reader, missing = sheets[name]
    assert missing == []
    return [row for chunk in reader.chunks() for row in chunk]


def _as_cleaned(rows: list[list]) -> list[list]:
    """openpyxl gives a date cell as a datetime at midnight, calamine as a date; a cell of
    spaces without xml:space="preserve" as those spaces, calamine as blank. The cleaners make
    2024-05-06 of both dates and "" of both blanks."""
    return [[_cleaned(v) for v in row] for row in rows]


def _cleaned(value):
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date()
    if isinstance(value, str) and not value.strip():
        return None
    return value


@pytest.mark.parametrize(
    "options",
    [{}, {"write_only": True}, {"first_column": 3}],
    ids=["with-dimension", "without-dimension", "column-a-empty"],
)
def test_calamine_gives_the_rows_openpyxl_gives(options):
    data = _tricky_workbook(**options)
    if not options.get("write_only"):
        assert b"<dimension" in zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")

    rows = _calamine_rows(data)

    assert _as_cleaned(rows) == _as_cleaned(_openpyxl_rows(data))
    assert [row[-1] for row in rows] == [2, 3, 5, 6, 7] + ([] if options.get("write_only") else [8])
    first, second, third = rows[0], rows[1], rows[2]
    assert first[6] == 13800138000 and first[8] is None  # the phone a number, as openpyxl reads it
    assert second[5] == 110105400101001 and type(second[5]) is int  # a 15-digit ID as a number
    assert second[2] == 2.5
    assert type(third[5]) is float  # an 18-digit ID as a number: rounded, for the cleaner to refuse


def test_cached_formula_values_are_read():
    data = _sheet_xml(
        make_workbook(households=[household_row(1)]),
        lambda xml: re.sub(
            rb'<c r="G2" t="inlineStr"><is><t>\d+</t></is></c>',
            rb'<c r="G2"><f>13800000000+138</f><v>13800000138</v></c>',
            re.sub(
                rb'<c r="D2" t="inlineStr"><is><t>[^<]+</t></is></c>',
                '<c r="D2" t="str"><f>"幸福路"&amp;"8号"</f><v>幸福路8号</v></c>'.encode(),
                xml,
            ),
        ),
    )

    rows = _calamine_rows(data)

    assert rows == _openpyxl_rows(data)
    assert rows[0][3] == "幸福路8号"
    assert rows[0][6] == 13800000138


def _outcome(township, data):
    ctx = run_roster(data=data, township=township, dry_run=True)
    return ctx.counts, ctx.errors


def test_imports_what_openpyxl_imports_and_refuses_what_it_refuses(township, monkeypatch):
    data = _tricky_workbook()
    calamine = _outcome(township, data)
    monkeypatch.setattr("households.roster.reader.has_error_cells", lambda source: True)

    openpyxl = _outcome(township, data)

    assert calamine == openpyxl
    errors = {(e["row"], e["column"]): e["message"] for e in calamine[1]}
    assert "存成了数字" in errors[(5, "户主身份证号")]  # 1.10105E+17: the clerk is told why
    assert {row for row, _column in errors} == {5, 7, 8}


def test_numbers_in_text_columns_are_stored_as_text(township):
    data = _sheet_xml(_tricky_workbook(), lambda xml: re.sub(rb'<row r="[4-8]".*?</row>', b"", xml))

    ctx = run_roster(data=data, township=township, dry_run=False)

    assert ctx.errors == []
    first, second = Household.objects.order_by("code")
    assert (first.code, first.phone, first.grid) == ("H0001", "13800138000", "1")
    assert (second.phone, second.grid) == ("13800138001", "2.5")
    head = Resident.objects.get(household=second)
    assert head.id_last4 == identity.parse_id_number("110105400101001").last4


def test_error_cells_are_read_as_openpyxl_reads_them(township):
    """calamine reads #N/A as a blank cell, which an optional column would accept."""
    data = _sheet_xml(
        make_workbook(households=[household_row(1), household_row(2)]),
        lambda xml: re.sub(
            rb'<c r="G3" t="inlineStr"><is><t>\d+</t></is></c>',
            b'<c r="G3" t="e"><f>VLOOKUP(A3,Z:Z,2,0)</f><v>#N/A</v></c>',
            xml,
        ),
    )

    book, _sheets = read_roster(data, IMPORT_ORDER)
    ctx = run_roster(data=data, township=township, dry_run=True)

    assert not isinstance(book, CalamineBook)
    assert [(e["row"], e["column"]) for e in ctx.errors] == [(3, "联系电话")]
    assert "#N/A" in ctx.errors[0]["message"]


def test_a_file_calamine_cannot_read_is_read_by_openpyxl(township):
    data = _sheet_xml(
        make_workbook(households=[household_row(1)], members=[member_row(1)]),
        lambda xml: ('<?xml version="1.0" encoding="UTF-16"?>' + xml.decode()).encode("utf-16"),
    )
    with pytest.raises(Exception, match="utf-8|UTF-8|decode"):
        CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name("户")

    book, _sheets = read_roster(data, IMPORT_ORDER)
    ctx = run_roster(data=data, township=township, dry_run=False)

    assert not isinstance(book, CalamineBook)
    assert ctx.errors == []
    assert Household.objects.get().code == "H0001"
    assert Resident.objects.count() == 2  # the member and the head named on the 户 sheet


def test_row_numbers_count_blank_rows(township):
    data = make_workbook(households=[household_row(1), {}, {}, household_row(4, 联系电话="12")])

    ctx = run_roster(data=data, township=township, dry_run=True)

    assert [(e["sheet"], e["row"], e["column"]) for e in ctx.errors] == [("户", 5, "联系电话")]
