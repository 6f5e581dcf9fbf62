"""Roles are groups made by a data migration, with the model permissions of DESIGN.md."""

import pytest
from django.contrib.auth.models import Group

from liaison.roles import ROLE_PERMISSIONS, Role

pytestmark = pytest.mark.django_db


def perms(role: Role) -> set[str]:
    group = Group.objects.get(name=role.value)
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}


def test_every_role_exists_as_a_group_after_migrate():
    assert set(Group.objects.values_list("name", flat=True)) >= set(Role.values)


def test_every_role_has_exactly_the_declared_permissions_of_existing_models():
    from django.contrib.auth.models import Permission

    existing = {
        f"{p.content_type.app_label}.{p.codename}"
        for p in Permission.objects.select_related("content_type")
    }
    for role, grants in ROLE_PERMISSIONS.items():
        declared = {
            f"{app}.{action}_{model}"
            for app, models in grants.items()
            for model, actions in models.items()
            for action in actions
        }
        assert perms(role) == declared & existing, role


@pytest.mark.parametrize(
    ("role", "allowed", "denied"),
    [
        (
            Role.LEADER,
            {"households.view_household", "visits.view_visit"},
            {"households.change_household", "households.add_resident"},
        ),
        (
            Role.CADRE,
            {"households.view_household", "visits.add_visit"},
            {"liaison.add_pairing", "auth.change_user"},
        ),
        (
            Role.GROUP_LEADER,
            {"liaison.add_pairing", "households.change_household"},
            {"auth.add_user"},
        ),
        (
            Role.COMMITTEE_STAFF,
            {"households.view_household"},
            {"households.change_household", "visits.add_visit"},
        ),
        (Role.VILLAGE_HANDLER, {"households.view_household"}, {"households.change_resident"}),
        (Role.DEPARTMENT_LIAISON, set(), {"households.view_household", "households.view_resident"}),
        (
            Role.ADMIN,
            {"auth.add_user", "households.add_household", "core.view_auditentry"},
            {"core.change_auditentry"},
        ),
    ],
)
def test_role_permission_table_matches_design(role, allowed, denied):
    held = perms(role)
    assert allowed <= held
    assert not (denied & held)


def test_nobody_may_hard_delete_resident_data():
    for role in Role:
        held = perms(role)
        assert "households.delete_household" not in held
        assert "households.delete_resident" not in held
        assert "visits.delete_visit" not in held


def test_resync_is_idempotent():
    from liaison.roles import sync_role_groups

    before = {r: perms(r) for r in Role}
    sync_role_groups()
    assert {r: perms(r) for r in Role} == before
