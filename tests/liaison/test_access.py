"""The one access policy: who sees which households. A wrong id is a 404, not data."""

import pytest
from django.contrib.auth.models import Group
from django.http import Http404

from households.access import access_household, households_visible_to, may_reveal_identity
from liaison.access import role_of
from liaison.roles import Role
from tests.factories import (
    HouseholdFactory,
    PairingFactory,
    TownshipFactory,
    VillageFactory,
    WorkGroupFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(make_user):
    township = TownshipFactory()
    wg_a = WorkGroupFactory(village=VillageFactory(township=township))
    wg_b = WorkGroupFactory(village=VillageFactory(township=township))
    mine = PairingFactory(cadre__workgroup=wg_a).household
    cadre_user = mine.pairings.get().cadre.user
    cadre_user.groups.add(Group.objects.get(name=Role.CADRE))
    same_village = HouseholdFactory(village=wg_a.village)
    other_group = HouseholdFactory(village=wg_b.village)
    other_township = HouseholdFactory()
    return {
        "township": township,
        "wg_a": wg_a,
        "cadre": cadre_user,
        "mine": mine,
        "same_village": same_village,
        "other_group": other_group,
        "other_township": other_township,
    }


def visible(user) -> set:
    return set(households_visible_to(user).values_list("pk", flat=True))


def test_cadre_sees_only_paired_households(world):
    assert visible(world["cadre"]) == {world["mine"].pk}


def test_cadre_guessing_another_id_gets_404(world):
    assert access_household(world["cadre"], world["mine"].pk) == world["mine"]
    for other in ("same_village", "other_group", "other_township"):
        with pytest.raises(Http404):
            access_household(world["cadre"], world[other].pk)
    with pytest.raises(Http404):
        access_household(world["cadre"], "not-a-number")


def test_ended_pairing_removes_access(world):
    import datetime as dt

    world["mine"].pairings.update(end_date=dt.date(2025, 1, 1))
    assert visible(world["cadre"]) == set()


def test_group_leader_sees_the_villages_of_their_group(world, make_user):
    lead = make_user(Role.GROUP_LEADER, workgroup=world["wg_a"], township=world["township"])
    assert visible(lead) == {world["mine"].pk, world["same_village"].pk}


def test_village_handler_sees_their_village(world, make_user):
    handler = make_user(
        Role.VILLAGE_HANDLER,
        township=world["township"],
        village=world["wg_a"].village,
        workgroup=None,
    )
    assert visible(handler) == {world["mine"].pk, world["same_village"].pk}


def test_leader_sees_their_township_only(world, make_user):
    leader = make_user(Role.LEADER, township=world["township"], workgroup=None)
    assert visible(leader) == {world["mine"].pk, world["same_village"].pk, world["other_group"].pk}


def test_district_level_admin_sees_every_township(world, make_user):
    admin = make_user(Role.ADMIN, township=None, workgroup=None)
    assert world["other_township"].pk in visible(admin)


def test_department_liaison_sees_no_household_without_issues(world, make_user):
    dept = make_user(Role.DEPARTMENT_LIAISON, township=None, workgroup=None)
    assert visible(dept) == set()


def test_user_without_role_sees_nothing(world, make_user):
    nobody = make_user(workgroup=world["wg_a"])
    assert role_of(nobody) is None
    assert visible(nobody) == set()


def test_role_priority_decides_the_home(make_user):
    user = make_user(Role.CADRE, Role.GROUP_LEADER)
    assert role_of(user) == Role.GROUP_LEADER


def test_reveal_is_for_responsible_roles_only(world, make_user):
    leader = make_user(Role.LEADER, township=world["township"], workgroup=None)
    assert may_reveal_identity(world["cadre"], world["mine"])
    assert not may_reveal_identity(world["cadre"], world["other_group"])
    assert not may_reveal_identity(leader, world["mine"])
