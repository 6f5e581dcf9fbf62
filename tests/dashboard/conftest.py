"""A hand-built township whose dashboard figures are worked out by hand in the tests.

March 2025 (the period), all contact limits long past:
  issue  village committee status       outcome   satisfaction contacted
  A      V1      C1        rated        resolved  satisfied    in time
  B      V1      C1        archived     resolved  basic        in time
  C      V1      C2        rated        resolved  unsatisfied  late
  D      V2      C2        explained    explained —            in time
  E      V2      C1        in_progress  —         —            late, overdue
  F      V2      C2        triaged      —         —            never (limit passed)
  I      V1      C1        rated        resolved  satisfied    in time
  G      V1      C1        merged (counts nowhere)
  H      V1      C1        April 2025 (outside the period)
"""

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from dashboard.models import Survey, SurveyAnswer, SurveyQuestion, SurveyResponse
from dashboard.periods import month_period
from issues.models import Issue, Level, Outcome, Satisfaction, Source, Status
from liaison.roles import Role
from tests.conftest import create_user, shared_world
from tests.factories import (
    CommitteeFactory,
    CommitteeMembershipFactory,
    HouseholdFactory,
    PairingFactory,
    VillageFactory,
    WorkGroupFactory,
)
from visits.models import Visit, VisitCampaign
from visits.services import visit_months_rebuild

PERIOD = month_period(2025, 3)


def at(day: int, hour: int = 10, month: int = 3) -> dt.datetime:
    return dt.datetime(2025, month, day, hour, tzinfo=timezone.get_current_timezone())


@dataclass
class Town:
    township: object
    v1: object
    v2: object
    g1: object
    g2: object
    c1: object
    c2: object
    users: dict
    cadres: dict
    households: dict
    issues: dict


def _issue(
    label,
    *,
    village,
    committee,
    status,
    outcome="",
    satisfaction="",
    contact="in_time",
    overdue=False,
    day=10,
    month=3,
    source=Source.VISIT,
    level=Level.VILLAGE,
    raised_by=None,
):
    township = village.township
    reported = at(day, month=month)
    contact_due = reported + dt.timedelta(hours=24)
    first_contact = {
        "in_time": reported + dt.timedelta(hours=2),
        "late": reported + dt.timedelta(hours=30),
        "never": None,
    }[contact]
    closed = reported + dt.timedelta(days=2) if outcome else None
    return Issue.objects.create(
        township=township,
        village=village,
        committee=committee,
        description=f"诉求{label}",
        source=source,
        level=level,
        status=status,
        outcome=outcome,
        satisfaction=satisfaction,
        reported_at=reported,
        contact_due_at=contact_due,
        first_contact_at=first_contact,
        due_at=reported + dt.timedelta(days=3),
        is_overdue=overdue,
        closed_at=closed,
        raised_by=raised_by,
    )


@pytest.fixture
def town(request):
    """Built once for consecutive tests (tests/conftest.py shared_world); a copy for each."""
    return shared_world(request, lambda: build_town(create_user))


@pytest.fixture
def survey(town):
    return build_survey(town)


@pytest.fixture
def campaign(town):
    return build_campaign(town)


def build_town(make_user) -> Town:
    v1 = VillageFactory(name="东村")
    township = v1.township
    v2 = VillageFactory(township=township, name="西村")
    g1 = WorkGroupFactory(village=v1, township=township, name="东村工作组")
    g2 = WorkGroupFactory(village=v2, township=township, name="西村工作组")
    c1 = CommitteeFactory(township=township, code="social_governance", name="社会治理")
    c2 = CommitteeFactory(township=township, code="urban_planning", name="城建规划")
    users = {
        "admin": make_user(Role.ADMIN, workgroup=None, township=township),
        "leader": make_user(Role.LEADER, workgroup=None, township=township),
        "staff": make_user(Role.COMMITTEE_STAFF, workgroup=None, township=township),
        "lead2": make_user(Role.GROUP_LEADER, workgroup=g2, township=township),
        "cadre1": make_user(Role.CADRE, workgroup=g1, township=township, name="张一"),
        "cadre2": make_user(Role.CADRE, workgroup=g2, township=township, name="李二"),
    }
    CommitteeMembershipFactory(committee=c1, cadre=users["staff"].cadre, is_head=True)
    cadres = {k: users[k].cadre for k in ("cadre1", "cadre2")}
    hh = {
        "h1": HouseholdFactory(village=v1, township=township),
        "h2": HouseholdFactory(village=v1, township=township),
        "h3": HouseholdFactory(village=v2, township=township),
    }
    # paired since before the period: a campaign's coverage counts the pairings in force then
    since = dt.date(2024, 1, 1)
    PairingFactory(cadre=cadres["cadre1"], household=hh["h1"], start_date=since)
    PairingFactory(cadre=cadres["cadre1"], household=hh["h2"], start_date=since)
    PairingFactory(cadre=cadres["cadre2"], household=hh["h3"], start_date=since)
    # cadre1 visits h1 twice in March (one household-month), nobody visits h2 or h3
    for day in (5, 20):
        Visit.objects.create(
            cadre=cadres["cadre1"], household=hh["h1"], visited_on=dt.date(2025, 3, day)
        )
    visit_months_rebuild()  # (written past the service's back-dating limit: a bulk load)
    k1 = cadres["cadre1"]
    S, R, I_, A = Status, Outcome.RESOLVED, Status.IN_PROGRESS, Satisfaction  # noqa: N806
    issues = {
        "A": _issue(
            "A",
            village=v1,
            committee=c1,
            status=S.RATED,
            outcome=R,
            satisfaction=A.SATISFIED,
            raised_by=k1,
        ),
        "B": _issue(
            "B",
            village=v1,
            committee=c1,
            status=S.ARCHIVED,
            outcome=R,
            satisfaction=A.BASIC,
            source=Source.PHONE,
            raised_by=k1,
        ),
        "C": _issue(
            "C",
            village=v1,
            committee=c2,
            status=S.RATED,
            outcome=R,
            satisfaction=A.UNSATISFIED,
            contact="late",
            level=Level.TOWNSHIP,
        ),
        "D": _issue(
            "D",
            village=v2,
            committee=c2,
            status=S.EXPLAINED,
            outcome=Outcome.EXPLAINED,
            level=Level.TOWNSHIP,
        ),
        "E": _issue("E", village=v2, committee=c1, status=I_, contact="late", overdue=True),
        "F": _issue("F", village=v2, committee=c2, status=S.TRIAGED, contact="never"),
        "I": _issue(
            "I",
            village=v1,
            committee=c1,
            status=S.RATED,
            outcome=R,
            satisfaction=A.SATISFIED,
            source=Source.HOTLINE,
        ),
        "G": _issue("G", village=v1, committee=c1, status=S.MERGED),
        "H": _issue(
            "H",
            village=v1,
            committee=c1,
            status=S.RATED,
            outcome=R,
            satisfaction=A.SATISFIED,
            month=4,
        ),
    }
    return Town(township, v1, v2, g1, g2, c1, c2, users, cadres, hh, issues)


def build_survey(town) -> Survey:
    """Answers in March: cadre1 for h1 (满意, 不满意), h2 (基本满意, 不了解); cadre2 for h3
    (满意, 满意). Township index = 4 good / 5 rating answers = 80.0%; cadre1 = 2/3 = 66.7%."""
    sv = Survey.objects.create(township=town.township, title="2025年春季满意度测评")
    q1 = SurveyQuestion.objects.create(survey=sv, order=1, text="对联系干部是否满意")
    q2 = SurveyQuestion.objects.create(survey=sv, order=2, text="对诉求办理是否满意")
    SurveyQuestion.objects.create(survey=sv, order=3, text="意见建议", kind="text", required=False)
    C = SurveyAnswer.Choice  # noqa: N806
    plan = [
        ("cadre1", "h1", C.SATISFIED, C.UNSATISFIED),
        ("cadre1", "h2", C.BASIC, C.UNKNOWN),
        ("cadre2", "h3", C.SATISFIED, C.SATISFIED),
    ]
    for cadre, household, a1, a2 in plan:
        response = SurveyResponse.objects.create(
            survey=sv,
            household=town.households[household],
            cadre=town.cadres[cadre],
            channel="visit",
            answered_on=dt.date(2025, 3, 15),
            created_by=town.cadres[cadre].user,
        )
        SurveyAnswer.objects.create(response=response, question=q1, choice=a1)
        SurveyAnswer.objects.create(response=response, question=q2, choice=a2)
    return sv


def build_campaign(town) -> VisitCampaign:
    return VisitCampaign.objects.create(
        township=town.township,
        name="2025年春季集中走访",
        start_date=dt.date(2025, 3, 1),
        end_date=dt.date(2025, 3, 31),
    )
