"""Fixtures for the visits, pairings and reminders tests."""

import pytest
from django.contrib.auth.models import Group

from liaison.roles import Role
from tests.factories import CadreFactory, HouseholdFactory, PairingFactory, WorkGroupFactory


def give_role(user, role: Role) -> None:
    user.groups.add(Group.objects.get(name=role))
    if hasattr(user, "_lianxin_roles"):
        del user._lianxin_roles


@pytest.fixture
def group(db):
    """A work group with a leader and two cadres, each paired with households of its village."""
    workgroup = WorkGroupFactory()
    leader = CadreFactory(workgroup=workgroup, name="组长老王", user__email="wang@example.cn")
    give_role(leader.user, Role.GROUP_LEADER)
    workgroup.leader = leader
    workgroup.save(update_fields=["leader"])
    a = CadreFactory(workgroup=workgroup, name="干部甲", user__email="jia@example.cn")
    b = CadreFactory(workgroup=workgroup, name="干部乙")
    for cadre in (a, b):
        give_role(cadre.user, Role.CADRE)
    households = {
        "a": [PairingFactory(cadre=a).household for _ in range(3)],
        "b": [PairingFactory(cadre=b).household for _ in range(2)],
    }
    return {"workgroup": workgroup, "leader": leader, "a": a, "b": b, "households": households}


@pytest.fixture
def stray_household(db):
    return HouseholdFactory()
