"""The household export (issue 15, item 11): the 户主身份证号 column is filled, masked for every
role; full numbers only through the reveal export, which needs the reveal permission and is
audited as a reveal, on the page and on the command line."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from openpyxl import load_workbook

from core.models import AuditEntry
from households.identity import mask_id_number
from liaison.roles import Role
from tests.factories import HouseholdFactory, ResidentFactory, valid_id_number

pytestmark = pytest.mark.django_db

EXPORTS = [AuditEntry.Action.EXPORT, AuditEntry.Action.REVEAL]
HEAD_ID = valid_id_number(7, "19600101")
CHILD_ID = valid_id_number(8, "19900101")


@pytest.fixture
def household(township):
    east = township.villages.get(name="东村")
    household = HouseholdFactory(
        township=township, village=east, code="E001", head_name="赵大", phone="13811112222"
    )
    ResidentFactory(household=household, name="赵大", id_number=HEAD_ID, phone="13811112222")
    ResidentFactory(
        household=household, name="赵小", id_number=CHILD_ID, is_head=False, relation="child"
    )
    return household


def _sheets(content: bytes):
    workbook = load_workbook(io.BytesIO(content))
    households = list(workbook["户"].iter_rows(min_row=2, values_only=True))
    members = list(workbook["成员"].iter_rows(min_row=2, values_only=True))
    return households, members


def _body(response) -> bytes:
    assert response.status_code == 200, response.status_code
    return b"".join(response.streaming_content if response.streaming else [response.content])


@pytest.mark.parametrize("role", [Role.ADMIN, Role.LEADER, Role.GROUP_LEADER])
def test_every_export_fills_the_head_id_column_masked(client, make_user, township, household, role):
    # given any role that may export, even one that may reveal numbers on the page
    workgroup = township.villages.get(name="东村").workgroups.get()
    user = make_user(
        role, township=township, workgroup=workgroup if role == Role.GROUP_LEADER else None
    )
    client.force_login(user)

    # when they export the household ledger
    households, members = _sheets(_body(client.get(reverse("households:export"))))

    # then the head's ID column is filled, masked, and so are the members' numbers
    assert households[0][5] == mask_id_number(HEAD_ID)
    assert households[0][6] == "138****2222"
    assert [m[3] for m in members] == [mask_id_number(HEAD_ID), mask_id_number(CHILD_ID)]
    entry = AuditEntry.objects.get(action=AuditEntry.Action.EXPORT)
    assert entry.changes["full_numbers"] is False
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.REVEAL).exists()


def test_the_reveal_export_gives_full_numbers_and_is_audited_as_a_reveal(
    client, make_user, township, household
):
    # given an admin, who may reveal numbers
    admin = make_user(Role.ADMIN, township=township, workgroup=None)
    client.force_login(admin)
    url = reverse("households:export-reveal") + "?q=E001"

    # when they open the reveal export (a confirmation, nothing revealed yet) and confirm it
    page = client.get(url)
    assert page.status_code == 200 and "将导出 1 户" in page.content.decode()
    assert not AuditEntry.objects.filter(action__in=EXPORTS).exists()
    households, members = _sheets(_body(client.post(url)))

    # then the workbook has the full numbers, and a REVEAL row names the household and members
    assert households[0][5] == HEAD_ID and households[0][6] == "13811112222"
    assert [m[3] for m in members] == [HEAD_ID, CHILD_ID]
    reveal = AuditEntry.objects.get(action=AuditEntry.Action.REVEAL)
    assert reveal.actor == admin and reveal.changes["households"] == [household.pk]
    assert len(reveal.changes["residents"]) == 2 and "导出住户台账" in reveal.summary
    export = AuditEntry.objects.get(action=AuditEntry.Action.EXPORT)
    assert export.changes["full_numbers"] is True and export.changes["filters"] == {"q": "E001"}


def test_the_reveal_export_is_refused_to_roles_that_see_masks(
    client, make_user, township, household
):
    leader = make_user(Role.LEADER, township=township, workgroup=None)
    client.force_login(leader)
    assert client.get(reverse("households:export-reveal")).status_code == 403
    assert client.post(reverse("households:export-reveal")).status_code == 403
    assert (
        'data-testid="export-reveal"' not in client.get(reverse("households:list")).content.decode()
    )
    assert not AuditEntry.objects.filter(action__in=EXPORTS).exists()


def test_the_list_offers_the_reveal_export_to_those_who_may(client, make_user, township, household):
    admin = make_user(Role.ADMIN, township=township, workgroup=None)
    client.force_login(admin)
    assert 'data-testid="export-reveal"' in client.get(reverse("households:list")).content.decode()


def test_the_command_masks_unless_a_user_who_may_reveal_asks(
    make_user, township, household, tmp_path
):
    target = tmp_path / "h.xlsx"

    call_command("export_ledger", "households", str(target))
    households, members = _sheets(target.read_bytes())
    assert households[0][5] == mask_id_number(HEAD_ID) and members[1][3] == mask_id_number(CHILD_ID)

    with pytest.raises(CommandError, match="无权导出完整号码"):
        call_command("export_ledger", "households", str(target), reveal=True)
    leader = make_user(Role.LEADER, township=township, workgroup=None)
    with pytest.raises(CommandError, match="无权导出完整号码"):
        call_command("export_ledger", "households", str(target), reveal=True, user=leader.username)
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.REVEAL).exists()

    admin = make_user(Role.ADMIN, township=township, workgroup=None)
    call_command("export_ledger", "households", str(target), reveal=True, user=admin.username)
    households, members = _sheets(target.read_bytes())
    assert households[0][5] == HEAD_ID and members[1][3] == CHILD_ID
    assert AuditEntry.objects.get(action=AuditEntry.Action.REVEAL).actor == admin
