"""The issue figures of a dashboard: from the roll-up where it is exact, live elsewhere.

The roll-up (dashboard/rollup.py) holds the counts of every past month, and of every past
day of the last three months, as they were when it was built. The period and the trend are split
into those buckets, where they lie wholly inside and nothing has touched them since the roll-up
was built (read from IssueMonthStat and IssueMonthChoiceStat), and the rest, counted live from the
issues: today, the partial months of a custom range, and any bucket holding an issue updated since
the roll-up (or whose contact limit has passed since, as the response rate counts those). A month
touched since is served by its untouched days where the roll-up has them. Both parts add up to
what one live count over the period gives (the tests compare the two), so every figure agrees
with the list behind it, while a year at city scale reads a few thousand roll-up rows instead of a
third of a million issues, and this month a day's issues instead of a month's.

A work group's dashboard follows its households into other villages, which the roll-up does not
key on: it is always counted live. Queries: three to find the buckets the roll-up may serve, four
for its rows (trend, period by committee × village, by status/level/source, closed), three live (committee × village × month, status × level × source, closed per month),
one more when the trend reaches live ranges outside the period, and up to two for the names of
committees and villages counted live only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Min, Q, Sum
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone

from committees.models import Committee
from dashboard.access import DashboardScope
from dashboard.models import IssueMonthChoiceStat, IssueMonthStat
from dashboard.periods import Period, add_months, trend_months
from dashboard.rollup import CHOICE_DIMENSIONS, DAY_ROWS_MONTHS, as_date, day_start, month_start
from issues.models import OPEN_STATUSES, Issue, IssueEvent, Status
from issues.selectors import rate_count_expressions
from liaison.models import Village

# A bucket of the roll-up: (first day of the month, None) for a whole month, (first day of the
# month, the day) for one day of the current month.
Bucket = tuple[dt.date, dt.date | None]
Span = tuple[dt.datetime, dt.datetime]

COUNT_KEYS = tuple(rate_count_expressions())


def zero() -> dict:
    return dict.fromkeys(COUNT_KEYS, 0)


def add_into(into: dict, row: dict) -> None:
    for k in COUNT_KEYS:
        into[k] += row[k]


@dataclass
class Cell:
    """The counts of one (committee, village) of the period, with the names."""

    counts: dict = field(default_factory=zero)
    committee_name: str | None = None
    village_name: str | None = None


@dataclass
class IssueCube:
    """What the dashboard's issue figures are folded from."""

    cells: dict[tuple, Cell]  # (committee_id, village_id) → counts of the period
    choices: dict[tuple, dict]  # (dimension, value) → counts of the period
    trend: dict[dt.date, dict]  # month → counts of the issues reported in it
    closed: dict[dt.date, int]  # month → issues closed in it
    rolled: tuple[Bucket, ...]  # the buckets the roll-up could serve

    @property
    def rolled_months(self) -> tuple[dt.date, ...]:
        return tuple(month for month, day in self.rolled if day is None)

    @property
    def rolled_days(self) -> tuple[dt.date, ...]:
        return tuple(day for _month, day in self.rolled if day is not None)

    def totals(self) -> dict:
        into = zero()
        for cell in self.cells.values():
            add_into(into, cell.counts)
        return into


def bucket_span(bucket: Bucket) -> Span:
    month, day = bucket
    if day is None:
        return month_start(month), month_start(add_months(month, 1))
    return day_start(day), day_start(day + dt.timedelta(days=1))


def _ranges_q(ranges: list[Span], field_name: str = "reported_at") -> Q:
    """`field_name` within any of the ranges (adjacent ranges merged)."""
    merged: list[list[dt.datetime]] = []
    for low, high in sorted(ranges):
        if merged and low <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], high)
        else:
            merged.append([low, high])
    q = Q(pk__in=[])
    for low, high in merged:
        q |= Q(**{f"{field_name}__gte": low, f"{field_name}__lt": high})
    return q


@dataclass(frozen=True)
class Rollable:
    """The buckets the roll-up may serve, without overlaps: for the issues reported in them, and
    for the issues closed in them (which change only when one is closed, which happens today,
    or reopened)."""

    reported: frozenset = frozenset()
    closed: frozenset = frozenset()


def _served(months: list[dt.date], days: list[dt.date], dirty: set[dt.date]) -> frozenset:
    """Whole months without a dirty day, else their clean days."""
    whole = {m for m in months if m not in {d.replace(day=1) for d in dirty}}
    return frozenset(
        {(m, None) for m in whole}
        | {(d.replace(day=1), d) for d in days if d not in dirty and d.replace(day=1) not in whole}
    )


def rollable_buckets(scope: DashboardScope, first: dt.date, *, now) -> Rollable:
    """The buckets from the month `first` on that the roll-up holds and that nothing has changed
    in since it was built: a whole month where it is untouched, else its untouched days where
    the roll-up has them. Three queries (none for a work group)."""
    if scope.kind == "workgroup":
        return Rollable()
    stats = IssueMonthStat.objects.all()
    if scope.township_id is not None:
        stats = stats.filter(township_id=scope.township_id)
    since = stats.aggregate(at=Min("computed_at"))["at"]
    if since is None:
        return Rollable()
    # the roll-up holds every month and recent day that had ended when it was built (one
    # without rows had no issues then)
    built_on = timezone.localdate(since)
    built_month = built_on.replace(day=1)
    this_month = timezone.localdate(now).replace(day=1)
    months, month = [], first
    while month < min(built_month, this_month):
        months.append(month)
        month = add_months(month, 1)
    day = max(first, add_months(built_month, 1 - DAY_ROWS_MONTHS))
    days = []
    while day < built_on:
        days.append(day)
        day += dt.timedelta(days=1)
    if not months and not days:
        return Rollable()
    issues = Issue.objects.all()
    if scope.township_id is not None:
        issues = issues.filter(township_id=scope.township_id)
    touched = set(
        issues.filter(
            Q(updated_at__gt=since)
            | Q(first_contact_at__isnull=True, contact_due_at__gt=since, contact_due_at__lte=now)
            # overdue is read-time (issues/readtime.py): a result limit passed since counts too
            | Q(status__in=OPEN_STATUSES, due_at__gt=since, due_at__lte=now),
            reported_at__gte=month_start(first),
            reported_at__lt=day_start(built_on),
        )
        .annotate(day=TruncDate("reported_at", tzinfo=timezone.get_current_timezone()))
        .values_list("day", flat=True)
        .distinct()
        .order_by()
    )
    reopened = IssueEvent.objects.filter(
        at__gt=since, action="reopen", issue__in=issues, payload__closed_at__isnull=False
    ).values_list("payload__closed_at", flat=True)
    tz = timezone.get_current_timezone()
    unclosed = {dt.datetime.fromisoformat(at).astimezone(tz).date() for at in reopened}
    return Rollable(_served(months, days, touched), _served(months, days, unclosed))


def _split(low: dt.datetime, high: dt.datetime, rolled: set[Bucket]):
    """The buckets wholly inside [low, high) and the ranges left to count live."""
    served, live, cursor = [], [], low
    for bucket in sorted(rolled, key=bucket_span):
        b_low, b_high = bucket_span(bucket)
        if b_low < low or b_high > high:
            continue
        if cursor < b_low:
            live.append((cursor, b_low))
        served.append(bucket)
        cursor = b_high
    if cursor < high:
        live.append((cursor, high))
    return served, live


def _buckets_q(buckets: list[Bucket]) -> Q:
    months = [month for month, day in buckets if day is None]
    days = [day for _month, day in buckets if day is not None]
    return Q(day__isnull=True, month__in=months) | Q(day__in=days)


def _clip(spans: list[Span], month: dt.date) -> list[Span]:
    """The parts of `spans` within the month."""
    low, high = bucket_span((month, None))
    return [(max(a, low), min(b, high)) for a, b in spans if a < high and b > low]


def issue_cube(scope: DashboardScope, period: Period, *, now=None) -> IssueCube:
    """The period's counts by (committee, village) and by status, level and source, and the
    trend's monthly counts, in seven to eleven queries whatever the number of issues."""
    now = now or timezone.now()
    months = trend_months(period)
    rollable = rollable_buckets(scope, months[0], now=now)
    rolled = rollable.reported
    low, high = period.bounds()
    period_served, period_live = _split(low, high, rolled)
    trend_span = month_start(months[0]), month_start(add_months(months[-1], 1))
    trend_served, trend_live = _split(*trend_span, rolled)
    closed_served, closed_live = _split(*trend_span, rollable.closed)

    cells: dict[tuple, Cell] = {}
    trend: dict[dt.date, dict] = {m: zero() for m in months}
    closed: dict[dt.date, int] = dict.fromkeys(months, 0)
    choices: dict[tuple, dict] = {}

    if trend_served:
        rows = _stats_of(scope, IssueMonthStat, trend_served).values("month")
        for row in rows.annotate(**{k: Sum(k) for k in COUNT_KEYS}).order_by():
            add_into(trend[row["month"]], row)
    if period_served:
        rows = _stats_of(scope, IssueMonthStat, period_served).values(
            "committee_id", "committee__name", "village_id", "village__name"
        )
        for row in rows.annotate(**{k: Sum(k) for k in COUNT_KEYS}).order_by():
            if row["total"]:  # (a row may hold only issues closed then)
                _add_cell(cells, row)
    if closed_served:
        rows = _stats_of(scope, IssueMonthStat, closed_served).values("month")
        for row in rows.annotate(n=Sum("closed")).order_by():
            closed[row["month"]] += row["n"]
    if period_served:
        stats = _stats_of(scope, IssueMonthChoiceStat, period_served)
        rows = stats.values("dimension", "value").annotate(**{k: Sum(k) for k in COUNT_KEYS})
        for row in rows.order_by():
            add_into(choices.setdefault((row["dimension"], row["value"]), zero()), row)

    counts = rate_count_expressions(now=now)
    tz = timezone.get_current_timezone()
    live_issues = Issue.objects.filter(scope.issues_q()).exclude(status=Status.MERGED)
    # the trend's months whose live part is exactly the period's live part in them: the period's
    # live query counts them for the trend too
    clipped = {m: _clip(trend_live, m) for m in months}
    covered = {m for m in months if clipped[m] and clipped[m] == _clip(period_live, m)}
    if period_live:
        rows = (
            live_issues.filter(_ranges_q(period_live))
            .annotate(month=TruncMonth("reported_at", tzinfo=tz))
            .values("month", "committee_id", "village_id")
            .annotate(**counts)
            .order_by()
        )
        for row in rows:  # (the names are joined afterwards: grouping by them costs double)
            row["month"] = as_date(row["month"])
            _add_cell(cells, row)
            if row["month"] in covered:
                add_into(trend[row["month"]], row)
        rows = (
            live_issues.filter(_ranges_q(period_live))
            .values(*CHOICE_DIMENSIONS)
            .annotate(**counts)
            .order_by()
        )
        for row in rows:
            for dimension in CHOICE_DIMENSIONS:
                add_into(choices.setdefault((dimension, row[dimension]), zero()), row)
    rest = [span for m in months if m not in covered for span in clipped[m]]
    if rest:
        rows = (
            live_issues.filter(_ranges_q(rest))
            .annotate(month=TruncMonth("reported_at", tzinfo=tz))
            .values("month")
            .annotate(**counts)
            .order_by()
        )
        for row in rows:
            add_into(trend[as_date(row["month"])], row)
    if closed_live:
        rows = (
            live_issues.filter(_ranges_q(closed_live, "closed_at"))
            .annotate(month=TruncMonth("closed_at", tzinfo=tz))
            .values("month")
            .annotate(n=Count("*"))
            .order_by()
        )
        for row in rows:
            closed[as_date(row["month"])] += row["n"]
    _name_cells(cells)
    return IssueCube(cells, choices, trend, closed, tuple(sorted(rolled, key=bucket_span)))


def _name_cells(cells: dict) -> None:
    """Name the cells counted live only (at most two small queries)."""
    for index, model, attr in ((0, Committee, "committee_name"), (1, Village, "village_name")):
        ids = {key[index] for key, cell in cells.items() if key[index] and not getattr(cell, attr)}
        if ids:
            names = dict(model.objects.filter(pk__in=ids).values_list("pk", "name"))
            for key, cell in cells.items():
                if key[index] in names:
                    setattr(cell, attr, names[key[index]])


def _stats_of(scope: DashboardScope, model, buckets: list[Bucket]):
    stats = model.objects.filter(_buckets_q(buckets))
    if scope.township_id is not None:
        stats = stats.filter(township_id=scope.township_id)
    if scope.kind == "committee":
        stats = stats.filter(committee_id__in=scope.committee_ids)
    return stats


def _add_cell(cells: dict, row: dict) -> None:
    cell = cells.get((row["committee_id"], row["village_id"]))
    if cell is None:
        cell = cells[(row["committee_id"], row["village_id"])] = Cell(
            committee_name=row.get("committee__name"), village_name=row.get("village__name")
        )
    add_into(cell.counts, row)
