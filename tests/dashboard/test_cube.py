"""The dashboard's issue figures read from the roll-up equal a live count, whatever changed since.

Each case builds issues over fourteen months, runs the roll-up, then changes something, and
compares every figure the dashboard shows (headline counts, the five breakdowns, the trend) with
the same figures counted live (the roll-up emptied)."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from dashboard import selectors
from dashboard.access import dashboard_scope_of
from dashboard.cube import issue_cube
from dashboard.models import IssueMonthChoiceStat, IssueMonthStat
from dashboard.periods import Period, month_period, quarter_period, year_period
from dashboard.rollup import issue_month_stats_refresh
from issues.models import Issue, Level, Outcome, Satisfaction, Source, Status

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
        assert dt.date(2024, 12, 1) in rolled.rolled_months
        assert dt.date(2025, 5, 1) not in rolled.rolled_months  # the current month is by day
        assert dt.date(2025, 5, 19) in rolled.rolled_days
        assert dt.date(2025, 5, 20) not in rolled.rolled_days  # and never today
    else:
        assert rolled.rolled == ()
    _assert_equal_to_live(scope, period)


def _close_and_change(issue):
    issue.status, issue.outcome = Status.RESOLVED, Outcome.RESOLVED
    issue.closed_at, issue.level = NOW, Level.DISTRICT
    issue.save()


@pytest.mark.parametrize("period", PERIODS.values(), ids=PERIODS.keys())
def test_a_month_changed_after_the_rollup_is_counted_live(town, spread, period):
    scope = dashboard_scope_of(town.users["leader"])
    december = next(
        i for i in spread if i.reported_at.month == 12 and i.status == Status.IN_PROGRESS
    )
    with time_machine.travel(NOW + dt.timedelta(minutes=30), tick=False):
        _close_and_change(december)
        # a late-recorded issue lands in an old month too
        Issue.objects.create(
            township=town.township, village=town.v2, committee=town.c2, description="补录",
            source=Source.VISIT, reported_at=at(3, month=2), status=Status.REPORTED,
        )  # fmt: skip
        # and an issue of 2 May (this month) is rated
        may = next(i for i in spread if i.reported_at.date() == dt.date(2025, 5, 2))
        may.satisfaction = Satisfaction.UNSATISFIED
        may.save()
        # and one of 13 April (a recent month, rolled up by day too) is escalated
        april = next(i for i in spread if i.reported_at.date() == dt.date(2025, 4, 13))
        april.level = Level.DISTRICT
        april.save()
        rolled = issue_cube(scope, year_period(2024))
    assert dt.date(2024, 12, 1) not in rolled.rolled_months
    assert dt.date(2025, 2, 1) not in rolled.rolled_months
    assert dt.date(2024, 11, 1) in rolled.rolled_months
    assert dt.date(2025, 5, 2) not in rolled.rolled_days
    assert dt.date(2025, 5, 1) in rolled.rolled_days
    # April is served by its untouched days, 13 April is counted live
    assert dt.date(2025, 4, 1) not in rolled.rolled_months
    assert dt.date(2025, 4, 13) not in rolled.rolled_days
    assert {dt.date(2025, 4, 12), dt.date(2025, 4, 14)} <= set(rolled.rolled_days)
    _assert_equal_to_live(scope, period)


def test_a_contact_limit_passing_after_the_rollup_is_counted_live(town, spread):
    # an April issue never contacted, whose limit passes after the roll-up was built: the
    # response rate counts it from then on
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
        assert dt.date(2025, 4, 1) not in after.rolled_months
        assert after.totals()["contact_counted"] == before.totals()["contact_counted"] + 1
    assert late.first_contact_at is None
    _assert_equal_to_live(scope, month_period(2025, 4))


def test_rollup_holds_past_months_and_recent_past_days_without_merged(town, spread):
    merged = sum(1 for i in spread if i.status == Status.MERGED and i.reported_at < at(1, month=5))
    assert merged
    live = Issue.objects.exclude(status=Status.MERGED)
    expected = {
        True: live.filter(reported_at__lt=at(1, hour=0, month=5)).count(),
        # by day: March, April and May before the 20th
        False: live.filter(
            reported_at__gte=at(1, hour=0, month=3), reported_at__lt=at(20, hour=0, month=5)
        ).count(),
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
    assert days and all(dt.date(2025, 3, 1) <= d < dt.date(2025, 5, 20) for d in days)


def test_reopening_an_issue_closed_before_the_rollup_uncounts_it_at_once(town, spread):
    from issues.workflow import issue_transition

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
