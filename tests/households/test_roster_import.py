"""Roster import: every bad-input class, all-or-nothing, idempotence, updates, history."""

import datetime as dt
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone
from openpyxl import load_workbook

from core.models import AuditEntry
from households import identity
from households.models import Household, Resident, RosterImport
from households.roster.reader import RosterFileError
from households.roster.runner import run_roster
from households.roster.schema import SHEETS
from households.roster.service import roster_commit, roster_upload_create
from households.roster.template import write_template
from liaison.models import Cadre, Pairing
from liaison.roles import Role
from tests.factories import valid_id_number
from tests.households.conftest import household_row, member_row
from tests.households.workbooks import make_workbook

pytestmark = pytest.mark.django_db


def _run(township, dry_run=False, **rows):
    return run_roster(data=make_workbook(**rows), township=township, dry_run=dry_run)


def _errors(ctx):
    return [(e["sheet"], e["row"], e["column"]) for e in ctx.errors]


def _snapshot():
    return (
        Household.objects.count(),
        Resident.objects.count(),
        Cadre.objects.count(),
        Pairing.objects.count(),
    )


def test_first_import_creates_everything(township, roster_rows):
    ctx = _run(township, **roster_rows)

    assert ctx.errors == []
    assert ctx.counts["户"]["new"] == 5
    assert ctx.counts["成员"]["new"] == 10  # 5 members + 5 heads from the 户 sheet
    assert _snapshot() == (5, 10, 2, 5)
    head = Resident.objects.get(household__code="H0001", is_head=True)
    assert head.id_number == valid_id_number(1, "19700102")
    assert head.birth_date.isoformat() == "1970-01-02"
    assert Household.objects.get(code="H0001").tag_list == ["hardship"]


def test_dry_run_writes_nothing_but_counts(township, roster_rows):
    ctx = _run(township, dry_run=True, **roster_rows)

    assert ctx.counts["户"]["new"] == 5 and ctx.counts["结对"]["new"] == 5
    assert _snapshot() == (0, 0, 0, 0)


def test_second_import_of_the_same_file_changes_nothing(township, roster_rows):
    _run(township, **roster_rows)
    before = list(Household.objects.values_list("pk", "updated_at"))

    ctx = _run(township, **roster_rows)

    assert ctx.errors == []
    assert ctx.changes == []
    for sheet in ("户", "成员", "干部", "结对"):
        assert ctx.counts[sheet]["new"] == ctx.counts[sheet]["updated"] == 0
    assert _snapshot() == (5, 10, 2, 5)
    assert list(Household.objects.values_list("pk", "updated_at")) == before


def test_changed_row_updates_its_record_and_records_the_change(township, roster_rows):
    _run(township, **roster_rows)
    roster_rows["households"][0]["详细地址"] = "新华路8号"
    roster_rows["members"][1]["联系电话"] = "+86 139-0000-9999"

    ctx = _run(township, **roster_rows)

    assert ctx.counts["户"] == {"new": 0, "updated": 1, "unchanged": 4, "error": 0}
    assert ctx.counts["成员"]["updated"] == 1
    assert Household.objects.get(code="H0001").address == "新华路8号"
    assert Resident.objects.get(name="成员2-1").phone == "13900009999"
    change = next(c for c in ctx.changes if c["sheet"] == "户")
    assert change["fields"] == {"address": ["幸福路1号", "新华路8号"]}


def test_cadre_sheet_creates_users_with_the_cadre_role_and_no_password(township, roster_rows):
    _run(township, **roster_rows)

    user = get_user_model().objects.get(username="13900000001")
    assert not user.has_usable_password()
    assert user.groups.filter(name=Role.CADRE.value).exists()
    assert user.cadre.workgroup.name == "东村工作组"


def test_changed_pairing_ends_the_old_one_and_keeps_history(township, roster_rows):
    _run(township, **roster_rows)
    roster_rows["pairings"][0]["手机号"] = "13900000002"  # H0001 moves to 李干部

    ctx = _run(township, **roster_rows)

    assert ctx.counts["结对"]["new"] == 1
    history = list(Pairing.objects.filter(household__code="H0001").order_by("id"))
    assert [p.cadre.name for p in history] == ["王干部", "李干部"]
    assert history[0].end_date is not None and history[1].end_date is None


def test_error_in_the_last_row_leaves_the_database_unchanged(township, roster_rows):
    roster_rows["pairings"][-1]["户编号"] = "H9999"

    ctx = _run(township, **roster_rows)

    assert _errors(ctx) == [("结对", 6, "户编号")]
    assert "H9999" in ctx.errors[0]["message"]
    assert _snapshot() == (0, 0, 0, 0)
    assert not get_user_model().objects.filter(username="13900000001").exists()


def test_error_on_reimport_keeps_the_previous_data(township, roster_rows):
    _run(township, **roster_rows)
    roster_rows["households"][0]["详细地址"] = "改过的地址"
    roster_rows["members"][-1]["身份证号"] = "110105194912310021"

    ctx = _run(township, **roster_rows)

    assert ctx.has_errors
    assert Household.objects.get(code="H0001").address == "幸福路1号"


@pytest.mark.parametrize(
    ("mutate", "where", "needle"),
    [
        (lambda r: r["households"][1].update({"户编号": "H0001"}), ("户", 3, "户编号"), "第 2 行"),
        (
            lambda r: r["households"][0].update({"村（社区）": "南村"}),
            ("户", 2, "村（社区）"),
            "东村",
        ),
        (
            lambda r: r["members"][0].update({"身份证号": "110105194912310021"}),
            ("成员", 2, "身份证号"),
            "校验位",
        ),
        (
            lambda r: r["members"][0].update({"身份证号": 1.1010519491231e17}),
            ("成员", 2, "身份证号"),
            "文本",
        ),
        (
            lambda r: r["members"][1].update({"身份证号": r["members"][0]["身份证号"]}),
            ("成员", 3, "身份证号"),
            "重复",
        ),
        (lambda r: r["members"][0].update({"户编号": "H7777"}), ("成员", 2, "户编号"), "H7777"),
        (
            lambda r: r["members"][0].update({"与户主关系": "邻居"}),
            ("成员", 2, "与户主关系"),
            "配偶",
        ),
        (
            lambda r: r["households"][0].update({"重点类别": "富人"}),
            ("户", 2, "重点类别"),
            "致富能人",
        ),
        (lambda r: r["households"][0].update({"联系电话": "12345"}), ("户", 2, "联系电话"), "11位"),
        (lambda r: r["households"][0].update({"详细地址": "  "}), ("户", 2, "详细地址"), "必填"),
        (lambda r: r["cadres"][0].update({"工作组": "北组"}), ("干部", 2, "工作组"), "东村工作组"),
        (
            lambda r: r["cadres"][0].update({"手机号": "010-12345678"}),
            ("干部", 2, "手机号"),
            "11位",
        ),
        (
            lambda r: r["pairings"][1].update({"户编号": "H0001"}),
            ("结对", 3, "户编号"),
            "一户只能有一名",
        ),
        (
            lambda r: r["pairings"][0].update({"手机号": "13911112222"}),
            ("结对", 2, "手机号"),
            "干部",
        ),
        (lambda r: r["members"][0].update({"性别": "女"}), ("成员", 2, "性别"), "男"),
        (
            lambda r: r["households"][0].update({"户主身份证号": "1101051949"}),
            ("户", 2, "户主身份证号"),
            "18位",
        ),
    ],
)
def test_bad_rows_are_reported_with_sheet_row_column_and_message(
    township, roster_rows, mutate, where, needle
):
    mutate(roster_rows)

    ctx = _run(township, **roster_rows)

    assert where in _errors(ctx)
    message = next(e["message"] for e in ctx.errors if (e["sheet"], e["row"], e["column"]) == where)
    assert needle in message
    assert _snapshot() == (0, 0, 0, 0)


def test_full_width_digits_stray_spaces_and_empty_rows_are_cleaned(township, roster_rows):
    roster_rows["households"][0].update(
        {"户编号": " h0001 ", "详细地址": "  幸福路１号  ", "户主姓名": "户 主", "网格": 2.0}
    )
    roster_rows["households"].insert(2, {})  # an empty row in the middle

    ctx = _run(township, **roster_rows)

    assert ctx.errors == []
    household = Household.objects.get(code="H0001")
    assert (household.address, household.head_name, household.grid) == ("幸福路1号", "户主", "2")
    assert Household.objects.count() == 5


def test_fifteen_digit_ids_are_upgraded(township, roster_rows):
    roster_rows["members"][0]["身份证号"] = "110105491231002"

    ctx = _run(township, **roster_rows)

    assert ctx.errors == []
    assert Resident.objects.filter(
        id_last4="002X", id_number_hmac=identity.blind_index("11010519491231002X")
    ).exists()


def test_a_file_that_is_not_xlsx_is_refused(township):
    with pytest.raises(RosterFileError, match="xlsx"):
        run_roster(data=b"name,code\n1,2\n", township=township, dry_run=True)
    with pytest.raises(RosterFileError, match="xlsx"):
        run_roster(data=b"PK\x03\x04 broken zip", township=township, dry_run=True)


def test_an_oversized_file_is_refused(township, settings):
    settings.ROSTER_IMPORT_MAX_BYTES = 1000
    with pytest.raises(RosterFileError, match="文件过大"):
        run_roster(data=b"PK" + b"0" * 2000, township=township, dry_run=True)


def test_missing_columns_and_missing_sheets_are_reported(township):
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.active.title = "户"
    workbook.active.append(["户编号", "详细地址"])
    buffer = io.BytesIO()
    workbook.save(buffer)

    ctx = run_roster(data=buffer.getvalue(), township=township, dry_run=True)

    assert ("户", 1, "村（社区）") in _errors(ctx)

    workbook.active.title = "Sheet1"
    buffer = io.BytesIO()
    workbook.save(buffer)
    with pytest.raises(RosterFileError, match="找不到工作表"):
        run_roster(data=buffer.getvalue(), township=township, dry_run=True)


def test_resident_in_another_township_is_refused(township, roster_rows):
    from tests.factories import ResidentFactory

    ResidentFactory(id_number=roster_rows["members"][0]["身份证号"])

    ctx = _run(township, **roster_rows)

    assert ("成员", 2, "身份证号") in _errors(ctx)


def test_queries_per_chunk_do_not_grow_with_rows(township, django_assert_max_num_queries):
    rows = [household_row(n) for n in range(1, 301)]
    members = [member_row(n) for n in range(1, 301)]
    # Bulk writes and one prefetch per chunk: far fewer queries than rows.
    with django_assert_max_num_queries(60):
        ctx = _run(township, households=rows, members=members)
    assert ctx.errors == []
    assert ctx.counts["成员"]["new"] == 600


def test_commit_service_audits_once_and_keeps_the_row_history(township, roster_rows, make_user):
    admin = make_user(Role.ADMIN, township=township, workgroup=None)
    roster_import = roster_upload_create(
        data=make_workbook(**roster_rows), file_name="r.xlsx", township=township, actor=admin
    )

    roster_commit(roster_import=roster_import)

    roster_import.refresh_from_db()
    assert roster_import.status == RosterImport.Status.DONE
    rows = roster_import.change_rows
    assert rows.count() == 5 + 10 + 2 + 5
    assert rows.filter(sheet="结对", action="new").count() == 5
    assert roster_import.changes == []  # the old JSON history is no longer written
    entries = AuditEntry.objects.filter(action=AuditEntry.Action.IMPORT)
    assert entries.count() == 1
    assert entries.get().changes["file_sha256"] == roster_import.file_sha256
    assert entries.get().actor == admin


def test_import_roster_command(township, roster_rows, tmp_path, capsys):
    good = tmp_path / "good.xlsx"
    good.write_bytes(make_workbook(**roster_rows))
    call_command("import_roster", str(good), "--dry-run")
    assert Household.objects.count() == 0
    call_command("import_roster", str(good))
    assert Household.objects.count() == 5
    out = capsys.readouterr().out
    assert "[户] 新增 5" in out

    roster_rows["members"][0]["身份证号"] = "110105194912310021"
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(make_workbook(**roster_rows))
    with pytest.raises(CommandError, match="1 处错误"):
        call_command("import_roster", str(bad))
    assert "校验位" in capsys.readouterr().out


def test_template_workbook_has_headers_example_and_dropdowns(township, tmp_path):
    path = tmp_path / "template.xlsx"
    write_template(str(path), township=township)
    workbook = load_workbook(path)

    assert workbook.sheetnames[:4] == ["户", "成员", "干部", "结对"]
    households = workbook["户"]
    assert tuple(c.value for c in households[1]) == SHEETS["户"].headers
    assert SHEETS["户"].headers[5] == "户主身份证号"
    assert households["B2"].value in {"东村", "西村"}
    formulas = {dv.formula1 for dv in households.data_validations.dataValidation}
    assert any("选项" in f for f in formulas)
    # The template's example row imports cleanly.
    ctx = run_roster(data=path.read_bytes(), township=township, dry_run=True)
    assert ctx.errors == [], ctx.errors


def test_sqlite_or_postgres_is_used():
    assert connection.vendor in {"sqlite", "postgresql"}


def test_update_touches_updated_at_only_for_changed_rows(township, roster_rows):
    _run(township, **roster_rows)
    before = dict(Household.objects.values_list("code", "updated_at"))
    roster_rows["households"][1]["备注"] = "新备注"

    _run(township, **roster_rows)

    after = dict(Household.objects.values_list("code", "updated_at"))
    assert after["H0002"] > before["H0002"]
    assert after["H0001"] == before["H0001"]


def test_a_second_head_is_refused_as_on_every_other_door(township, roster_rows):
    # given the 户 sheet names H0001's head, and the 成员 sheet marks someone else 户主 there,
    # and two different 户主 rows for H0002 beside its listed head
    roster_rows["members"][0]["与户主关系"] = "户主"
    roster_rows["members"].append(member_row(2, 2, 与户主关系="户主"))

    # when the roster is imported
    ctx = _run(township, **roster_rows)

    # then both rows are refused on the relation column and nothing is written
    assert ("成员", 2, "与户主关系") in _errors(ctx)
    assert ("成员", 7, "与户主关系") in _errors(ctx)
    assert _snapshot() == (0, 0, 0, 0)


def test_the_listed_head_may_also_stand_on_the_member_sheet(township, roster_rows):
    head = roster_rows["households"][0]
    roster_rows["members"].append(
        member_row(1, 9, 姓名=head["户主姓名"], 身份证号=head["户主身份证号"], 与户主关系="户主")
    )

    ctx = _run(township, **roster_rows)

    assert not ctx.errors
    assert Resident.objects.filter(household__code="H0001", is_head=True).count() == 1


def test_reassigned_pairing_ends_the_day_before_as_in_the_pairing_service(township, roster_rows):
    """One rule on both doors (liaison.services.pairings_close): a pairing that began before
    today and is replaced by the import ends yesterday, as `pairing_assign` ends it."""
    _run(township, **roster_rows)
    Pairing.objects.filter(household__code="H0001").update(
        start_date=timezone.localdate() - dt.timedelta(days=30)
    )
    roster_rows["pairings"][0]["手机号"] = "13900000002"

    _run(township, **roster_rows)

    old, new = Pairing.objects.filter(household__code="H0001").order_by("id")
    assert old.end_date == timezone.localdate() - dt.timedelta(days=1)
    assert new.start_date == timezone.localdate() and new.end_date is None
