"""The visit ledger in the UI (issue 15, item 11): period / village / work group / kind filters
in the reader's scope, an .xlsx audited with its filter; page and command give the same rows."""

import datetime as dt
import io
from urllib.parse import urlencode

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from openpyxl import load_workbook

from core.models import AuditEntry
from liaison.roles import Role
from tests.conftest import give_role
from tests.factories import CadreFactory, PairingFactory
from visits.models import Visit

pytestmark = pytest.mark.django_db

URL = "liaison:visit-ledger"


@pytest.fixture
def visits(group):
    a, b = group["a"], group["b"]
    stranger = CadreFactory(township=a.township)  # another group of the same township
    give_role(stranger.user, Role.CADRE)
    elsewhere = PairingFactory(cadre=stranger).household
    return {
        "may": Visit.objects.create(
            cadre=a, household=group["households"]["a"][0], visited_on=dt.date(2025, 5, 7)
        ),
        "june": Visit.objects.create(
            cadre=b, household=group["households"]["b"][0], visited_on=dt.date(2025, 6, 3)
        ),
        "elsewhere": Visit.objects.create(
            cadre=stranger, household=elsewhere, visited_on=dt.date(2025, 5, 9)
        ),
    }


def _rows(content: bytes) -> list[tuple]:
    return list(load_workbook(io.BytesIO(content))["走访"].values)[1:]


def _download(client, **filters) -> bytes:
    response = client.post(reverse(URL) + "?" + urlencode(filters), {"job": "visitjob-0001"})
    assert response.status_code == 200, response.content[:300]
    return b"".join(response.streaming_content)


def test_the_group_leader_exports_the_group_s_visits_of_a_period(client, group, visits):
    # given the group leader on the ledger page, asking for May
    client.force_login(group["leader"].user)
    filters = {"date_from": "2025-05-01", "date_to": "2025-05-31"}
    assert "按当前条件共 1 行" in client.get(reverse(URL), filters).content.decode()

    # when they export it
    rows = _rows(_download(client, **filters))

    # then only their group's May visit is there (not another group's), and it is audited
    assert [r[2] for r in rows] == [visits["may"].household.code]
    entry = AuditEntry.objects.get(action=AuditEntry.Action.EXPORT, object_type="visits.visit")
    assert entry.actor == group["leader"].user
    assert entry.changes == {"rows": 1, "filters": filters}


def test_a_cadre_may_not_export_and_a_bad_period_is_a_field_error(client, group, visits):
    client.force_login(group["a"].user)
    assert client.get(reverse(URL)).status_code == 403

    client.force_login(group["leader"].user)
    response = client.post(
        reverse(URL) + "?date_from=2025-06-01&date_to=2025-05-01", {"job": "visitjob-0001"}
    )
    assert response.status_code == 400 and "结束日期不能早于开始日期" in response.content.decode()
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT).exists()


@pytest.mark.parametrize("filters", [{}, {"date_from": "2025-06-01"}, {"kind": "ad_hoc"}])
def test_the_page_and_the_command_give_the_same_rows_and_both_are_audited(
    client, group, visits, tmp_path, filters
):
    leader = group["leader"].user
    client.force_login(leader)
    from_page = _rows(_download(client, **filters))
    target = tmp_path / "visits.xlsx"
    call_command(
        "export_ledger",
        "visits",
        str(target),
        user=leader.username,
        filters=[f"{k}={v}" for k, v in filters.items()],
    )
    assert _rows(target.read_bytes()) == from_page
    entries = AuditEntry.objects.filter(action=AuditEntry.Action.EXPORT, actor=leader)
    assert entries.count() == 2 and all(e.changes["filters"] == filters for e in entries)


def test_the_workgroup_filter_and_the_command_s_refusals(group, visits, tmp_path):
    target = tmp_path / "v.xlsx"
    call_command(
        "export_ledger", "visits", str(target), filters=[f"workgroup={group['workgroup'].pk}"]
    )
    codes = {r[2] for r in _rows(target.read_bytes())}
    assert codes == {visits["may"].household.code, visits["june"].household.code}
    with pytest.raises(CommandError, match="无权导出"):
        call_command("export_ledger", "visits", str(target), user=group["a"].user.username)
    with pytest.raises(CommandError, match="不支持 --filter"):
        call_command("export_ledger", "households", str(target), filters=["village=1"])


def test_the_diary_links_the_ledger_of_its_month_for_exporters_only(client, group):
    client.force_login(group["leader"].user)
    page = client.get(reverse("liaison:visit-list"), {"month": "2025-02"}).content.decode()
    assert f'href="{reverse(URL)}?date_from=2025-02-01&amp;date_to=2025-02-28"' in page

    client.force_login(group["a"].user)
    page = client.get(reverse("liaison:visit-list")).content.decode()
    assert 'data-testid="ledger-link"' not in page
