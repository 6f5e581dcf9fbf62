"""The clock-bound counts (overdue, contact limits still running) and the overdue count now, read in
two grouped queries (dashboard/clock.py), equal a count issue by issue in Python."""

import datetime as dt

import pytest
import time_machine
from django.db.models import Q

from dashboard import selectors
from dashboard.access import dashboard_scope_of
from dashboard.clock import clock_bound
from dashboard.cube import CELL_FIELDS, DISTRICT_CELL_FIELDS, issue_cube
from dashboard.periods import month_period
from dashboard.rollup import CHOICE_DIMENSIONS, issue_month_stats_refresh
from issues.models import OPEN_STATUSES, Issue, Source, Status

from .test_cube import NOW, spread  # noqa: F401 - the fixture

SERVED = (dt.datetime(2024, 6, 1, tzinfo=NOW.tzinfo), dt.datetime(2025, 6, 1, tzinfo=NOW.tzinfo))
PERIOD = (dt.datetime(2025, 4, 1, tzinfo=NOW.tzinfo), dt.datetime(2025, 5, 1, tzinfo=NOW.tzinfo))
MONTHS = {dt.date(2024, 6 + k, 1) for k in range(7)} | {dt.date(2025, k, 1) for k in range(1, 6)}


def _span(low, high) -> Q:
    return Q(reported_at__gte=low, reported_at__lt=high)


def _straight(issues, fields) -> dict:
    """The same figures, issue by issue in Python."""
    cells, choices, trend = {}, {}, {}
    overdue_now = 0
    for issue in issues:
        is_open = issue.status in OPEN_STATUSES
        overdue = is_open and (
            (issue.due_at is not None and issue.due_at < NOW)
            or (issue.first_contact_at is None and issue.contact_due_at is not None
                and issue.contact_due_at < NOW)
        )  # fmt: skip
        running = issue.first_contact_at is None and (
            issue.contact_due_at is not None and issue.contact_due_at >= NOW
        )
        overdue_now += overdue
        if not (overdue or running) or not SERVED[0] <= issue.reported_at < SERVED[1]:
            continue
        counts = {"overdue": int(overdue), "running": int(running)}
        month = issue.reported_at.astimezone(NOW.tzinfo).date().replace(day=1)
        keys = [(trend, month)]
        if PERIOD[0] <= issue.reported_at < PERIOD[1]:
            keys.append((cells, tuple(getattr(issue, f) for f in fields)))
            keys += [(choices, (d, getattr(issue, d))) for d in CHOICE_DIMENSIONS]
        for into, key in keys:
            row = into.setdefault(key, {"overdue": 0, "running": 0})
            for name, n in counts.items():
                row[name] += n
    return {"cells": cells, "choices": choices, "trend": trend, "overdue_now": overdue_now}


@pytest.fixture
def running(town, spread):  # noqa: F811 - the fixture
    """Two issues whose contact limit still runs at NOW, one with no committee."""
    for committee in (town.c1, None):
        Issue.objects.create(
            township=town.township, village=town.v2, committee=committee, description="刚登记",
            source=Source.WALK_IN, reported_at=NOW - dt.timedelta(hours=2), status=Status.REPORTED,
            contact_due_at=NOW + dt.timedelta(hours=22), due_at=NOW + dt.timedelta(days=7),
        )  # fmt: skip


@pytest.mark.parametrize("fields", [CELL_FIELDS, DISTRICT_CELL_FIELDS])
def test_the_counts_equal_a_straight_count(town, running, fields):
    issues = Issue.objects.filter(township=town.township).exclude(status=Status.MERGED)
    found = clock_bound(
        issues, served=_span(*SERVED), in_period=_span(*PERIOD), months=MONTHS, fields=fields,
        now=NOW,
    )  # fmt: skip
    expected = _straight(issues, fields)
    drop_zero = lambda d: {k: v for k, v in d.items() if any(v.values())}  # noqa: E731
    assert drop_zero(found.cells) == drop_zero(expected["cells"]) != {}
    assert drop_zero(found.choices) == drop_zero(expected["choices"]) != {}
    assert drop_zero(found.trend) == drop_zero(expected["trend"]) != {}
    assert any(c["running"] for c in found.trend.values())  # the data has both counts
    assert found.overdue_now == expected["overdue_now"] > 0


def test_the_dashboard_takes_the_overdue_count_from_the_clock_bound_read(town, running):
    scope = dashboard_scope_of(town.users["leader"])
    with time_machine.travel(NOW, tick=False):
        issue_month_stats_refresh()
        cube = issue_cube(scope, month_period(2025, 5))
        assert cube.rolled  # the clock-bound read ran
        counted = selectors.overdue_now(scope, {"cube": cube})
        assert counted == selectors.overdue_count(scope) > 0
        assert cube.overdue_now is not None  # counted by the clock-bound read, no query of its own
    cube = issue_cube(dashboard_scope_of(town.users["lead2"]), month_period(2025, 5))
    assert cube.overdue_now is None  # a work group's: counted live, the count is a query of its own


def test_no_served_period_counts_the_trend_and_the_overdue_issues_only(town, running):
    # a period the roll-up serves no bucket of (counted live by the cube): no cells, no choices
    issues = Issue.objects.filter(township=town.township).exclude(status=Status.MERGED)
    found = clock_bound(
        issues, served=_span(*SERVED), in_period=Q(pk__in=[]), months=MONTHS, fields=CELL_FIELDS,
        now=NOW,
    )  # fmt: skip
    expected = _straight(issues, CELL_FIELDS)
    assert found.cells == {} and found.choices == {}
    assert found.trend == expected["trend"] and found.overdue_now == expected["overdue_now"]
