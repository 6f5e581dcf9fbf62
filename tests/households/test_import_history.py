"""An import's own history (RosterImportChange rows) and the pairings a re-import leaves out."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEntry
from households.models import Household, Resident, RosterImport, RosterImportChange
from households.roster import context, history
from households.roster.runner import run_roster
from households.roster.service import roster_commit, roster_preview, roster_upload_create
from liaison.models import Pairing
from liaison.roles import Role
from tests.households.conftest import household_row, member_row
from tests.households.workbooks import make_workbook

pytestmark = pytest.mark.django_db


def _import(township, rows, *, actor=None, dry_run=False, end_missing_pairings=None):
    roster_import = roster_upload_create(
        data=make_workbook(**rows), file_name="r.xlsx", township=township, actor=actor
    )
    if dry_run:
        return roster_preview(roster_import=roster_import)
    return roster_commit(roster_import=roster_import, end_missing_pairings=end_missing_pairings)


def _without_h0005(rows):
    return {**rows, "pairings": [p for p in rows["pairings"] if p["户编号"] != "H0005"]}


@pytest.fixture
def admin_client(client, make_user, township):
    client.force_login(make_user(Role.ADMIN, township=township, workgroup=None))
    return client


# --- the row history -----------------------------------------------------------------------


def test_every_change_is_kept_past_many_batches(township, monkeypatch):
    monkeypatch.setattr(context, "CHANGE_BATCH", 7)  # many flushes inside the one transaction
    rows = {
        "households": [household_row(n) for n in range(1, 41)],
        "members": [member_row(n) for n in range(1, 41)],
    }

    imp = _import(township, rows)

    assert imp.status == RosterImport.Status.DONE
    assert imp.change_rows.count() == 40 + 80  # 40 households, 40 members + 40 heads
    assert imp.change_rows.filter(sheet="户", action="new", key="H0040").exists()
    audit = AuditEntry.objects.get(action=AuditEntry.Action.IMPORT)
    assert audit.changes["row_changes"] == 120


def test_an_update_is_recorded_with_its_fields(township, roster_rows):
    _import(township, roster_rows)
    roster_rows["households"][2]["详细地址"] = "新华路8号"

    imp = _import(township, roster_rows)

    change = imp.change_rows.get()
    assert (change.sheet, change.row, change.key, change.action) == ("户", 4, "H0003", "updated")
    assert change.fields == {"address": ["幸福路3号", "新华路8号"]}


def test_a_failed_import_keeps_no_change_rows(township, roster_rows, monkeypatch):
    monkeypatch.setattr(context, "CHANGE_BATCH", 2)  # rows are flushed before the error
    roster_rows["pairings"][-1]["户编号"] = "H9999"

    imp = _import(township, roster_rows)

    assert imp.status == RosterImport.Status.INVALID
    assert RosterImportChange.objects.count() == 0
    assert Household.objects.count() == 0


def test_a_dry_run_records_no_changes(township, roster_rows):
    ctx = run_roster(data=make_workbook(**roster_rows), township=township, dry_run=True)
    assert ctx.changes == [] and ctx.change_count == 0


def test_detail_page_pages_and_filters_the_changes(
    admin_client, township, roster_rows, monkeypatch
):
    monkeypatch.setattr(history, "PAGE_SIZE", 4)
    imp = _import(township, roster_rows)
    url = reverse("households:import-detail", args=[imp.pk])

    first = admin_client.get(url)
    assert first.context["changes"].paginator.count == 22
    assert 'data-testid="change-pages"' in first.content.decode()
    last = admin_client.get(url, {"page": 6})
    assert len(last.context["changes"].object_list) == 2

    only = admin_client.get(url, {"sheet": "结对", "action": "new"})
    assert only.context["changes"].paginator.count == 5
    assert {c.sheet for c in only.context["changes"]} == {"结对"}
    assert 'href="?sheet=%E7%BB%93%E5%AF%B9&amp;action=new&page=2#changes"' in (
        only.content.decode()
    )
    bogus = admin_client.get(url, {"sheet": "x", "action": "drop"})
    assert bogus.context["changes"].paginator.count == 22


def test_an_old_import_with_json_history_still_shows(admin_client, township):
    imp = RosterImport.objects.create(
        township=township,
        file_name="old.xlsx",
        file_sha256="0" * 64,
        status=RosterImport.Status.DONE,
        changes=[
            {"sheet": "户", "row": 2, "key": "H0001", "type": "new"},
            {
                "sheet": "户",
                "row": 3,
                "key": "H0002",
                "type": "updated",
                "fields": {"note": ["", "x"]},
            },
        ],
    )

    response = admin_client.get(
        reverse("households:import-detail", args=[imp.pk]), {"action": "updated"}
    )

    page = response.content.decode()
    assert response.context["changes"].paginator.count == 1
    assert "H0002" in page and "note:" in page


def test_admin_lists_the_change_rows(client, township, roster_rows, admin_user):
    imp = _import(township, roster_rows)
    client.force_login(admin_user)

    detail = client.get(reverse("admin:households_rosterimport_change", args=[imp.pk]))
    listing = client.get(
        reverse("admin:households_rosterimportchange_changelist"),
        {"roster_import__id__exact": imp.pk, "sheet": "结对"},
    )

    assert detail.status_code == 200 and "22" in detail.content.decode()
    assert listing.status_code == 200
    assert listing.context["cl"].queryset.count() == 5


# --- pairings the file leaves out ----------------------------------------------------------


def test_preview_reports_pairings_not_in_the_file_and_default_leaves_them(township, roster_rows):
    _import(township, roster_rows)
    rows = _without_h0005(roster_rows)

    preview = _import(township, rows, dry_run=True)
    assert preview.missing_pairings == 1

    imp = _import(township, rows)
    assert imp.missing_pairings == 1
    assert Pairing.objects.current().filter(household__code="H0005").exists()
    assert not imp.change_rows.filter(action="ended").exists()


def test_ending_missing_pairings_keeps_their_history(township, roster_rows):
    _import(township, roster_rows)

    imp = _import(township, _without_h0005(roster_rows), end_missing_pairings=True)

    pairing = Pairing.objects.get(household__code="H0005")  # ended, not deleted
    assert pairing.end_date == timezone.localdate()
    assert Pairing.objects.current().count() == 4
    ended = imp.change_rows.get(action="ended")
    assert (ended.sheet, ended.key, ended.row) == ("结对", "H0005", None)
    audit = AuditEntry.objects.filter(action=AuditEntry.Action.IMPORT).latest("id")
    assert audit.changes["pairings_ended"] == 1
    # Importing the same file again finds nothing missing and changes nothing.
    again = _import(township, _without_h0005(roster_rows), end_missing_pairings=True)
    assert again.missing_pairings == 0 and again.change_rows.count() == 0


def test_a_workbook_without_the_pairing_sheet_reports_nothing_missing(township, roster_rows):
    _import(township, roster_rows)
    rows = {k: v for k, v in roster_rows.items() if k != "pairings"}
    roster_import = roster_upload_create(
        data=make_workbook(**rows, sheets=("户", "成员", "干部")),
        file_name="r.xlsx",
        township=township,
        actor=None,
    )

    imp = roster_commit(roster_import=roster_import, end_missing_pairings=True)

    assert imp.status == RosterImport.Status.DONE
    assert imp.missing_pairings == 0
    assert Pairing.objects.current().count() == 5


def test_command_ends_missing_pairings_only_when_asked(township, roster_rows, tmp_path, capsys):
    _import(township, roster_rows)
    path = tmp_path / "r.xlsx"
    path.write_bytes(make_workbook(**_without_h0005(roster_rows)))

    call_command("import_roster", str(path))
    assert "1 个现有结对不在本文件" in capsys.readouterr().out
    assert Pairing.objects.current().count() == 5

    call_command("import_roster", str(path), "--end-missing-pairings")
    assert "已结束" in capsys.readouterr().out
    assert Pairing.objects.current().count() == 4


def test_confirm_page_offers_to_end_missing_pairings(
    admin_client, township, roster_rows, django_capture_on_commit_callbacks
):
    _import(township, roster_rows)
    response = admin_client.post(
        reverse("households:import"),
        {"file": SimpleUploadedFile("r.xlsx", make_workbook(**_without_h0005(roster_rows)))},
        follow=True,
    )
    page = response.content.decode()
    imp = response.context["imp"]
    assert imp.status == RosterImport.Status.PREVIEWED
    assert 'data-testid="missing-pairings"' in page
    assert 'name="end_missing_pairings"' in page

    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            reverse("households:import-confirm", args=[imp.pk]), {"end_missing_pairings": "on"}
        )

    imp.refresh_from_db()
    assert imp.status == RosterImport.Status.DONE and imp.end_missing_pairings
    assert not Pairing.objects.current().filter(household__code="H0005").exists()
    assert Pairing.objects.filter(household__code="H0005").count() == 1


def test_a_member_change_names_the_person_with_the_masked_id_number(township, roster_rows):
    imp = _import(township, roster_rows)
    member = imp.change_rows.filter(sheet="成员").first()
    resident = Resident.objects.get(id_last4=member.key[-5:-1])
    # e.g. 赵大（1101…0017）: who it is, and no full ID number in the history
    assert member.key == f"{resident.name}（{resident.id_number[:4]}…{resident.id_number[-4:]}）"
    assert resident.id_number not in member.key
