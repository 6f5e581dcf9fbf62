"""Issue #12, finding 1: a township admin cannot make itself (or anyone) superuser.

It manages only the non-admin users of its own township, grants only the roles below its own,
never sees or sets the staff/superuser flags or raw permissions, and every change of roles, flags,
active state or password is audited in the same transaction. Only a superuser manages admins.
"""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEntry
from liaison.access import (
    may_manage_user,
    roles_grantable_by,
    users_manageable_by,
    users_visible_to,
)
from liaison.roles import Role
from tests.factories import VillageFactory, WorkGroupFactory

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture
def town(make_user):
    """Township A: a staff admin (not superuser), a fellow admin, a cadre; township B: a cadre."""
    workgroup = WorkGroupFactory()
    township = workgroup.township
    admin_a = make_user(Role.ADMIN, workgroup=workgroup)
    User.objects.filter(pk=admin_a.pk).update(is_staff=True)
    admin_a.refresh_from_db()
    other_b = WorkGroupFactory(village=VillageFactory())
    return {
        "township": township,
        "admin": admin_a,
        "fellow_admin": make_user(Role.ADMIN, workgroup=workgroup),
        "cadre": make_user(Role.CADRE, workgroup=workgroup),
        "cadre_b": make_user(Role.CADRE, workgroup=other_b),
        "operator": make_user(Role.ADMIN, superuser=True, workgroup=workgroup),
    }


def _change_url(user):
    return reverse("admin:auth_user_change", args=[user.pk])


def _form_data(response):
    """The change form as the browser would post it back unchanged (inlines included)."""
    data = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data.update({management.add_prefix(k): v for k, v in management.initial.items()})
        forms.extend(inline.formset.forms)
    for form in forms:
        for name, field in form.fields.items():
            if field.disabled:
                continue
            value = form[name].value()
            key = form.add_prefix(name)
            if value is True:
                data[key] = "on"
            elif value in (None, False):
                continue
            elif isinstance(value, dt.datetime):  # the admin's split date/time widget
                local = timezone.localtime(value)
                data[f"{key}_0"], data[f"{key}_1"] = f"{local:%Y-%m-%d}", f"{local:%H:%M:%S}"
            elif isinstance(value, list | tuple):
                data[key] = [getattr(v, "pk", v) for v in value]
            else:
                data[key] = value
    return data


def _group(role):
    return Group.objects.get(name=role.value)


# --- The policy -------------------------------------------------------------------------------
def test_policy_says_who_manages_whom(town):
    # given a township admin, a superuser and a cadre
    admin_a, operator = town["admin"], town["operator"]
    # then the township admin grants every role but admin; the superuser every role; a cadre none
    assert roles_grantable_by(admin_a) == frozenset(Role) - {Role.ADMIN}
    assert roles_grantable_by(operator) == frozenset(Role)
    assert roles_grantable_by(town["cadre"]) == frozenset()
    # and manages its township's non-admin users only: not itself, other admins, superusers or
    # users of another township
    assert set(users_manageable_by(admin_a)) == {town["cadre"]}
    assert set(users_visible_to(admin_a)) == {
        admin_a,
        town["fellow_admin"],
        town["cadre"],
        town["operator"],
    }
    assert not may_manage_user(admin_a, town["cadre_b"])
    assert may_manage_user(operator, town["fellow_admin"])
    assert not users_manageable_by(town["cadre"]).exists()


# --- Listing and opening ------------------------------------------------------------------------
def test_a_township_admin_lists_only_its_township_users(town, client):
    # given the township admin
    client.force_login(town["admin"])
    # when it opens the user list
    response = client.get(reverse("admin:auth_user_changelist"))
    # then users of another township are not listed and cannot be opened
    listed = set(response.context["cl"].queryset)
    assert town["cadre"] in listed
    assert town["cadre_b"] not in listed
    assert client.get(_change_url(town["cadre_b"])).status_code == 404
    password_url = reverse("admin:auth_user_password_change", args=[town["cadre_b"].pk])
    assert client.get(password_url).status_code == 404


def test_the_form_has_no_flags_or_raw_permissions_and_offers_roles_below_admin(town, client):
    # given the township admin opening a cadre of its township
    client.force_login(town["admin"])
    response = client.get(_change_url(town["cadre"]))
    assert response.status_code == 200
    fields = response.context["adminform"].form.fields
    # then the staff/superuser flags and raw permissions are not on the form
    assert not {"is_staff", "is_superuser", "user_permissions"} & set(fields)
    # and the roles offered are those below admin
    offered = {g.name for g in fields["groups"].queryset}
    assert offered == {r.value for r in Role} - {Role.ADMIN.value}


# --- Crafted posts ------------------------------------------------------------------------------
def test_a_crafted_post_sets_no_flag_and_no_admin_role(town, client):
    # given the township admin and a cadre of its township
    client.force_login(town["admin"])
    cadre = town["cadre"]
    data = _form_data(client.get(_change_url(cadre)))
    # when it posts the superuser/staff flags and raw permissions
    data.update({"is_superuser": "on", "is_staff": "on", "user_permissions": ["1", "2"]})
    response = client.post(_change_url(cadre), data)
    # then the change is saved without them
    assert response.status_code == 302
    cadre.refresh_from_db()
    assert not cadre.is_superuser and not cadre.is_staff
    assert not cadre.user_permissions.exists()
    # when it tries to grant the admin role
    data["groups"] = [_group(Role.ADMIN).pk]
    response = client.post(_change_url(cadre), data)
    # then the form refuses it and the roles are unchanged
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["groups"]
    assert set(cadre.groups.values_list("name", flat=True)) == {Role.CADRE.value}


def test_a_township_admin_cannot_change_admins_itself_or_superusers(town, client):
    # given the township admin
    admin_a = town["admin"]
    client.force_login(admin_a)
    for target in (town["fellow_admin"], admin_a, town["operator"]):
        # when it posts a change (deactivating, changing the password) of an admin or itself
        data = {"username": target.username, "groups": [], "is_active": ""}
        response = client.post(_change_url(target), data)
        password = client.post(
            reverse("admin:auth_user_password_change", args=[target.pk]),
            {"password1": "Reset#Pass123", "password2": "Reset#Pass123", "usable_password": "true"},
        )
        # then both are refused and nothing changed
        assert response.status_code == 403, target
        assert password.status_code == 403, target
        target.refresh_from_db()
        assert target.is_active
        assert target.check_password("Passw0rd!x")
        assert target.groups.filter(name=Role.ADMIN.value).exists()


# --- Audit ----------------------------------------------------------------------------------------
def test_role_and_active_changes_are_audited(town, client):
    # given the township admin and a cadre of its township
    client.force_login(town["admin"])
    cadre = town["cadre"]
    data = _form_data(client.get(_change_url(cadre)))
    # when it grants the leader role and deactivates the account
    data["groups"] = [_group(Role.CADRE).pk, _group(Role.LEADER).pk]
    data.pop("is_active", None)
    response = client.post(_change_url(cadre), data)
    # then both changes are saved and recorded in one audit entry of the township
    assert response.status_code == 302
    cadre.refresh_from_db()
    assert not cadre.is_active
    entry = AuditEntry.objects.get(
        action=AuditEntry.Action.SECURITY, object_type="auth.user", object_id=str(cadre.pk)
    )
    assert entry.actor == town["admin"]
    assert entry.township_id == town["township"].pk
    assert entry.changes["groups"] == {"added": [Role.LEADER.value], "removed": []}
    assert entry.changes["is_active"] == [True, False]


def test_a_password_set_in_the_admin_is_audited_and_must_be_changed(town, client):
    # given the township admin and a cadre of its township
    client.force_login(town["admin"])
    cadre = town["cadre"]
    # when it sets the cadre's password on the admin's change-password form
    response = client.post(
        reverse("admin:auth_user_password_change", args=[cadre.pk]),
        {"password1": "Reset#Pass123", "password2": "Reset#Pass123", "usable_password": "true"},
    )
    # then the password is set, audited, and must be changed at the next login
    assert response.status_code == 302
    cadre.refresh_from_db()
    assert cadre.check_password("Reset#Pass123")
    assert cadre.account_security.must_change_password
    entry = AuditEntry.objects.get(
        action=AuditEntry.Action.SECURITY, object_id=str(cadre.pk), changes__password=True
    )
    assert entry.actor == town["admin"]


def test_only_a_superuser_makes_an_admin_and_it_is_audited(town, client):
    # given the superuser (district operator) and a cadre
    client.force_login(town["operator"])
    cadre = town["cadre"]
    data = _form_data(client.get(_change_url(cadre)))
    # when it makes the cadre a staff admin
    data.update({"is_staff": "on", "groups": [_group(Role.ADMIN).pk]})
    response = client.post(_change_url(cadre), data)
    # then the change is saved and the flag and role change audited
    assert response.status_code == 302
    cadre.refresh_from_db()
    assert cadre.is_staff
    entry = AuditEntry.objects.get(action=AuditEntry.Action.SECURITY, object_id=str(cadre.pk))
    assert entry.changes["is_staff"] == [False, True]
    assert entry.changes["groups"]["added"] == [Role.ADMIN.value]


def test_a_township_admin_can_still_use_the_admin_site(town, client):
    # given the township admin (staff, not superuser)
    client.force_login(town["admin"])
    # then the admin index opens and a new account lands in its township
    assert client.get(reverse("admin:index")).status_code == 200
    response = client.post(
        reverse("admin:auth_user_add"),
        {
            "username": "xinren",
            "usable_password": "true",
            "password1": "Initial#Pass1",
            "password2": "Initial#Pass1",
        },
    )
    assert response.status_code == 302
    new = User.objects.get(username="xinren")
    assert new.cadre.township == town["township"]
    assert may_manage_user(town["admin"], new)
    assert AuditEntry.objects.filter(object_id=str(new.pk), summary__contains="新建账号").exists()
