"""A small township with one user per role, for the issue tests."""

from dataclasses import dataclass

import pytest

from issues.services import issue_report
from issues.workflow import issue_transition
from liaison.roles import Role
from tests.conftest import create_user, shared_world
from tests.factories import (
    CommitteeFactory,
    CommitteeMembershipFactory,
    DepartmentFactory,
    HouseholdFactory,
    PairingFactory,
    VillageFactory,
    WorkGroupFactory,
)


@pytest.fixture(autouse=True)
def _fast_passwords(settings, tmp_path):
    """These tests create many users (the production hasher is deliberately slow) and upload
    files (kept out of var/media)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = str(tmp_path / "media")


@dataclass
class World:
    township: object
    village: object
    other_village: object
    workgroup: object
    committee: object
    department: object
    household: object
    users: dict


@pytest.fixture
def world(request):
    """Built once for consecutive tests (tests/conftest.py shared_world); a copy for each."""
    return shared_world(request, build_world)


def build_world(make_user=create_user) -> World:
    village = VillageFactory()
    township = village.township
    other_village = VillageFactory(township=township)
    workgroup = WorkGroupFactory(village=village, township=township)
    committee = CommitteeFactory(township=township, keywords="路灯、道路、积水")
    department = DepartmentFactory()
    users = {
        "admin": make_user(Role.ADMIN, workgroup=workgroup, township=township),
        "leader": make_user(Role.LEADER, workgroup=None, township=township),
        "staff": make_user(Role.COMMITTEE_STAFF, workgroup=None, township=township),
        "grouplead": make_user(Role.GROUP_LEADER, workgroup=workgroup, township=township),
        "cadre": make_user(Role.CADRE, workgroup=workgroup, township=township),
        "village": make_user(
            Role.VILLAGE_HANDLER, workgroup=None, township=township, village=village
        ),
        "dept": make_user(Role.DEPARTMENT_LIAISON, workgroup=None, township=None),
    }
    CommitteeMembershipFactory(committee=committee, cadre=users["staff"].cadre, is_head=True)
    department.liaisons.add(users["dept"].cadre)
    household = HouseholdFactory(village=village, township=township)
    PairingFactory(cadre=users["cadre"].cadre, household=household)
    return World(
        township, village, other_village, workgroup, committee, department, household, users
    )


@pytest.fixture
def advance(world):
    """advance(issue, to_status) walks an issue along the happy path with suitable actors."""
    u = world.users
    steps = {
        "triaged": ("triage", "staff", {"committee": world.committee.pk, "level": "village"}),
        "in_progress": ("start", "village", {}),
        "resolved": ("resolve", "village", {"result": "已修好路灯"}),
        "replied": ("reply", "cadre", {"channel": "phone", "reply_text": "已电话告知"}),
        "rated": ("rate", "cadre", {"satisfaction": "satisfied"}),
        "archived": ("archive", "staff", {}),
    }
    order = list(steps)

    def go(issue, to):
        start = order.index(issue.status) + 1 if issue.status in order else 0
        for status in order[start : order.index(to) + 1]:
            action, who, data = steps[status]
            issue = issue_transition(issue=issue, action=action, actor=u[who], **data).issue
        return issue

    return go


@pytest.fixture
def new_issue(world):
    def make(description="村口路灯坏了，晚上看不见路", actor="cadre", **kwargs):
        kwargs.setdefault("household", world.household)
        return issue_report(actor=world.users[actor], description=description, **kwargs)

    return make
