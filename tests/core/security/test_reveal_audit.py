"""Issue #12, finding 6: full ID and phone numbers leave the server only through the one reveal
function (households.services.identity_reveal), which checks the policy and writes a REVEAL audit
entry every time. Writes never answer with full numbers; the admin's forms show masks."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from rest_framework.test import APIClient

from core.models import AuditEntry
from households.services import identity_reveal
from liaison.roles import Role
from tests.factories import (
    HouseholdFactory,
    PairingFactory,
    ResidentFactory,
    TownshipFactory,
    VillageFactory,
    WorkGroupFactory,
    valid_id_number,
)

pytestmark = pytest.mark.django_db

FULL_ID = valid_id_number(31, "19580707")
PHONE = "13811112222"
MEMBER_PHONE = "13700003333"


@pytest.fixture
def town(make_user):
    township = TownshipFactory()
    village = VillageFactory(township=township)
    group = WorkGroupFactory(village=village, township=township)
    household = HouseholdFactory(township=township, village=village, phone=PHONE)
    resident = ResidentFactory(household=household, id_number=FULL_ID)
    resident.phone = MEMBER_PHONE
    resident.save(update_fields=["phone"])
    cadre = make_user(Role.CADRE, township=township, workgroup=group)
    PairingFactory(cadre=cadre.cadre, household=household)
    admin_user = make_user(Role.ADMIN, township=township, workgroup=None)
    admin_user.is_staff = True
    admin_user.save(update_fields=["is_staff"])
    return {
        "household": household,
        "resident": resident,
        "cadre": cadre,
        "admin": admin_user,
        "leader": make_user(Role.LEADER, township=township, workgroup=None),
    }


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _reveals(user=None):
    entries = AuditEntry.objects.filter(action=AuditEntry.Action.REVEAL)
    return entries.filter(actor=user) if user is not None else entries


def test_a_household_detail_reveal_is_audited_every_time(town):
    # given the cadre of a household
    api, household = _api(town["cadre"]), town["household"]
    # when it asks twice for the household with ?reveal=1
    first = api.get(f"/api/v1/households/{household.pk}/?reveal=1")
    second = api.get(f"/api/v1/households/{household.pk}/?reveal=1")
    # then both show the full phone, and each wrote its own REVEAL entry naming the household
    assert first.json()["phone"] == second.json()["phone"] == PHONE
    entries = _reveals(town["cadre"])
    assert entries.count() == 2
    assert {e.object_id for e in entries} == {str(household.pk)}
    assert entries.first().changes["households"] == [household.pk]


def test_a_resident_detail_reveal_is_audited(town):
    # given the cadre of the household
    resident = town["resident"]
    # when it reads the member with ?reveal=1
    answer = _api(town["cadre"]).get(f"/api/v1/residents/{resident.pk}/?reveal=1").json()
    # then the full numbers come with a REVEAL entry naming the member
    assert (answer["id_number_full"], answer["phone"]) == (FULL_ID, MEMBER_PHONE)
    entry = _reveals(town["cadre"]).get()
    assert entry.changes["residents"] == [resident.pk]
    assert FULL_ID not in entry.summary + str(entry.changes)


@pytest.mark.parametrize("body", [{}, {"note": "门前有台阶"}])
def test_a_write_with_reveal_answers_masked_numbers(town, body):
    # given the cadre of the household
    household, resident = town["household"], town["resident"]
    api = _api(town["cadre"])
    # when it PATCHes the household and the member with ?reveal=1 (an empty body too)
    h = api.patch(f"/api/v1/households/{household.pk}/?reveal=1", body, format="json")
    member_body = {"name": "改名"} if body else {}
    r = api.patch(f"/api/v1/residents/{resident.pk}/?reveal=1", member_body, format="json")
    # then the answers carry masks only: a write is never a way around the audited reveal
    assert h.status_code == 200 and r.status_code == 200, (h.content, r.content)
    assert h.json()["phone"] == "138****2222"
    assert "id_number_full" not in r.json() and r.json()["phone"] == "137****3333"
    assert PHONE not in h.content.decode()
    assert FULL_ID not in r.content.decode() and MEMBER_PHONE not in r.content.decode()


def test_a_list_reveal_is_one_audit_entry_naming_every_row(town):
    # given the cadre of the household
    household, resident = town["household"], town["resident"]
    # when it lists households and residents with ?reveal=1
    households = _api(town["cadre"]).get("/api/v1/households/?reveal=1").json()["results"]
    residents = _api(town["cadre"]).get("/api/v1/residents/?reveal=1").json()["results"]
    # then the rows are full, and one REVEAL entry per page names the rows shown
    assert households[0]["phone"] == PHONE and residents[0]["id_number_full"] == FULL_ID
    assert [e.changes["households"] for e in _reveals().order_by("pk")] == [
        [household.pk],
        [household.pk],
    ]
    assert _reveals().order_by("pk").last().changes["residents"] == [resident.pk]


def test_those_who_may_not_reveal_get_masks_and_no_entry(town):
    # given a leader, who sees masks (may_reveal_identity)
    api = _api(town["leader"])
    # when it asks for a reveal
    household = api.get(f"/api/v1/households/{town['household'].pk}/?reveal=1").json()
    resident = api.get(f"/api/v1/residents/{town['resident'].pk}/?reveal=1").json()
    # then the answer is masked and nothing is revealed
    assert household["phone"] == "138****2222" and "id_number_full" not in resident
    assert not _reveals().exists()


def test_the_reveal_function_checks_the_policy_itself(town, make_user):
    # given a cadre of another household
    stranger = make_user(Role.CADRE, workgroup=WorkGroupFactory())
    # when the reveal function is asked for this household's numbers
    with pytest.raises(PermissionDenied):
        identity_reveal(actor=stranger, households=[town["household"]])
    with pytest.raises(PermissionDenied):
        identity_reveal(actor=town["leader"], residents=[town["resident"]])
    # then it refused, and nothing was revealed
    assert not _reveals().exists()


def test_admin_change_forms_show_masks_and_reveal_nothing(client, town):
    # given the township admin on the admin site
    client.force_login(town["admin"])
    household, resident = town["household"], town["resident"]
    # when it opens the change forms of the household and of the member
    pages = [
        client.get(reverse("admin:households_household_change", args=[household.pk])),
        client.get(reverse("admin:households_resident_change", args=[resident.pk])),
    ]
    # then no full number is in them: the inputs are empty and the help text shows the mask
    for page in pages:
        assert page.status_code == 200
        body = page.content.decode()
        assert PHONE not in body and MEMBER_PHONE not in body and FULL_ID not in body
        assert "1958-07-07" not in body and "19580707" not in body
    assert "138****2222" in pages[0].content.decode()
    member = pages[1].content.decode()
    assert "137****3333" in member and resident.id_masked in member
    assert not _reveals().exists()


def test_a_blank_number_in_the_admin_keeps_the_stored_one(client, town):
    # given the member's change form in the admin, with the write-only inputs left blank
    client.force_login(town["admin"])
    resident = town["resident"]
    url = reverse("admin:households_resident_change", args=[resident.pk])
    old_name = resident.name
    # when the admin renames the member and saves
    response = client.post(
        url,
        {
            "name": "新名字",
            "relation": "head",
            "is_head": "on",
            "political_status": resident.political_status,
            "id_number": "",
            "phone": "",
        },
    )
    # then the name changed and the numbers stayed
    assert response.status_code == 302, response.context["adminform"].form.errors
    resident.refresh_from_db()
    assert (resident.name, resident.id_number, resident.phone) == ("新名字", FULL_ID, MEMBER_PHONE)
    entry = AuditEntry.objects.get(object_type="households.resident", object_id=resident.pk)
    assert entry.actor == town["admin"] and entry.changes == {"name": [old_name, "新名字"]}


def test_the_page_reveal_goes_through_the_same_function(client, town):
    # given the cadre on the household page
    client.force_login(town["cadre"])
    household = town["household"]
    # when it reveals the members' numbers
    page = client.post(reverse("households:reveal", args=[household.pk])).content.decode()
    # then the numbers are shown and one REVEAL entry names the household and its members
    assert FULL_ID in page
    entry = _reveals(town["cadre"]).get()
    assert entry.object_id == str(household.pk)
    assert entry.changes["residents"] == [town["resident"].pk]
