"""Issue #12, finding 7: a masked ID number cannot be rebuilt, and bulk reads of residents are
bounded and audited.

`1101**********1234` keeps the region prefix and the last four digits; with the full birth date
beside it only two digits would be unknown, and the check digit leaves ~10 candidates. So no door
shows the birth date next to a mask: the API, the household page and the admin show the year."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from core.models import AuditEntry
from households import identity
from households.api import MAX_PAGE_SIZE
from households.models import Resident
from liaison.roles import Role
from tests.factories import (
    HouseholdFactory,
    ResidentFactory,
    TownshipFactory,
    VillageFactory,
    valid_id_number,
)

pytestmark = pytest.mark.django_db

FULL_ID = valid_id_number(41, "19580707")
MASK = re.compile(r"^\d{4}\*{10}[\dX]{4}$")


@pytest.fixture
def town(make_user):
    township = TownshipFactory()
    household = HouseholdFactory(village=VillageFactory(township=township), township=township)
    resident = ResidentFactory(household=household, id_number=FULL_ID)
    admin_user = make_user(Role.ADMIN, township=township, workgroup=None)
    admin_user.is_staff = True
    admin_user.save(update_fields=["is_staff"])
    return {"household": household, "resident": resident, "admin": admin_user}


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("110105195807070410", "1101**********0410"),
        ("11010519491231002X", "1101**********002X"),
        ("", ""),
    ],
)
def test_the_mask_keeps_the_region_prefix_and_the_last_four_only(number, masked):
    assert identity.mask_id_number(number) == masked


def test_the_api_gives_the_birth_year_never_the_date_beside_the_mask(town):
    # given a member born on 1958-07-07
    resident = town["resident"]
    # when the admin reads the member, alone and in the list
    detail = _api(town["admin"]).get(f"/api/v1/residents/{resident.pk}/")
    listed = _api(town["admin"]).get("/api/v1/residents/").json()["results"][0]
    # then it has the mask and the year, and no birth date anywhere
    for row, raw in ((detail.json(), detail.content.decode()), (listed, str(listed))):
        assert MASK.match(row["id_masked"]) and row["birth_year"] == 1958
        assert "birth_date" not in row
        assert "1958-07-07" not in raw and "19580707" not in raw


def test_residents_cannot_be_ordered_by_birth_date(town):
    # ordering by the hidden date would leak it back one comparison at a time
    ResidentFactory(
        household=town["household"],
        is_head=False,
        relation="parent",
        id_number=valid_id_number(42, "19300101"),
    )
    answer = _api(town["admin"]).get("/api/v1/residents/?ordering=birth_date")
    assert answer.status_code == 200
    assert [r["id"] for r in answer.json()["results"]] == sorted(
        r["id"] for r in answer.json()["results"]
    )


def test_the_household_page_shows_the_year_beside_the_mask(client, town):
    # given the admin on the household page, numbers masked
    client.force_login(town["admin"])
    page = client.get(reverse("households:detail", args=[town["household"].pk])).content
    # then the member's birth date is shown as a year only
    assert town["resident"].id_masked in page.decode()
    assert "1958-07-07" not in page.decode()


def test_the_admin_lists_the_birth_year_only(client, town):
    client.force_login(town["admin"])
    page = client.get(reverse("admin:households_resident_changelist")).content.decode()
    assert town["resident"].id_masked in page and "1958" in page
    assert "1958-07-07" not in page and "1958年7月7日" not in page


def test_a_page_of_residents_is_capped_whatever_page_size_asks(town):
    # given more residents than a page may hold
    household = town["household"]
    extra = []
    for n in range(MAX_PAGE_SIZE + 5):
        resident = Resident(household=household, name=f"成员{n}", relation="child")
        resident.set_id_number(valid_id_number(100 + n, "19900101"))
        extra.append(resident)
    Resident.objects.bulk_create(extra)
    # when a client asks for all of them in one page
    answer = _api(town["admin"]).get("/api/v1/residents/?page_size=100000").json()
    # then it gets one capped page and a link to the next
    assert answer["count"] == MAX_PAGE_SIZE + 6
    assert len(answer["results"]) == MAX_PAGE_SIZE and answer["next"]


@pytest.mark.parametrize("resource", ["residents", "households"])
def test_every_list_page_of_personal_data_is_audited(town, resource):
    # given the admin of the township
    # when it reads a list page of residents or households through the API
    answer = _api(town["admin"]).get(f"/api/v1/{resource}/?page=1")
    # then an audit entry says who read how many rows of which list, masked
    assert answer.status_code == 200
    entry = AuditEntry.objects.get(action=AuditEntry.Action.EXPORT)
    assert entry.actor == town["admin"] and entry.object_type == f"households.{resource[:-1]}"
    assert entry.changes["rows"] == 1 and entry.changes["full_numbers"] is False
    assert entry.changes["path"] == f"/api/v1/{resource}/?page=1"
