"""The issue figures of a dashboard: from the roll-up where it holds the buckets, live elsewhere.

The roll-up (dashboard/rollup.py) holds the counts of every month, and of every day of the last
three months, as the sum of its rows as built and the delta rows every change has added since,
so it is exact at every instant for the counts that do not move with the clock. The period and
the trend are split into buckets: whole months, and for a partial month its days where the
roll-up has them. What is left (the partial months of a custom range further back) is counted
live, and so is a work group's dashboard, which follows its households into other villages (the
roll-up does not key on them). The two counts that move with the clock — overdue, and the
contact limits still running — are read at request time from the open or not yet contacted
issues of the buckets served (dashboard/clock.py: two small grouped queries). Both parts add
up to what one live count over the period gives (the tests compare the two), so every figure
agrees with the list behind it, while a year at city scale reads a few thousand roll-up rows
instead of a third of a million issues, and fifty issues changed since the last rebuild cost
fifty times a few delta rows, not a recount of their days.

Queries with a roll-up: one for its build time, one for the trend (reported and closed per
month), two for the period (per committee × village; per status/level/source), two for the
clock-bound counts (which also count the scope's overdue issues now); plus, for a range reaching
partial months before the daily rows, three live ones, and up to two for the names of committees
and villages counted live only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Max, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from committees.models import Committee
from dashboard.access import DashboardScope
from dashboard.clock import clock_bound
from dashboard.models import IssueMonthChoiceStat, IssueMonthStat
from dashboard.periods import Period, add_months, trend_months
from dashboard.rollup import (
    CHOICE_DIMENSIONS,
    STORED_KEYS,
    as_date,
    day_start,
    first_rolled_day,
    month_start,
)
from issues.models import Issue, Status
from issues.selectors import rate_count_expressions
from liaison.models import Township, Village

# A bucket of the roll-up: (first day of the month, None) for a whole month, (first day of the
# month, the day) for one day of the last three months.
Bucket = tuple[dt.date, dt.date | None]
Span = tuple[dt.datetime, dt.datetime]

COUNT_KEYS = tuple(rate_count_expressions())


def zero() -> dict:
    return dict.fromkeys(COUNT_KEYS, 0)


def add_into(into: dict, row: dict) -> None:
    for k in COUNT_KEYS:
        into[k] += row[k]


# What the period's counts are keyed by: a township's committees × villages; the district's
# townships (343 of them at city scale: a few hundred cells, not tens of thousands).
CELL_FIELDS = ("committee_id", "village_id")
DISTRICT_CELL_FIELDS = ("township_id",)
NAMED_BY = {"committee_id": Committee, "village_id": Village, "township_id": Township}


def cell_fields(scope: DashboardScope) -> tuple[str, ...]:
    return DISTRICT_CELL_FIELDS if scope.is_district else CELL_FIELDS


def name_lookup(id_field: str) -> str:
    """`committee_id` → `committee__name`."""
    return f"{id_field.removesuffix('_id')}__name"


@dataclass
class Cell:
    """The counts of one cell of the period (see CELL_FIELDS), with the names of its keys."""

    counts: dict = field(default_factory=zero)
    names: dict = field(default_factory=dict)  # id field → name


@dataclass
class IssueCube:
    """What the dashboard's issue figures are folded from."""

    cells: dict[tuple, Cell]  # the values of `fields` → counts of the period
    choices: dict[tuple, dict]  # (dimension, value) → counts of the period
    trend: dict[dt.date, dict]  # month → counts of the issues reported in it
    closed: dict[dt.date, int]  # month → issues closed in it
    rolled: tuple[Bucket, ...]  # the buckets the roll-up could serve
    fields: tuple[str, ...] = CELL_FIELDS  # what the cells are keyed by
    # the scope's overdue issues now, where the clock-bound read counted them (dashboard/clock.py)
    overdue_now: int | None = None

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


def roll_up_first_day(scope: DashboardScope) -> dt.date | None:
    """The first day the roll-up holds by day (all months are held), or None when it cannot
    serve the scope: never built, or a work group's. One query (none for a work group)."""
    if scope.kind == "workgroup":
        return None
    stats = IssueMonthStat.objects.filter(delta=False)
    if scope.township_id is not None:
        stats = stats.filter(township_id=scope.township_id)
    built = stats.aggregate(at=Max("computed_at"))["at"]
    return None if built is None else first_rolled_day(built)


def _split(low: dt.datetime, high: dt.datetime, first_day: dt.date | None):
    """The roll-up's buckets that tile [low, high) — whole months, else days from `first_day`
    on — and the ranges left to count live."""
    if first_day is None:
        return [], [(low, high)]
    served: list[Bucket] = []
    live: list[Span] = []
    month = timezone.localtime(low).date().replace(day=1)
    while month_start(month) < high:
        m_low, m_high = bucket_span((month, None))
        if low <= m_low and m_high <= high:
            served.append((month, None))
        else:
            day = max(timezone.localtime(low).date(), month)
            while day_start(day) < min(high, m_high):
                if day >= first_day:
                    served.append((month, day))
                else:
                    live.append(bucket_span((month, day)))
                day += dt.timedelta(days=1)
        month = add_months(month, 1)
    return served, _merged(live)


def _merged(spans: list[Span]) -> list[Span]:
    out: list[Span] = []
    for low, high in spans:
        if out and out[-1][1] == low:
            out[-1] = (out[-1][0], high)
        else:
            out.append((low, high))
    return out


def _buckets_q(buckets: list[Bucket]) -> Q:
    months = [month for month, day in buckets if day is None]
    days = [day for _month, day in buckets if day is not None]
    return Q(day__isnull=True, month__in=months) | Q(day__in=days)


def _clip(spans: list[Span], month: dt.date) -> list[Span]:
    """The parts of `spans` within the month."""
    low, high = bucket_span((month, None))
    return [(max(a, low), min(b, high)) for a, b in spans if a < high and b > low]


def _as_counts(row: dict) -> dict:
    """A roll-up row's sums in the dashboard's counts, before the clock-bound part."""
    counts = {k: row[k] for k in STORED_KEYS if k in COUNT_KEYS}
    counts["overdue"] = 0
    counts["contact_counted"] = row["contacted"] + row["contact_limited"]
    return counts


def _sums() -> dict:
    return {k: Sum(k) for k in STORED_KEYS}


def issue_cube(scope: DashboardScope, period: Period, *, now=None) -> IssueCube:
    """The period's counts by committee × village (a district's: by township) and by status,
    level and source, and the trend's monthly counts, in five to ten queries whatever the number
    of issues."""
    now = now or timezone.now()
    fields = cell_fields(scope)
    months = trend_months(period)
    first_day = roll_up_first_day(scope)
    period_served, period_live = _split(*period.bounds(), first_day)
    trend_span = month_start(months[0]), month_start(add_months(months[-1], 1))
    trend_served, trend_live = _split(*trend_span, first_day)

    cells: dict[tuple, Cell] = {}
    trend: dict[dt.date, dict] = {m: zero() for m in months}
    closed: dict[dt.date, int] = dict.fromkeys(months, 0)
    choices: dict[tuple, dict] = {}

    if trend_served:  # (whole months: the trend's span is)
        rows = _stats_of(scope, IssueMonthStat, trend_served).values("month")
        for row in rows.annotate(**_sums(), n_closed=Sum("closed")).order_by():
            add_into(trend[row["month"]], _as_counts(row))
            closed[row["month"]] += row["n_closed"]
    if period_served:
        rows = _stats_of(scope, IssueMonthStat, period_served).values(
            *fields, *map(name_lookup, fields)
        )
        for row in rows.annotate(**_sums()).order_by():
            if row["total"]:  # (a row may hold only issues closed then)
                _add_cell(cells, fields, {**row, **_as_counts(row)})
        stats = _stats_of(scope, IssueMonthChoiceStat, period_served)
        rows = stats.values("dimension", "value").annotate(**_sums())
        for row in rows.order_by():
            if row["total"]:
                add_into(choices.setdefault((row["dimension"], row["value"]), zero()),
                         _as_counts(row))  # fmt: skip
    live_issues = Issue.objects.filter(scope.issues_q()).exclude(status=Status.MERGED)
    rolled = tuple(sorted(set(trend_served) | set(period_served), key=bucket_span))
    cube = IssueCube(cells, choices, trend, closed, rolled, fields)
    if trend_served or period_served:
        _clock_bound(live_issues, trend_served, period_served, now, cube)
    _count_live(
        live_issues, months, period_live, trend_live, now, cells, choices, trend, closed, fields
    )
    _name_cells(cells, fields)
    return cube


def _clock_bound(issues, trend_served, period_served, now, cube: IssueCube) -> None:
    """Overdue, and the contact limits still running, of the issues in the served buckets
    (dashboard/clock.py), added into the cube's cells, choices and trend."""
    served = _ranges_q([bucket_span(b) for b in trend_served + period_served])
    in_period = _ranges_q([bucket_span(b) for b in period_served])
    months = {month for month, day in trend_served if day is None}
    found = clock_bound(
        issues, served=served, in_period=in_period, months=months, fields=cube.fields, now=now
    )

    def adjust(counts: dict) -> dict:
        return {**zero(), "overdue": counts["overdue"], "contact_counted": -counts["running"]}

    for key, counts in found.cells.items():
        _add_cell(cube.cells, cube.fields, {**dict(zip(cube.fields, key, strict=True)),
                                            **adjust(counts)})  # fmt: skip
    for key, counts in found.choices.items():
        add_into(cube.choices.setdefault(key, zero()), adjust(counts))
    for month, counts in found.trend.items():
        add_into(cube.trend[month], adjust(counts))
    cube.overdue_now = found.overdue_now


def _count_live(
    issues, months, period_live, trend_live, now, cells, choices, trend, closed, fields
):
    """The ranges the roll-up cannot serve, counted from the issues (none with a roll-up, but
    a custom range's partial months before its daily rows)."""
    counts = rate_count_expressions(now=now)
    tz = timezone.get_current_timezone()
    # the trend's months whose live part is exactly the period's live part in them: the period's
    # live query counts them for the trend too
    clipped = {m: _clip(trend_live, m) for m in months}
    covered = {m for m in months if clipped[m] and clipped[m] == _clip(period_live, m)}
    if period_live:
        rows = (
            issues.filter(_ranges_q(period_live))
            .annotate(month=TruncMonth("reported_at", tzinfo=tz))
            .values("month", *fields)
            .annotate(**counts)
            .order_by()
        )
        for row in rows:  # (the names are joined afterwards: grouping by them costs double)
            row["month"] = as_date(row["month"])
            _add_cell(cells, fields, row)
            if row["month"] in covered:
                add_into(trend[row["month"]], row)
        rows = issues.filter(_ranges_q(period_live)).values(*CHOICE_DIMENSIONS)
        for row in rows.annotate(**counts).order_by():
            for dimension in CHOICE_DIMENSIONS:
                add_into(choices.setdefault((dimension, row[dimension]), zero()), row)
    rest = [span for m in months if m not in covered for span in clipped[m]]
    if rest:
        rows = (
            issues.filter(_ranges_q(rest))
            .annotate(month=TruncMonth("reported_at", tzinfo=tz))
            .values("month")
            .annotate(**counts)
            .order_by()
        )
        for row in rows:
            add_into(trend[as_date(row["month"])], row)
    if trend_live:
        rows = (
            issues.filter(_ranges_q(trend_live, "closed_at"))
            .annotate(month=TruncMonth("closed_at", tzinfo=tz))
            .values("month")
            .annotate(n=Count("*"))
            .order_by()
        )
        for row in rows:
            closed[as_date(row["month"])] += row["n"]


def _name_cells(cells: dict, fields: tuple[str, ...]) -> None:
    """Name the cells counted live only (a small query per field, at most two)."""
    for index, id_field in enumerate(fields):
        ids = {
            key[index] for key, cell in cells.items() if key[index] and id_field not in cell.names
        }
        if ids:
            model = NAMED_BY[id_field]
            names = dict(model.objects.filter(pk__in=ids).values_list("pk", "name"))
            for key, cell in cells.items():
                if key[index] in names:
                    cell.names[id_field] = names[key[index]]


def _stats_of(scope: DashboardScope, model, buckets: list[Bucket]):
    stats = model.objects.filter(_buckets_q(buckets))
    if scope.township_id is not None:
        stats = stats.filter(township_id=scope.township_id)
    if scope.kind == "committee":
        stats = stats.filter(committee_id__in=scope.committee_ids)
    return stats


def _add_cell(cells: dict, fields: tuple[str, ...], row: dict) -> None:
    key = tuple(row[f] for f in fields)
    cell = cells.get(key)
    if cell is None:
        names = {f: row[name_lookup(f)] for f in fields if row.get(name_lookup(f))}
        cell = cells[key] = Cell(names=names)
    add_into(cell.counts, row)
