"""One head per household on every door (issue 15, item 13; households.services_heads).

A household with anyone present has exactly one present head. The household page, the API, the
Django admin and the roster import refuse, alike, the changes that would leave one with members
and no head: a first member who is not the head, a non-head brought back while no head lives
there, and a head's role handed to someone who no longer lives there."""

import datetime as dt

import pytest
from django.contrib import admin
from django.contrib.messages import get_messages
from django.test import RequestFactory
from django.urls import reverse
from rest_framework.test import APIClient

from households.models import Resident, RosterImport
from households.roster.service import roster_commit, roster_upload_create
from households.services_edit import resident_leave
from liaison.roles import Role
from tests.factories import HouseholdFactory, ResidentFactory, valid_id_number
from tests.households.workbooks import make_workbook

pytestmark = pytest.mark.django_db

NEW_ID = valid_id_number(31, "19900303")


@pytest.fixture
def admin_user(make_user, township):
    user = make_user(Role.ADMIN, township=township, workgroup=None)
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


@pytest.fixture
def empty(township):
    """E001: in the roster, no member registered yet."""
    return HouseholdFactory(township=township, village=township.villages.first(), code="E001")


@pytest.fixture
def family(township, admin_user):
    """E002: head 赵大 and child 赵小 present, 赵老 (the former head's father) moved away."""
    household = HouseholdFactory(
        township=township, village=township.villages.first(), code="E002", head_name="赵大"
    )
    head = ResidentFactory(household=household, name="赵大", id_number=valid_id_number(32))
    child = ResidentFactory(
        household=household,
        name="赵小",
        relation="child",
        is_head=False,
        id_number=valid_id_number(33),
    )
    away = ResidentFactory(
        household=household,
        name="赵老",
        relation="parent",
        is_head=False,
        id_number=valid_id_number(34),
    )
    resident_leave(resident=away, status="moved_out", on_date=dt.date(2026, 1, 1), actor=admin_user)
    return {"household": household, "head": head, "child": child, "away": away}


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _admin_form(user, obj=None, **data):
    request = RequestFactory().post("/")
    request.user = user
    model_admin = admin.site._registry[Resident]
    form_class = model_admin.get_form(request, obj, change=obj is not None)
    if obj is not None:
        form = form_class(instance=obj)
        initial = {n: form.initial.get(n, f.initial) for n, f in form.fields.items()}
        data = {**{k: v for k, v in initial.items() if v not in (None, False)}, **data}
    return form_class({k: v for k, v in data.items() if v is not False}, instance=obj)


def _member_post(**extra):
    return {
        "name": "钱新",
        "id_number": NEW_ID,
        "gender": "",
        "relation": "child",
        "political_status": "masses",
        **extra,
    }


def test_a_first_member_who_is_not_the_head_is_refused_on_every_door(
    client, township, admin_user, empty
):
    # the household page
    client.force_login(admin_user)
    page = client.post(reverse("households:member-add", args=[empty.pk]), _member_post())
    assert page.status_code == 200
    assert "该户还没有在户的户主" in str(page.context["form"].errors)
    # the API
    api = _api(admin_user).post(
        "/api/v1/residents/",
        {"household": empty.pk, "name": "钱新", "id_number": NEW_ID, "relation": "child"},
        format="json",
    )
    assert api.status_code == 400 and "is_head" in api.json(), api.content
    # the admin
    form = _admin_form(
        admin_user,
        household=empty.pk,
        name="钱新",
        id_number=NEW_ID,
        relation="child",
        political_status="masses",
    )
    assert not form.is_valid() and "is_head" in form.errors
    # the roster import: a member row for E001 without its head
    rows = {
        "members": [{"户编号": "E001", "姓名": "钱新", "身份证号": NEW_ID, "与户主关系": "子女"}]
    }
    imp = roster_commit(
        roster_import=roster_upload_create(
            data=make_workbook(**rows), file_name="r.xlsx", township=township, actor=admin_user
        )
    )
    assert imp.status == RosterImport.Status.INVALID
    assert (imp.errors[0]["sheet"], imp.errors[0]["row"]) == ("成员", 2)
    assert "户 E001 有在户成员却没有户主" in imp.errors[0]["message"]
    assert not Resident.objects.filter(household=empty).exists()

    # the head first is fine, then the child
    client.post(
        reverse("households:member-add", args=[empty.pk]),
        _member_post(is_head="on", relation="", name="钱大", id_number=valid_id_number(35)),
    )
    client.post(reverse("households:member-add", args=[empty.pk]), _member_post())
    assert list(empty.residents.values_list("name", "is_head")) == [("钱大", True), ("钱新", False)]


def test_a_member_brought_back_while_no_head_lives_there_is_refused(client, admin_user, family):
    # given the head moved away last, after his child
    day = dt.date(2026, 2, 1)
    resident_leave(resident=family["child"], status="moved_out", on_date=day, actor=admin_user)
    resident_leave(resident=family["head"], status="moved_out", on_date=day, actor=admin_user)
    child = family["child"]

    # when the child is brought back on the page and through the API
    client.force_login(admin_user)
    url = reverse("households:member-restore", args=[family["household"].pk, child.pk])
    page = client.post(url)
    api = _api(admin_user).patch(
        f"/api/v1/residents/{child.pk}/", {"status": "present"}, format="json"
    )

    # then both refuse, saying to bring back (or name) the head first
    assert page.status_code == 302
    assert any("没有户主" in str(m) for m in get_messages(page.wsgi_request))
    assert api.status_code == 400 and "status" in api.json(), api.content
    child.refresh_from_db()
    assert child.status == "moved_out"

    # the head first, then the child: fine
    client.post(
        reverse("households:member-restore", args=[family["household"].pk, family["head"].pk])
    )
    client.post(url)
    child.refresh_from_db()
    assert child.status == "present"


def test_the_head_cannot_pass_to_someone_who_moved_away(client, admin_user, family):
    away = family["away"]
    # the page
    client.force_login(admin_user)
    page = client.post(
        reverse("households:member-edit", args=[family["household"].pk, away.pk]),
        {"name": "赵老", "is_head": "on", "political_status": "masses"},
    )
    assert page.status_code == 200
    assert "该成员已不在户，不能设为户主" in str(page.context["form"].errors)
    # the API
    api = _api(admin_user).patch(
        f"/api/v1/residents/{away.pk}/", {"is_head": True, "relation": "head"}, format="json"
    )
    assert api.status_code == 400 and "is_head" in api.json(), api.content
    # the admin
    form = _admin_form(admin_user, away, is_head="on", relation="head")
    assert not form.is_valid() and "is_head" in form.errors
    # the household keeps its head
    assert list(
        family["household"].residents.filter(is_head=True).values_list("name", flat=True)
    ) == ["赵大"]
