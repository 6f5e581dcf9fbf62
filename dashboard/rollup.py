"""The roll-up of issues: IssueMonthStat (per committee and village, with the issues closed
then) and IssueMonthChoiceStat (per committee and one status, level or source), for every month
before the current one, and for every day before today of the current month and the two before
it (where issues still change most: a change there costs the dashboard a day's live count, not a
month's).

Rebuilt every quarter hour by a Celery beat task (and by `manage.py refresh_dashboard_rollup`):
three grouped queries over the past months' issues, three over the recent days', and one bulk
insert per table, a few seconds at a million issues. The dashboard reads it only for months that
nothing has touched since (dashboard/cube.py), so a stale roll-up costs speed, never
correctness."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Count
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone

from dashboard.models import IssueMonthChoiceStat, IssueMonthStat
from dashboard.periods import add_months
from issues.models import Issue, Status
from issues.selectors import rate_count_expressions

KEY = ("township_id", "bucket", "committee_id")
DAY_ROWS_MONTHS = 3  # the current month and the two before it are also rolled up by day
CHOICE_DIMENSIONS = tuple(IssueMonthChoiceStat.Dimension.values)


def as_date(value) -> dt.date:
    """A TruncMonth result as the local date it stands for."""
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def day_start(day: dt.date) -> dt.datetime:
    """The local midnight starting `day` (aware)."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


month_start = day_start  # of the month's first day


def _grouped(issues, date_field: str, columns: tuple[str, ...], counts: dict, *, daily: bool):
    tz = timezone.get_current_timezone()
    trunc = TruncDate(date_field, tzinfo=tz) if daily else TruncMonth(date_field, tzinfo=tz)
    return issues.annotate(bucket=trunc).values(*KEY, *columns).annotate(**counts).order_by()


def issue_month_stats_refresh(*, township_id: int | None = None, now=None) -> int:
    """Rebuild the roll-up: every month before the current one and every day of the current month
    before today (all townships, or one). Returns the number of IssueMonthStat rows written."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    this_month, tonight = month_start(today.replace(day=1)), day_start(today)
    first_day = month_start(add_months(today.replace(day=1), 1 - DAY_ROWS_MONTHS))
    issues = Issue.objects.exclude(status=Status.MERGED)
    if township_id is not None:
        issues = issues.filter(township_id=township_id)
    counts = rate_count_expressions(now=now)
    stats: dict[tuple, dict] = {}
    choices: dict[tuple, dict] = {}
    for daily, low, high in ((False, None, this_month), (True, first_day, tonight)):
        span = {"__lt": high} if low is None else {"__gte": low, "__lt": high}
        reported = issues.filter(**{f"reported_at{k}": v for k, v in span.items()})
        for row in _grouped(reported, "reported_at", ("village_id",), counts, daily=daily):
            stats[_key(row, daily, row["village_id"])] = {k: row[k] for k in counts}
        closed = issues.filter(**{f"closed_at{k}": v for k, v in span.items()})
        for row in _grouped(closed, "closed_at", ("village_id",), {"closed": Count("*")},
                            daily=daily):  # fmt: skip
            stats.setdefault(_key(row, daily, row["village_id"]), {})["closed"] = row["closed"]
        for row in _grouped(reported, "reported_at", CHOICE_DIMENSIONS, counts, daily=daily):
            for dimension in CHOICE_DIMENSIONS:
                key = _key(row, daily, dimension, row[dimension])
                into = choices.setdefault(key, dict.fromkeys(counts, 0))
                for k in counts:
                    into[k] += row[k]

    with transaction.atomic():
        for model in (IssueMonthStat, IssueMonthChoiceStat):
            old = model.objects.all()
            if township_id is not None:
                old = old.filter(township_id=township_id)
            old.delete()
        IssueMonthStat.objects.bulk_create(
            (
                IssueMonthStat(township_id=t, month=m, day=d, committee_id=c, village_id=v,
                               computed_at=now, **figures)
                for (t, m, d, c, v), figures in stats.items()
            ),
            batch_size=2000,
        )  # fmt: skip
        IssueMonthChoiceStat.objects.bulk_create(
            (
                IssueMonthChoiceStat(township_id=t, month=m, day=d, committee_id=c,
                                     dimension=dim, value=v, computed_at=now, **figures)
                for (t, m, d, c, dim, v), figures in choices.items()
            ),
            batch_size=2000,
        )  # fmt: skip
    return len(stats)


def _key(row: dict, daily: bool, *rest) -> tuple:
    """(township, month, day or None, committee, …) of a grouped row."""
    bucket = as_date(row["bucket"])
    month, day = (bucket.replace(day=1), bucket) if daily else (bucket, None)
    return (row["township_id"], month, day, row["committee_id"], *rest)
