"""A township of three villages with the paraphrased demands of tests/projects/demands.py
reported across them, one user per role and two committees with their own staff."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from committees.models import Committee
from issues.services import issue_report
from issues.workflow import issue_transition
from liaison.roles import Role
from tests.conftest import create_user
from tests.factories import (
    CommitteeFactory,
    CommitteeMembershipFactory,
    DepartmentFactory,
    HouseholdFactory,
    PairingFactory,
    VillageFactory,
    WorkGroupFactory,
)

from .demands import GROUPS, SINGLES

# which committee each group is triaged to (None: left in 待分派, seen by all committee staff)
ROUTED = {"streetlight": "urban", "water": "urban", "bus": "livelihood", "garbage": None}


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class Town:
    township: object
    villages: list
    households: list
    committees: dict
    department: object
    users: dict
    issues: dict  # group name (or "single") -> [Issue]


def build_town(make_user=create_user) -> Town:
    first = VillageFactory(name="东村")
    township = first.township
    villages = [first, VillageFactory(township=township, name="西村"),
                VillageFactory(township=township, name="南村")]  # fmt: skip
    workgroup = WorkGroupFactory(village=first, township=township)
    committees = {
        "urban": CommitteeFactory(township=township, code=Committee.Code.URBAN_PLANNING,
                                  name="城建规划", keywords="道路、路灯、供水"),
        "livelihood": CommitteeFactory(township=township, code=Committee.Code.LIVELIHOOD_CULTURE,
                                       name="民生文化", keywords="公交、养老、医保"),
    }  # fmt: skip
    users = {
        "admin": make_user(Role.ADMIN, workgroup=workgroup, township=township),
        "leader": make_user(Role.LEADER, workgroup=None, township=township),
        "staff": make_user(Role.COMMITTEE_STAFF, workgroup=None, township=township),
        "staff2": make_user(Role.COMMITTEE_STAFF, workgroup=None, township=township),
        "grouplead": make_user(Role.GROUP_LEADER, workgroup=workgroup, township=township),
        "cadre": make_user(Role.CADRE, workgroup=workgroup, township=township),
        "village": make_user(Role.VILLAGE_HANDLER, workgroup=None, township=township,
                             village=first),
        "dept": make_user(Role.DEPARTMENT_LIAISON, workgroup=None, township=None),
    }  # fmt: skip
    CommitteeMembershipFactory(committee=committees["urban"], cadre=users["staff"].cadre)
    CommitteeMembershipFactory(committee=committees["livelihood"], cadre=users["staff2"].cadre)
    households = [
        HouseholdFactory(village=v, township=township, head_name=f"王{v.name}", grid=f"{v.name}1格")
        for v in villages
    ]  # fmt: skip
    for household in households:
        PairingFactory(cadre=users["cadre"].cadre, household=household)
    issues: dict[str, list] = {}
    n = 0
    for name, texts in [*GROUPS.items(), ("single", SINGLES)]:
        for text in texts:
            household = households[n % len(households)]
            n += 1
            issue = issue_report(actor=users["cadre"], household=household, description=text,
                                 reporter_name=household.head_name, reporter_phone="13912345678")  # fmt: skip
            route = ROUTED.get(name)
            if route:
                issue_transition(
                    issue=issue, action="triage", actor=users["admin"],
                    committee=committees[route].pk, level="village",
                )  # fmt: skip
                issue.refresh_from_db()
            issues.setdefault(name, []).append(issue)
    return Town(township, villages, households, committees, DepartmentFactory(), users, issues)


@pytest.fixture
def town(db):
    return build_town()
