"""The issue ledger in the UI (issue 15, item 11): the list's filters, the reader's scope, an
.xlsx, audited with its filter; the page and manage.py export_ledger give the same rows."""

import io
import uuid

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from openpyxl import load_workbook

from core.models import AuditEntry
from issues.ledger import HEADERS
from tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db

URL = "issues:ledger"


def _rows(workbook_bytes: bytes) -> list[tuple]:
    sheet = load_workbook(io.BytesIO(workbook_bytes))["诉求台账"]
    rows = list(sheet.values)
    assert list(rows[0]) == HEADERS
    return rows[1:]


def _download(client, job="abcdefgh1234", **filters) -> bytes:
    response = client.post(reverse(URL) + "?" + _query(filters), {"job": job})
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return b"".join(response.streaming_content)


def _query(filters: dict) -> str:
    from urllib.parse import urlencode

    return urlencode(filters)


@pytest.fixture
def issues(world, new_issue, advance):
    reported = new_issue("村口路灯坏了")
    archived = advance(new_issue("路面积水"), "archived")
    there = HouseholdFactory(village=world.other_village, township=world.township)
    elsewhere = new_issue("另一村的诉求", actor="admin", household=there)
    return {"reported": reported, "archived": archived, "elsewhere": elsewhere}


def test_staff_filters_and_downloads_the_ledger_audited_with_the_filter(client, world, issues):
    # given committee staff on the ledger page, filtering by status
    staff = world.users["staff"]
    client.force_login(staff)
    page = client.get(reverse(URL), {"status": "archived"})
    assert page.status_code == 200
    assert "按当前条件共 1 行" in page.content.decode()

    # when they export it
    rows = _rows(_download(client, status="archived"))

    # then the workbook holds the matching issue only, and the export is audited
    assert [r[0] for r in rows] == [issues["archived"].pk]
    entry = AuditEntry.objects.get(action=AuditEntry.Action.EXPORT, object_type="issues.issue")
    assert entry.actor == staff
    assert entry.changes["rows"] == 1 and entry.changes["filters"] == {"status": "archived"}
    assert entry.ip_address == "127.0.0.1"


def test_a_role_exports_only_what_it_may_see(client, world, issues):
    # the village handler may not export at all; the leader exports the whole township
    client.force_login(world.users["village"])
    assert client.get(reverse(URL)).status_code == 403
    assert client.post(reverse(URL), {"job": "abcdefgh1234"}).status_code == 403

    client.force_login(world.users["leader"])
    assert len(_rows(_download(client))) == 3


def test_a_bad_filter_is_a_field_error_not_an_export(client, world, issues):
    client.force_login(world.users["staff"])
    response = client.post(reverse(URL) + "?date_from=2025-13-40", {"job": "abcdefgh1234"})
    assert response.status_code == 400
    assert "invalid-feedback" in response.content.decode()
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT).exists()


@pytest.mark.parametrize(
    "filters",
    [{}, {"status": "archived"}, {"village": "other"}, {"q": "路灯"}],
)
def test_the_page_and_the_command_give_the_same_rows_and_both_are_audited(
    client, world, issues, tmp_path, filters
):
    # given the same filter and the same user on both doors
    if filters.get("village") == "other":
        filters = {"village": str(world.other_village.pk)}
    leader = world.users["leader"]
    client.force_login(leader)

    # when the leader downloads the page's ledger and the operator runs the command as them
    from_page = _rows(_download(client, **filters))
    target = tmp_path / "issues.xlsx"
    call_command(
        "export_ledger",
        "issues",
        str(target),
        user=leader.username,
        filters=[f"{k}={v}" for k, v in filters.items()],
    )
    from_command = _rows(target.read_bytes())

    # then the rows are the same, and both exports are audited with the filter
    assert from_page == from_command
    entries = AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT, actor=leader)
    assert entries.count() == 2
    assert {e.changes["rows"] for e in entries} == {len(from_page)}
    assert all(e.changes["filters"] == filters for e in entries)


def test_the_command_refuses_a_user_who_may_not_export_and_a_bad_filter(world, tmp_path):
    target = str(tmp_path / "x.xlsx")
    with pytest.raises(CommandError, match="无权导出"):
        call_command("export_ledger", "issues", target, user=world.users["cadre"].username)
    with pytest.raises(CommandError, match="筛选条件无效"):
        call_command("export_ledger", "issues", target, filters=["status=nonsense"])
    with pytest.raises(CommandError, match="名称=值"):
        call_command("export_ledger", "issues", target, filters=["status"])
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT).exists()


def test_the_issue_list_links_the_ledger_with_its_filters_for_exporters_only(client, world):
    client.force_login(world.users["staff"])
    page = client.get(reverse("issues:list"), {"status": "reported"}).content.decode()
    assert f'href="{reverse(URL)}?status=reported"' in page

    client.force_login(world.users["cadre"])
    assert 'data-testid="ledger-link"' not in client.get(reverse("issues:list")).content.decode()


def test_the_progress_of_an_export_is_read_back_by_its_page_only(client, world, issues):
    job = uuid.uuid4().hex
    client.force_login(world.users["staff"])
    _download(client, job=job)
    progress = client.get(reverse("issues:ledger-progress"), {"job": job}).json()
    assert progress == {"done": 3, "total": 3, "finished": True}
    # another user's job, or a malformed id, reads as nothing
    client.force_login(world.users["leader"])
    assert client.get(reverse("issues:ledger-progress"), {"job": job}).json()["total"] == 0
    assert client.get(reverse("issues:ledger-progress"), {"job": "../x"}).json()["total"] == 0
