"""The dashboard's issue figures read from the roll-up (its rows plus the delta rows of the changes
since) equal a live count, whatever changed since.

Each case builds issues over fourteen months, runs the roll-up, then changes something through
the services (issue_report, issue_transition), and compares every figure the dashboard shows
(headline counts, the five breakdowns, the trend) with the same figures counted live (the
roll-up emptied)."""

import contextlib
import datetime as dt
import random

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from dashboard import selectors
from dashboard.access import dashboard_scope_of
from dashboard.cube import issue_cube
from dashboard.models import IssueMonthChoiceStat, IssueMonthStat
from dashboard.periods import Period, month_period, quarter_period, trend_months, year_period
from dashboard.rollup import issue_month_stats_refresh
from issues.models import Issue, Level, Outcome, Satisfaction, Source, Status
from issues.services import issue_report
from issues.transitions import TransitionNotAllowed, transitions_from
from issues.workflow import issue_transition

from .conftest import at

NOW = at(20, hour=9, month=5)  # 20 May 2025


def _spread(town) -> list[Issue]:
    """Sixty issues from April 2024 to May 2025 in every status, level, source and outcome."""
    statuses = [Status.REPORTED, Status.TRIAGED, Status.IN_PROGRESS, Status.RESOLVED,
                Status.RATED, Status.ARCHIVED, Status.MERGED, Status.EXPLAINED]  # fmt: skip
    made = []
    for i in range(60):
        month = 4 + i % 14  # April 2024 … May 2025
        year, month = 2024 + (month - 1) // 12, (month - 1) % 12 + 1
        reported = dt.datetime(year, month, 1 + i % 27, 10, tzinfo=NOW.tzinfo)
        status = statuses[i % len(statuses)]
        closed = status in (Status.RESOLVED, Status.RATED, Status.ARCHIVED, Status.EXPLAINED)
        made.append(
            Issue.objects.create(
                township=town.township,
                village=(town.v1, town.v2)[i % 2],
                committee=(town.c1, town.c2, None)[i % 3],
                description=f"诉求{i}",
                source=list(Source.values)[i % len(Source.values)],
                level=(Level.VILLAGE, Level.TOWNSHIP, Level.DISTRICT, "")[i % 4],
                status=status,
                outcome=(
                    Outcome.EXPLAINED
                    if status == Status.EXPLAINED
                    else Outcome.RESOLVED
                    if closed
                    else ""
                ),  # fmt: skip
                satisfaction=(Satisfaction.SATISFIED, Satisfaction.UNSATISFIED, "")[i % 3]
                if status in (Status.RATED, Status.ARCHIVED)
                else "",
                reported_at=reported,
                contact_due_at=reported + dt.timedelta(hours=24),
                first_contact_at=reported + dt.timedelta(hours=2 + 20 * (i % 3)) if i % 5 else None,
                due_at=reported + dt.timedelta(days=7),
                is_overdue=not closed and i % 2 == 0,
                closed_at=reported + dt.timedelta(days=1 + i % 40) if closed else None,
            )
        )
    return made


def _shown(scope, period) -> dict:
    figures = selectors.issue_figures(scope, period)
    return {k: v for k, v in figures.items() if k not in ("cube", "village_counts")}


def _live(scope, period) -> dict:
    rolled = (list(IssueMonthStat.objects.all()), list(IssueMonthChoiceStat.objects.all()))
    IssueMonthStat.objects.all().delete()
    IssueMonthChoiceStat.objects.all().delete()
    try:
        assert issue_cube(scope, period).rolled == ()
        return _shown(scope, period)
    finally:
        IssueMonthStat.objects.bulk_create(rolled[0])
        IssueMonthChoiceStat.objects.bulk_create(rolled[1])


PERIODS = {
    "this month": month_period(2025, 5),
    "last month": month_period(2025, 4),
    "quarter": quarter_period(2025, 1),
    "year": year_period(2024),
    "custom, partial months": Period(dt.date(2024, 11, 17), dt.date(2025, 5, 3)),
}


@pytest.fixture
def spread(town):
    with time_machine.travel(at(1, month=1) - dt.timedelta(days=400), tick=False):
        Issue.objects.update(updated_at=at(1, month=1))
        issues = _spread(town)
    with time_machine.travel(NOW, tick=False):
        issue_month_stats_refresh()
    return issues


def _assert_equal_to_live(scope, period):
    with time_machine.travel(NOW + dt.timedelta(hours=1), tick=False):
        assert _shown(scope, period) == _live(scope, period)


@pytest.mark.parametrize("role", ["leader", "staff", "lead2"])
@pytest.mark.parametrize("period", PERIODS.values(), ids=PERIODS.keys())
def test_rolled_up_figures_equal_live_ones(town, spread, role, period):
    scope = dashboard_scope_of(town.users[role])
    with time_machine.travel(NOW + dt.timedelta(hours=1), tick=False):
        rolled = issue_cube(scope, period)
    if role != "lead2":  # a work group is always counted live
        # every month of the trend, the current one too, and a range's partial months by day
        # where the roll-up holds days (from 1 March: the last three months)
        assert set(trend_months(period)) <= set(rolled.rolled_months)
        if period.kind == "custom":
            assert {dt.date(2025, 5, 1), dt.date(2025, 5, 3)} <= set(rolled.rolled_days)
            assert dt.date(2024, 11, 17) not in rolled.rolled_days  # counted live
    else:
        assert rolled.rolled == ()
    _assert_equal_to_live(scope, period)


def _random_change(rng, issue, town, issues) -> None:
    """One action of the transition table on the issue, with made-up fields (as the system:
    no role checks); a refused one changes nothing."""
    actions = [t.action for t in transitions_from(issue.status)]
    if not actions:
        return
    action = rng.choice(actions)
    data = {
        "triage": {"committee": rng.choice([town.c1, town.c2]).pk,
                   "level": rng.choice([Level.VILLAGE, Level.TOWNSHIP]),
                   "village": rng.choice([town.v1, town.v2]).pk},
        "merge": {"into": rng.choice([i for i in issues if i.pk != issue.pk]).pk},
        "contact": {"contact_channel": "phone",
                    "contacted_at": timezone.now() - dt.timedelta(hours=rng.randint(0, 900))},
        "progress": {"note": "进展", "contacted": rng.random() < 0.5},
        "escalate": {"note": "上报"},
        "resolve": {"result": "已办结"},
        "explain": {"explanation": "已解释"},
        "reply": {"channel": "phone", "reply_text": "已答复"},
        "rate": {"satisfaction": rng.choice(Satisfaction.values), "comment": "意见"},
        "reopen": {"note": "再办"},
    }.get(action, {"note": "x"})  # fmt: skip
    with contextlib.suppress(TransitionNotAllowed, ValidationError):  # a refused one
        issue_transition(issue=issue, action=action, actor=None, system=True, **data)


PERIODS_SHOWN = [
    PERIODS["this month"], PERIODS["quarter"], PERIODS["custom, partial months"],
    year_period(2025), month_period(2025, 3),
]  # fmt: skip


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_figures_equal_a_full_recount_after_random_changes(town, spread, seed):
    """Random reports and transitions after the roll-up (each writes its delta rows in its own
    transaction), a rebuild in the middle, the clock running past contact and result limits:
    every figure of every period equals the same figures counted live."""
    rng = random.Random(seed)
    scope = dashboard_scope_of(town.users["leader"])
    staff = dashboard_scope_of(town.users["staff"])
    household = town.households["h1"]
    for step in range(60):
        with time_machine.travel(NOW + dt.timedelta(minutes=10 + step * 7), tick=False):
            if step % 10 == 0:
                issue_report(actor=town.users["admin"], household=household,
                             description=f"新诉求{step}", source=Source.PHONE)  # fmt: skip
            issues = list(Issue.objects.order_by("pk"))
            _random_change(rng, rng.choice(issues), town, issues)
            if step == 30:
                issue_month_stats_refresh()
    assert IssueMonthStat.objects.filter(delta=True).exists()
    for hours in (8, 30, 24 * 9):  # limits pass after the last change
        with time_machine.travel(NOW + dt.timedelta(hours=hours), tick=False):
            for period in PERIODS_SHOWN:
                for reader in (scope, staff):
                    assert issue_cube(reader, period).rolled
                    assert _shown(reader, period) == _live(reader, period), (hours, period)


def test_a_change_writes_deltas_and_leaves_the_buckets_served(town, spread):
    scope = dashboard_scope_of(town.users["leader"])
    december = next(
        i for i in spread if i.reported_at.month == 12 and i.status == Status.IN_PROGRESS
    )
    with time_machine.travel(NOW + dt.timedelta(minutes=30), tick=False):
        issue_transition(issue=december, action="resolve", actor=None, system=True, result="好")
        rows = IssueMonthStat.objects.filter(delta=True)
        # −in progress +resolved in December (month; its day is before the daily rows but is
        # written all the same), +1 closed today (month and day)
        assert {(r.month, r.day) for r in rows} == {
            (dt.date(2024, 12, 1), None), (dt.date(2024, 12, 1), december.reported_at.date()),
            (dt.date(2025, 5, 1), None), (dt.date(2025, 5, 1), dt.date(2025, 5, 20)),
        }  # fmt: skip
        assert sum(r.open for r in rows) == -2  # (month and day rows)
        assert sum(r.closed for r in rows) == 2
        rolled = issue_cube(scope, year_period(2024))
    assert dt.date(2024, 12, 1) in rolled.rolled_months
    _assert_equal_to_live(scope, year_period(2024))


def test_a_contact_limit_passing_after_the_rollup_counts_at_once(town, spread):
    # an April issue never contacted, whose limit passes after the roll-up was built: the
    # response rate counts it from then on, read from the open issues at request time
    scope = dashboard_scope_of(town.users["leader"])
    with time_machine.travel(NOW - dt.timedelta(days=30), tick=False):
        late = Issue.objects.create(
            township=town.township, village=town.v1, committee=town.c1, description="未联系",
            source=Source.PHONE, reported_at=at(29, month=4), status=Status.REPORTED,
            contact_due_at=NOW + dt.timedelta(minutes=20),
        )  # fmt: skip
    with time_machine.travel(NOW, tick=False):
        issue_month_stats_refresh()
        before = issue_cube(scope, month_period(2025, 4))
    assert dt.date(2025, 4, 1) in before.rolled_months
    with time_machine.travel(NOW + dt.timedelta(hours=1), tick=False):
        after = issue_cube(scope, month_period(2025, 4))
        assert dt.date(2025, 4, 1) in after.rolled_months
        assert after.totals()["contact_counted"] == before.totals()["contact_counted"] + 1
        assert after.totals()["overdue"] == before.totals()["overdue"] + 1
    assert late.first_contact_at is None
    _assert_equal_to_live(scope, month_period(2025, 4))


def test_rollup_holds_every_month_and_the_recent_days_without_merged(town, spread):
    merged = sum(1 for i in spread if i.status == Status.MERGED)
    assert merged
    live = Issue.objects.exclude(status=Status.MERGED)
    expected = {
        True: live.count(),
        # by day: March, April and May up to now (the 20th)
        False: live.filter(reported_at__gte=at(1, hour=0, month=3)).count(),
    }
    for whole_months, total in expected.items():
        rolled = IssueMonthStat.objects.filter(township=town.township, day__isnull=whole_months)
        assert sum(rolled.values_list("total", flat=True)) == total
        for dimension in IssueMonthChoiceStat.Dimension.values:
            per = IssueMonthChoiceStat.objects.filter(
                township=town.township, dimension=dimension, day__isnull=whole_months
            )
            assert sum(per.values_list("total", flat=True)) == total
    days = IssueMonthStat.objects.filter(day__isnull=False).values_list("day", flat=True)
    assert days and all(dt.date(2025, 3, 1) <= d for d in days)
    assert not IssueMonthStat.objects.filter(delta=True).exists()


def test_reopening_an_issue_closed_before_the_rollup_uncounts_it_at_once(town, spread):
    scope = dashboard_scope_of(town.users["leader"])
    unhappy = next(
        i
        for i in spread
        if i.status == Status.RATED
        and i.satisfaction == Satisfaction.UNSATISFIED
        and i.closed_at < at(1, month=4)
    )
    closed_month = timezone.localtime(unhappy.closed_at).date().replace(day=1)
    period = year_period(2024) if closed_month.year == 2024 else quarter_period(2025, 1)
    with time_machine.travel(NOW, tick=False):
        before = {r["month"]: r["closed"] for r in selectors.monthly_trend(scope, period)}
    with time_machine.travel(NOW + dt.timedelta(minutes=10), tick=False):
        issue_transition(issue=unhappy, action="reopen", actor=town.users["admin"], note="再办")
        after = {r["month"]: r["closed"] for r in selectors.monthly_trend(scope, period)}
    assert after[closed_month] == before[closed_month] - 1
    _assert_equal_to_live(scope, period)
