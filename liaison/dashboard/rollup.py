"""The monthly roll-up of issues (IssueMonthStat): rebuilt nightly by a Celery beat task (and by
`manage.py refresh_dashboard_rollup`), read by the dashboard's trend for the months before it was
built. Rebuilding is two grouped queries over the past months and one bulk insert."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils import timezone

from issues.models import Issue, Status
from issues.selectors import rate_count_expressions

from .models import IssueMonthStat

KEY = ("township_id", "month", "committee_id", "village_id")


def _as_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def issue_month_stats_refresh(*, township_id: int | None = None, now=None) -> int:
    """Rebuild the roll-up of every month before the current one (all townships, or one).
    Returns the number of rows written."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    cutoff = dt.datetime.combine(today.replace(day=1), dt.time.min,
                                 tzinfo=timezone.get_current_timezone())  # fmt: skip
    tz = timezone.get_current_timezone()
    issues = Issue.objects.exclude(status=Status.MERGED)
    if township_id is not None:
        issues = issues.filter(township_id=township_id)
    cohort = (
        issues.filter(reported_at__lt=cutoff)
        .annotate(month=TruncMonth("reported_at", tzinfo=tz))
        .values(*KEY)
        .annotate(**rate_count_expressions(now=now))
        .order_by()
    )
    closed = (
        issues.filter(closed_at__lt=cutoff)
        .annotate(month=TruncMonth("closed_at", tzinfo=tz))
        .values(*KEY)
        .annotate(closed=Count("pk"))
        .order_by()
    )
    rows: dict[tuple, dict] = {}
    for row in cohort:
        key = (row["township_id"], _as_date(row["month"]), row["committee_id"], row["village_id"])
        rows[key] = {k: v for k, v in row.items() if k not in KEY}
    for row in closed:
        key = (row["township_id"], _as_date(row["month"]), row["committee_id"], row["village_id"])
        rows.setdefault(key, {})["closed"] = row["closed"]
    stats = [
        IssueMonthStat(township_id=t, month=m, committee_id=c, village_id=v, computed_at=now,
                       **counts)
        for (t, m, c, v), counts in rows.items()
    ]  # fmt: skip
    with transaction.atomic():
        old = IssueMonthStat.objects.all()
        if township_id is not None:
            old = old.filter(township_id=township_id)
        old.delete()
        IssueMonthStat.objects.bulk_create(stats, batch_size=2000)
    return len(stats)
