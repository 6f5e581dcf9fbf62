"""The dashboard's counts that move with the clock: overdue, and the contact limits still running.

The roll-up (dashboard/rollup.py) cannot hold them, so they are read at request time from the
issues overdue now or with a contact limit running — the open and the not yet contacted ones —
for the roll-up's buckets that serve the period and the trend (dashboard/cube.py adds them in),
together with the scope's overdue issues now, whenever reported.

Two small GROUP BY queries: by the cells' fields × month, with the period, the served buckets and
"now" as FILTERs (the cells, the trend and the overdue count now in one pass), and by status ×
level × source within the period. At city scale a district's open issues are some 180,000 rows,
and every pass over them costs 0.1–0.2 s: the two queries of before (by month × period × status
× level × source, a grouping whose size PostgreSQL could not estimate, so it sorted every row on
disk: 0.36 s) and the overdue count of its own became these two; one GROUPING SETS query over the
same rows took 0.6 s.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from dashboard.rollup import CHOICE_DIMENSIONS, as_date
from issues.readtime import overdue_q


@dataclass
class ClockBound:
    """{"overdue": n, "running": n} per cell key (the values of `fields`) and per (dimension,
    value) within the period, per served month, and the scope's overdue issues now."""

    cells: dict[tuple, dict] = field(default_factory=dict)
    choices: dict[tuple, dict] = field(default_factory=dict)
    trend: dict[dt.date, dict] = field(default_factory=dict)
    overdue_now: int = 0


def clock_bound(
    issues: QuerySet, *, served: Q, in_period: Q, months: set, fields: tuple, now
) -> ClockBound:
    """The clock-bound counts of `issues` reported within `served` (the roll-up's buckets: whole
    months `months`, and days), within `in_period` for the cells and the choices. Two queries."""
    result = ClockBound()
    overdue, running = overdue_q(now), Q(first_contact_at__isnull=True, contact_due_at__gte=now)
    hot = issues.filter(overdue | running).order_by()
    month = TruncMonth("reported_at", tzinfo=timezone.get_current_timezone())
    rows = (
        hot.annotate(month=month)
        .values(*fields, "month")
        .annotate(
            overdue=Count("pk", filter=in_period & overdue),
            running=Count("pk", filter=in_period & running),
            served_overdue=Count("pk", filter=served & overdue),
            served_running=Count("pk", filter=served & running),
            overdue_now=Count("pk", filter=overdue),
        )
    )
    for row in rows:
        result.overdue_now += row["overdue_now"]
        if row["overdue"] or row["running"]:
            _add(result.cells, tuple(row[f] for f in fields), row)
        if as_date(row["month"]) in months:
            _add(result.trend, as_date(row["month"]), {"overdue": row["served_overdue"],
                                                       "running": row["served_running"]})  # fmt: skip
    counts = {"overdue": Count("pk", filter=overdue), "running": Count("pk", filter=running)}
    for row in hot.filter(in_period).values(*CHOICE_DIMENSIONS).annotate(**counts):
        for dimension in CHOICE_DIMENSIONS:
            _add(result.choices, (dimension, row[dimension]), row)
    return result


def _counts(row: dict) -> dict:
    return {"overdue": row["overdue"], "running": row["running"]}


def _add(into: dict, key, row: dict) -> None:
    counts = into.setdefault(key, {"overdue": 0, "running": 0})
    for name, n in _counts(row).items():
        counts[name] += n
