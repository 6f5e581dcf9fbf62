"""The world of the API tests: one township with a user for every demo role, for each resource
an object that is the role's own and one that is someone else's (another village, work group,
committee and department of the same township), and a second township nobody here belongs to."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from committees.models import Committee
from issues.models import Issue
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
    ResidentFactory,
    TownshipFactory,
    VillageFactory,
    WorkGroupFactory,
    valid_id_number,
)
from visits.models import Visit

# The demo accounts of demo.seed (seed_demo), one per role.
DEMO_ROLES = {
    "admin": Role.ADMIN,
    "leader": Role.LEADER,
    "staff": Role.COMMITTEE_STAFF,
    "grouplead": Role.GROUP_LEADER,
    "cadre": Role.CADRE,
    "village": Role.VILLAGE_HANDLER,
    "dept": Role.DEPARTMENT_LIAISON,
}
PASSWORD = "Passw0rd!x"  # UserFactory's


@pytest.fixture(autouse=True)
def _api_test_settings(settings):
    """Fast password hashing (many users), throttles that the suite cannot trip (the throttle
    tests set their own low rates) and a fresh private cache for the throttle counters (never
    a clear() of a cache that might be a shared Redis)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "100000/min", "user": "100000/min", "token": "1000/min"},
    }
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"api-tests-{uuid.uuid4()}",
        }
    }


@dataclass
class Side:
    """The objects of one side: `own` (the users' scope) or `other` (someone else's)."""

    village: object
    workgroup: object
    committee: object
    department: object
    cadre: object  # the cadre paired with the household
    household: object
    resident: object
    pairing: object
    visit: object


@dataclass
class World:
    township: object
    users: dict
    own: Side
    other: Side
    foreign: Side  # another township
    setup: dict  # side name -> an admin who walks issues along (not one of the matrix users)
    caller: object  # makes satisfaction callbacks in setup (not the handler)
    tokens: dict = field(default_factory=dict)

    def client(self, role: str | None) -> APIClient:
        client = APIClient()
        if role is not None:
            client.credentials(HTTP_AUTHORIZATION=f"Token {self.tokens[role]}")
        return client

    def side(self, which: str) -> Side:
        return getattr(self, which)

    def issue(self, which: str, status: str, *, level: str = "village", satisfaction="satisfied"):
        """A fresh issue on `which` side's household, walked to `status` along the loop."""
        side, actor = self.side(which), self.setup[which]
        issue = issue_report(actor=actor, household=side.household, description="路灯坏了")
        steps = [
            ("triaged", "triage", {"committee": side.committee.pk, "level": level,
                                   "village": side.village.pk, "department": side.department.pk}),
            ("in_progress", "start", {}),
            ("resolved", "resolve", {"result": "已修好路灯"}),
            ("replied", "reply", {"channel": "phone", "reply_text": "已电话告知"}),
            ("rated", "rate", {"satisfaction": satisfaction, "comment": "路灯还是不亮"}),
        ]  # fmt: skip
        if status == "reported":
            return issue
        for reached, action, data in steps:
            by = self.caller if action == "rate" else actor
            issue = issue_transition(issue=issue, action=action, actor=by, **data).issue
            if reached == status:
                if issue.status != status:
                    # rate(不满意) reopens at once; the reopen cell needs the issue as it was
                    Issue.objects.filter(pk=issue.pk).update(status=status)
                    issue.refresh_from_db()
                return issue
        raise ValueError(status)


def _side(township, code, make_user, *, n: int) -> Side:
    village = VillageFactory(township=township)
    workgroup = WorkGroupFactory(village=village, township=township)
    committee = CommitteeFactory(township=township, code=code, name=str(Committee.Code(code).label))
    department = DepartmentFactory()
    cadre = make_user(Role.CADRE, workgroup=workgroup, township=township).cadre
    household = HouseholdFactory(village=village, township=township)
    resident = ResidentFactory(household=household, id_number=valid_id_number(n))
    pairing = PairingFactory(cadre=cadre, household=household)
    # written just now by its cadre: inside the 24 h in which the author may still edit it
    visit = Visit.objects.create(
        cadre=cadre, household=household, notes="走访了解情况", recorded_at=timezone.now()
    )
    return Side(
        village, workgroup, committee, department, cadre, household, resident, pairing, visit
    )


@pytest.fixture
def world(request) -> World:
    """Built once for consecutive tests (tests/conftest.py shared_world); a copy for each."""
    return shared_world(request, build_world)


def build_world(make_user=create_user) -> World:
    township = TownshipFactory()
    own = _side(township, Committee.Code.SOCIAL_GOVERNANCE, make_user, n=11)
    other = _side(township, Committee.Code.URBAN_PLANNING, make_user, n=12)
    foreign = _side(TownshipFactory(), Committee.Code.SOCIAL_GOVERNANCE, make_user, n=13)
    wg = own.workgroup
    users = {
        "admin": make_user(Role.ADMIN, workgroup=None, township=township),
        "leader": make_user(Role.LEADER, workgroup=None, township=township),
        "staff": make_user(Role.COMMITTEE_STAFF, workgroup=None, township=township),
        "grouplead": make_user(Role.GROUP_LEADER, workgroup=wg, township=township),
        "cadre": own.cadre.user,
        "village": make_user(
            Role.VILLAGE_HANDLER, workgroup=None, township=township, village=own.village
        ),
        "dept": make_user(Role.DEPARTMENT_LIAISON, workgroup=None, township=None),
    }
    wg.leader = users["grouplead"].cadre
    wg.save(update_fields=["leader"])
    CommitteeMembershipFactory(committee=own.committee, cadre=users["staff"].cadre, is_head=True)
    own.department.liaisons.add(users["dept"].cadre)
    setup = {
        "own": make_user(Role.ADMIN, workgroup=None, township=township),
        "foreign": make_user(Role.ADMIN, workgroup=None, township=foreign.village.township),
    }
    setup["other"] = setup["own"]
    caller = make_user(Role.ADMIN, workgroup=None, township=None)
    world = World(township, users, own, other, foreign, setup, caller)
    for which in ("own", "other", "foreign"):  # staff and dept read the households of their issues
        world.issue(which, "triaged")
    world.tokens = {r: Token.objects.create(user=u).key for r, u in users.items()}
    return world
