"""The roster import parser fuzzed with hypothesis: random cells (text, numbers, dates, None,
formulas, huge and full-width strings, emoji), random sheet shapes (missing sheets, extra or
missing or shuffled columns, empty sheets). Whatever the workbook, the import either succeeds
cleanly or reports errors (RosterFileError for the whole file, row errors otherwise); it never
raises anything else and never leaves half a roster behind."""

import datetime as dt
import io

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from households.models import Household, Resident
from households.roster.reader import RosterFileError
from households.roster.runner import run_roster
from households.roster.schema import SHEETS
from liaison.models import Cadre, Pairing
from tests.households.conftest import household_row, member_row

printable = st.characters(blacklist_categories=("Cs", "Cc"))  # openpyxl refuses control chars
texts = st.one_of(
    st.text(printable, max_size=30),
    st.sampled_from(["", " ", "　", "Ｈ０００１", "东村", "西村", "户主", "子女", "男", "女"]),
    st.sampled_from(["生活困难", "老党员老干部", "中共党员", "群众", "13800001111", "😀👪"]),
    st.sampled_from(["=1+1", '=HYPERLINK("http://x")', "+cmd|'/c calc'!A0", "@SUM(A1)"]),
    st.just("长" * 40000),  # longer than Excel's 32,767 characters per cell
    st.text(st.sampled_from("０１２３４５６７８９ＸＨ－"), min_size=1, max_size=18),  # full-width
)
cells = st.one_of(
    st.none(),
    texts,
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([110101199003070000.0, 1.1010119900307e17, 13800001111.0]),  # Excel floats
    st.datetimes(  # Excel cells are naive
        min_value=dt.datetime(1900, 3, 1),  # noqa: DTZ001
        max_value=dt.datetime(2100, 1, 1),  # noqa: DTZ001
    ),
    st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(2100, 1, 1)),
    st.booleans(),
)


@st.composite
def sheets(draw, name: str):
    """None (sheet missing) or (headers, rows) with shuffled/extra/missing columns."""
    if draw(st.integers(0, 5)) == 0:
        return None
    headers = list(SHEETS[name].headers)
    if draw(st.booleans()):
        headers = draw(st.permutations(headers))
    if draw(st.integers(0, 4)) == 0:
        headers = [h for h in headers if draw(st.integers(0, 5))]  # drop a column or two
    headers += draw(st.lists(st.sampled_from(["备注2", "", "额外", "户编号 "]), max_size=2))
    if draw(st.integers(0, 8)) == 0:
        return [], []  # a sheet with no header row at all
    base = {"户": household_row, "成员": member_row}.get(name)
    rows = []
    for n in range(draw(st.integers(0, 4))):
        row = dict(base(n + 1)) if base and draw(st.booleans()) else {}
        for header in headers:
            if header not in row or draw(st.integers(0, 11)) == 0:
                row[header] = draw(cells)
        rows.append([row.get(h) for h in headers])
    return headers, rows


@st.composite
def workbooks(draw) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name in draw(st.permutations(list(SHEETS))):
        shape = draw(sheets(name))
        if shape is None:
            continue
        sheet = workbook.create_sheet(name)
        headers, rows = shape
        if headers:
            sheet.append(headers)
        for row in rows:
            sheet.append(row)
    if not workbook.sheetnames:
        workbook.create_sheet("Sheet1")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def counts() -> dict:
    return {
        model.__name__: model.objects.count() for model in (Household, Resident, Cadre, Pairing)
    }


@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=workbooks(), dry_run=st.booleans())
def test_any_workbook_imports_cleanly_or_reports_errors_and_writes_nothing(township, data, dry_run):
    before = counts()
    try:
        ctx = run_roster(data=data, township=township, dry_run=dry_run)
    except RosterFileError as error:
        event("file refused")
        assert str(error)  # a message that says what to do
        assert counts() == before
        return
    if ctx.has_errors or dry_run:
        assert counts() == before, "nothing may be half-written"
    event("row errors" if ctx.has_errors else "clean import")
    if ctx.has_errors:  # row-level errors, each saying where and what
        assert ctx.errors and all(e["sheet"] and e["message"] for e in ctx.errors)


@pytest.mark.django_db
def test_the_fuzzer_reaches_clean_imports_and_row_errors(township):
    """Guard against a fuzzer that only ever produces unreadable files: a valid workbook imports,
    and a broken cell in it becomes a row error."""
    from tests.households.workbooks import make_workbook

    good = make_workbook(households=[household_row(1)], members=[member_row(1)])
    ctx = run_roster(data=good, township=township, dry_run=False)
    assert not ctx.has_errors and Household.objects.count() == 1
    bad = make_workbook(households=[household_row(2, 户主身份证号="11010119900307123")])
    ctx = run_roster(data=bad, township=township, dry_run=False)
    assert ctx.has_errors and Household.objects.count() == 1
