"""Issue #12, finding 5: one service per change of a household or member, behind every door.

The same forbidden change tried through the household page, the API (session and token) and the
Django admin is refused by all three; the same allowed change leaves the same record and the same
audit row (phone and ID numbers masked)."""

from __future__ import annotations

import json
import uuid

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse
from rest_framework.test import APIClient

from core.models import AuditEntry
from households.models import Household, Resident
from liaison.roles import Role
from tests.core.security.conftest import PASSWORD
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

HEAD_ID = valid_id_number(21, "19600101")
CHILD_ID = valid_id_number(22, "19900202")


@pytest.fixture(autouse=True)
def _private_cache(settings):
    """Throttle counters of their own (never a clear() of a cache that might be shared)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"parity-tests-{uuid.uuid4()}",
        }
    }


@pytest.fixture
def town(make_user):
    township = TownshipFactory()
    east = VillageFactory(township=township, name="东村")
    west = VillageFactory(township=township, name="西村")
    wg_east = WorkGroupFactory(village=east, township=township)
    WorkGroupFactory(village=west, township=township)
    households = [
        HouseholdFactory(
            township=township, village=east, code=code, phone="13811112222", address="东村1号"
        )
        for code in ("E001", "E002", "E003")
    ]
    home = households[0]
    head = ResidentFactory(household=home, name="赵大", id_number=HEAD_ID)
    child = ResidentFactory(
        household=home, name="赵小", relation="child", is_head=False, id_number=CHILD_ID
    )
    admin_user = make_user(Role.ADMIN, township=township, workgroup=None)
    admin_user.is_staff = True
    admin_user.save(update_fields=["is_staff"])
    cadre = make_user(Role.CADRE, township=township, workgroup=wg_east)
    for household in households:
        PairingFactory(cadre=cadre.cadre, household=household)
    return {
        "township": township,
        "east": east,
        "west": west,
        "households": households,
        "home": home,
        "head": head,
        "child": child,
        "admin": admin_user,
        "cadre": cadre,
        "group_leader": make_user(Role.GROUP_LEADER, township=township, workgroup=wg_east),
    }


# --- The three doors ------------------------------------------------------------------------------
def _token_client(user) -> APIClient:
    answer = APIClient().post(
        "/api/v1/auth/token/", {"username": user.username, "password": PASSWORD}, format="json"
    )
    assert answer.status_code == 200, answer.content
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {answer.json()['token']}")
    return client


def _session_client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _page_edit(client, user, household, **changes):
    client.force_login(user)
    data = {
        "village": household.village_id,
        "grid": household.grid,
        "address": household.address,
        "tags": household.tag_list,
        "difficulty": household.difficulty,
        "note": household.note,
        **changes,
    }
    return client.post(reverse("households:edit", args=[household.pk]), data)


def _admin_form(model, user, obj, **changes):
    """The admin change form of `obj` as `user` would submit it (rows and permissions aside)."""
    request = RequestFactory().post("/")
    request.user = user
    model_admin = admin.site._registry[model]
    form_class = model_admin.get_form(request, obj, change=True)
    form = form_class(instance=obj)
    data = {}
    for name, field in form.fields.items():
        value = changes.get(name, form.initial.get(name, field.initial))
        if hasattr(value, "pk"):
            value = value.pk
        if value is None or value is False:
            continue
        data[name] = "on" if value is True else value
    return form_class(data, instance=model._default_manager.get(pk=obj.pk))


def _admin_post(client, user, obj, **changes):
    """POST the real admin change page of `obj` with the values it shows, plus `changes`."""
    client.force_login(user)
    meta = obj._meta
    url = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = changes.get(name, form.initial.get(name, field.initial))
        if hasattr(value, "pk"):
            value = value.pk
        if value is None or value is False:
            continue
        data[name] = "on" if value is True else value
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        data.update({management.add_prefix(k): v for k, v in management.initial.items()})
        for sub in formset.forms:
            for name in sub.fields:
                value = sub.initial.get(name)
                data[sub.add_prefix(name)] = getattr(value, "pk", value) or ""
    return client.post(url, data)


# --- Forbidden changes: refused by every door ------------------------------------------------------
def test_a_code_already_used_in_the_township_is_a_field_error_on_every_door(client, town):
    # given household E001 and an admin, and E002 already existing in the township
    home, admin_user = town["home"], town["admin"]
    # when the admin gives E001 the code E002 through the API (session and token), the admin
    api = _session_client(admin_user).patch(
        f"/api/v1/households/{home.pk}/", {"code": "E002"}, format="json"
    )
    put = _token_client(town["cadre"]).patch(
        f"/api/v1/households/{home.pk}/", {"code": "E002"}, format="json"
    )
    admin_page = _admin_post(client, admin_user, home, code="E002")
    # then the API answers 400 with an error on `code` (never a 500 or a 409), the admin shows
    # the error on the field, and the household keeps its code
    assert api.status_code == 400 and "code" in api.json(), api.content
    assert put.status_code == 400 and "code" in put.json(), put.content
    assert admin_page.status_code == 200
    assert admin_page.context["adminform"].form.errors["code"]
    home.refresh_from_db()
    assert home.code == "E001"
    assert not AuditEntry.objects.filter(
        object_type="households.household", object_id=str(home.pk)
    ).exists()


def test_a_cadre_cannot_move_close_or_recode_its_household_on_any_door(client, town):
    # given a cadre paired with E001
    home, cadre = town["home"], town["cadre"]
    # when it tries to move it to another village, close it or renumber it
    page = _page_edit(client, cadre, home, village=town["west"].pk)
    api = _token_client(cadre)
    moved = api.patch(f"/api/v1/households/{home.pk}/", {"village": town["west"].pk})
    closed = api.patch(f"/api/v1/households/{home.pk}/", {"status": "closed"})
    recoded = api.patch(f"/api/v1/households/{home.pk}/", {"code": "E999"})
    form = _admin_form(Household, cadre, home, village=town["west"], status="closed", code="E9")
    # then the page offers no village (the posted one is ignored), the API answers 400 naming
    # each field, and the admin form (should a cadre ever reach it) refuses the same fields
    assert page.status_code == 302
    assert moved.status_code == 400 and "village" in moved.json(), moved.content
    assert closed.status_code == 400 and "status" in closed.json(), closed.content
    assert recoded.status_code == 400 and "code" in recoded.json(), recoded.content
    assert not form.is_valid()
    assert {"village", "status", "code"} <= set(form.errors)
    home.refresh_from_db()
    assert (home.village, home.status, home.code) == (town["east"], "active", "E001")


def test_a_group_leader_cannot_move_a_household_out_of_its_group_on_any_door(client, town):
    # given the leader of the east group
    home, leader = town["home"], town["group_leader"]
    # when it moves E001 to the west village on the page, the API and the admin form
    page = _page_edit(client, leader, home, village=town["west"].pk)
    api = _token_client(leader).patch(
        f"/api/v1/households/{home.pk}/", {"village": town["west"].pk}, format="json"
    )
    form = _admin_form(Household, leader, home, village=town["west"])
    # then each refuses it with an error on `village`
    assert page.status_code == 200 and page.context["form"].errors["village"]
    assert api.status_code == 400 and "village" in api.json(), api.content
    assert not form.is_valid() and form.errors["village"]
    home.refresh_from_db()
    assert home.village == town["east"]


def test_no_second_head_on_any_door(client, town):
    # given E001 with its head 赵大 and member 赵小
    home, admin_user = town["home"], town["admin"]
    # when a new member is added as head through the API, and 赵小 is made head in the admin
    added = _session_client(admin_user).post(
        "/api/v1/residents/",
        {
            "household": home.pk,
            "name": "钱新",
            "id_number": valid_id_number(23, "19700101"),
            "relation": "head",
            "is_head": True,
        },
        format="json",
    )
    assert added.status_code == 201, added.content
    assert home.residents.filter(is_head=True).count() == 1
    response = _admin_post(client, admin_user, town["child"], is_head=True, relation="head")
    # then the household always has exactly one head, whose name it carries
    assert response.status_code == 302, response.context["adminform"].form.errors
    heads = home.residents.filter(is_head=True)
    assert [r.name for r in heads] == ["赵小"]
    home.refresh_from_db()
    assert home.head_name == "赵小"


def test_the_head_cannot_be_unticked_or_leave_while_members_remain(client, town):
    # given the head of E001, with a member still living there
    home, head, cadre = town["home"], town["head"], town["cadre"]
    api = _token_client(cadre)
    # when the head is unticked or marked moved away through the API, the page and the admin
    unticked = api.patch(f"/api/v1/residents/{head.pk}/", {"is_head": False}, format="json")
    relation = api.patch(f"/api/v1/residents/{head.pk}/", {"relation": "spouse"}, format="json")
    left = api.patch(f"/api/v1/residents/{head.pk}/", {"status": "moved_out"}, format="json")
    client.force_login(cadre)
    page = client.post(
        reverse("households:member-status", args=[home.pk, head.pk]),
        {"status": "moved_out", "on_date": "2026-01-02"},
    )
    form = _admin_form(Resident, town["admin"], head, is_head=False, relation="spouse")
    # then each refuses, saying what to do instead
    assert unticked.status_code == 400 and "户主" in unticked.json()["is_head"][0]
    assert relation.status_code == 400 and "is_head" in relation.json()
    assert left.status_code == 400 and "请先把另一名成员设为户主" in left.json()["status"][0]
    assert "请先把另一名成员设为户主" in str(page.context["form"].non_field_errors())
    assert not form.is_valid() and form.errors["is_head"]
    head.refresh_from_db()
    assert (head.is_head, head.status, head.relation) == (True, "present", "head")


def test_a_member_cannot_be_moved_to_another_household_through_the_api(town):
    # given a member of E001 and the cadre of E001 and E002
    child, other = town["child"], town["households"][1]
    # when the API is asked to move the member to E002
    answer = _token_client(town["cadre"]).patch(
        f"/api/v1/residents/{child.pk}/", {"household": other.pk}, format="json"
    )
    # then it is a field error: move away here, add there
    assert answer.status_code == 400 and "household" in answer.json(), answer.content
    child.refresh_from_db()
    assert child.household == town["home"]


# --- The allowed change: same record, same audit row -----------------------------------------------
def test_the_same_change_through_every_door_leaves_the_same_record_and_audit(client, town):
    # given three alike households and their admin
    admin_user = town["admin"]
    by_page, by_api, by_admin = town["households"]
    change = {"address": "东村幸福路8号", "phone": "13900001111"}
    # when the same change is made on the page, through the API (token) and in the admin
    assert _page_edit(client, admin_user, by_page, **change).status_code == 302
    api = _session_client(admin_user).patch(
        f"/api/v1/households/{by_api.pk}/", change, format="json"
    )
    assert api.status_code == 200, api.content
    response = _admin_post(client, admin_user, by_admin, **change)
    assert response.status_code == 302, response.context["adminform"].form.errors
    # then the three records are alike and so are their audit rows: who, what, old -> new,
    # with the phone number masked
    rows = []
    for household in (by_page, by_api, by_admin):
        household.refresh_from_db()
        assert (household.address, household.phone) == ("东村幸福路8号", "13900001111")
        entry = AuditEntry.objects.get(object_type="households.household", object_id=household.pk)
        rows.append(
            (entry.actor, entry.action, entry.changes, entry.summary.replace(household.code, "X"))
        )
        assert "13900001111" not in entry.summary + json.dumps(entry.changes)
    assert rows[0] == rows[1] == rows[2]
    assert rows[0][2]["phone"] == ["138****2222", "139****1111"]


def test_an_api_member_change_is_audited_with_masked_numbers(town):
    # given a member of E001
    child = town["child"]
    # when the cadre changes their phone and ID number through the API
    new_id = valid_id_number(24, "19910303")
    answer = _token_client(town["cadre"]).patch(
        f"/api/v1/residents/{child.pk}/",
        {"phone": "13600002222", "id_number": new_id},
        format="json",
    )
    # then the audit row shows masks only, never the full numbers
    assert answer.status_code == 200, answer.content
    entry = AuditEntry.objects.get(object_type="households.resident", object_id=child.pk)
    text = entry.summary + json.dumps(entry.changes, ensure_ascii=False)
    assert "13600002222" not in text and new_id not in text
    assert entry.changes["phone"] == ["", "136****2222"]
    assert entry.changes["id_masked"][1] == new_id[:4] + "*" * 10 + new_id[-4:]


def test_closing_a_household_is_the_admins_and_is_a_soft_delete(town):
    # given E001 and its admin
    home = town["home"]
    # when the admin marks it moved away through the API
    answer = _session_client(town["admin"]).patch(
        f"/api/v1/households/{home.pk}/", {"status": "moved"}, format="json"
    )
    # then it is kept, with its status date, and audited as a soft delete
    assert answer.status_code == 200, answer.content
    home.refresh_from_db()
    assert home.status == "moved" and home.status_date is not None
    entry = AuditEntry.objects.get(object_type="households.household", object_id=str(home.pk))
    assert entry.action == AuditEntry.Action.SOFT_DELETE


def test_the_admin_never_deletes_households_or_members(rf, town):
    # given the admin site as the township admin sees it
    request = rf.get("/")
    request.user = town["admin"]
    for model in (Household, Resident):
        model_admin = admin.site._registry[model]
        # then there is no delete permission and no bulk delete action
        assert not model_admin.has_delete_permission(request, None)
        assert "delete_selected" not in model_admin.get_actions(request)
