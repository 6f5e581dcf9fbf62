"""The roll-up of issues: IssueMonthStat (per committee and village, with the issues closed
then) and IssueMonthChoiceStat (per committee and one status, level or source), for every month,
and for every day of the current month and the two before it (a custom range's partial months
are served by day there).

Two kinds of rows, summed by every read (dashboard/cube.py):
- the roll-up (`delta` false), rebuilt every quarter hour by a Celery beat task (and by
  `manage.py refresh_dashboard_rollup`): three grouped queries over all issues, three over the
  recent days', one bulk insert per table, a few seconds at a million issues;
- the changes since (`delta` true): `issue_stats_record`, called by issues/workflow.py inside
  the transaction of every report and transition (the hook registered in apps.py), writes −1
  for the issue's counts as they were and +1 for them as they are, per bucket.

The rebuild reads the issues and deletes the rows it replaces in one REPEATABLE READ
transaction (on PostgreSQL), so a change committed after its snapshot keeps its delta rows and
one committed before is counted once, in the new roll-up: roll-up + deltas = the issues, at
every instant. A write that bypasses the two services (a raw UPDATE, a bulk load) shows after
the next rebuild: tests/test_architecture.py fails on a status assigned outside the
workflow, and tests/issues/test_rollup_doors.py tries every door that reports or moves an issue.

The counts stored are those that do not change with the clock (`stored_count_expressions`);
overdue and "contact limit passed" are added at read time from the open and not yet contacted
issues, a few thousand rows whatever the size of the history.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import connection, transaction
from django.db.models import Count, DateField, F, Q
from django.db.models.functions import Cast, TruncDate, TruncMonth
from django.utils import timezone

from dashboard.models import IssueMonthChoiceStat, IssueMonthStat
from dashboard.periods import add_months
from issues.models import OPEN_STATUSES, Issue, Outcome, Satisfaction, Status
from issues.selectors import rate_count_expressions

DAY_ROWS_MONTHS = 3  # the current month and the two before it are also rolled up by day
CHOICE_DIMENSIONS = tuple(IssueMonthChoiceStat.Dimension.values)
CONFIRMED = (Satisfaction.SATISFIED, Satisfaction.BASIC)


def stored_count_expressions() -> dict:
    """The counts a roll-up row stores: `rate_count_expressions` without the two that move
    with the clock (overdue; contact_counted, stored as its parts contacted + contact_limited
    and corrected at read time for the limits still running)."""
    counts = rate_count_expressions()
    del counts["overdue"], counts["contact_counted"]
    counts["contacted"] = Count("pk", filter=Q(first_contact_at__isnull=False))
    counts["contact_limited"] = Count(
        "pk", filter=Q(first_contact_at__isnull=True, contact_due_at__isnull=False)
    )
    return counts


STORED_KEYS = tuple(stored_count_expressions())


def stored_counts(issue: Issue) -> dict:
    """`stored_count_expressions` of one issue, in Python (the delta's twin; the tests compare
    the dashboard with a live count after random changes)."""
    confirmed = issue.satisfaction in CONFIRMED
    contacted = issue.first_contact_at is not None
    return {
        "total": 1,
        "open": int(issue.status in OPEN_STATUSES),
        "contacted_in_time": int(
            contacted
            and (issue.contact_due_at is None or issue.first_contact_at <= issue.contact_due_at)
        ),
        "resolved": int(issue.outcome == Outcome.RESOLVED and confirmed),
        "explained": int(issue.outcome == Outcome.EXPLAINED),
        "rated": int(issue.satisfaction != ""),
        "satisfied": int(confirmed),
        "contacted": int(contacted),
        "contact_limited": int(not contacted and issue.contact_due_at is not None),
    }


def as_date(value) -> dt.date:
    """A TruncMonth result as the local date it stands for."""
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def day_start(day: dt.date) -> dt.datetime:
    """The local midnight starting `day` (aware)."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


month_start = day_start  # of the month's first day


def first_rolled_day(built: dt.datetime) -> dt.date:
    """The first day the roll-up built at `built` holds by day."""
    return add_months(timezone.localdate(built).replace(day=1), 1 - DAY_ROWS_MONTHS)


def _repeatable_read() -> None:
    """One snapshot for the reads and the delete (PostgreSQL; SQLite transactions are
    serialisable). Only possible as the transaction's first statement: inside a caller's
    transaction (the tests) the caller's isolation holds."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")


def issue_month_stats_refresh(*, township_id: int | None = None, now=None) -> int:
    """Rebuild the roll-up: every month and every day of the last three months (all townships,
    or one), folding in the delta rows it replaces. Ten INSERT … SELECT statements (month and day;
    reported, closed, and one per choice dimension): no row passes through Python, so a city's
    25 million issues cost their scans only. Returns the number of IssueMonthStat rows written."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost:
            _repeatable_read()
        now = now or timezone.now()
        for model in (IssueMonthStat, IssueMonthChoiceStat):
            old = model.objects.all()
            if township_id is not None:
                old = old.filter(township_id=township_id)
            old.delete()
        issues = Issue.objects.exclude(status=Status.MERGED)
        if township_id is not None:
            issues = issues.filter(township_id=township_id)
        first = month_start(first_rolled_day(now))
        written = 0
        for daily in (False, True):
            reported = issues.filter(reported_at__gte=first) if daily else issues
            closed = issues.filter(closed_at__isnull=False)
            closed = closed.filter(closed_at__gte=first) if daily else closed
            written += _load(IssueMonthStat, _buckets(reported, "reported_at", daily, v="village_id"),
                             now, counts=True)  # fmt: skip
            written += _load(IssueMonthStat, _buckets(closed, "closed_at", daily, v="village_id"),
                             now, counts=False)  # fmt: skip
            for dimension in CHOICE_DIMENSIONS:
                rows = _buckets(reported, "reported_at", daily, x=dimension)
                _load(IssueMonthChoiceStat, rows, now, counts=True, dimension=dimension)
    return written


def _buckets(issues, date_field: str, daily: bool, **column):
    """The issues grouped by township, month (and day), committee and one more column (`v`, or
    `x` for a choice dimension), with the stored counts (or `n` closed)."""
    tz = timezone.get_current_timezone()
    keys = {
        "t": F("township_id"),
        "m": Cast(TruncMonth(date_field, tzinfo=tz), DateField()),
        "c": F("committee_id"),
        **{alias: F(name) for alias, name in column.items()},
    }
    if daily:
        keys["d"] = TruncDate(date_field, tzinfo=tz)
    counts = stored_count_expressions() if date_field == "reported_at" else {"n": Count("*")}
    return issues.values(**keys).annotate(**counts).order_by()


def _load(model, grouped, now, *, counts: bool, dimension: str | None = None) -> int:
    """INSERT INTO the roll-up table SELECT … FROM the grouped query; returns the rows."""
    sql, params = grouped.query.sql_with_params()
    daily = "d" in grouped.query.annotation_select
    columns = {"township_id": "t", "month": "m", "day": "d" if daily else "NULL",
               "committee_id": "c", "delta": "%s", "computed_at": "%s"}  # fmt: skip
    columns.update({k: k if counts else "0" for k in STORED_KEYS})
    if model is IssueMonthStat:
        columns.update({"village_id": "v", "closed": "0" if counts else "n"})
    else:
        columns.update({"dimension": "%s", "value": "x"})
    names, values = ", ".join(columns), ", ".join(columns.values())
    fixed = [False, now] + ([dimension] if model is IssueMonthChoiceStat else [])
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {model._meta.db_table} ({names}) "  # noqa: S608 - our own names
            f"SELECT {values} FROM ({sql}) AS grouped",
            [*fixed, *params],
        )
        return cursor.rowcount


# --- Deltas: the changes since the roll-up -------------------------------------------------------
def _contribution(issue: Issue | None, sign: int, stats: dict, choices: dict) -> None:
    """Add `sign` × the issue's counts to its buckets, by month and by day (merged: none)."""
    if issue is None or issue.status == Status.MERGED:
        return
    counts = stored_counts(issue)
    day = timezone.localdate(issue.reported_at)
    for bucket in (None, day):
        key = (issue.township_id, day.replace(day=1), bucket, issue.committee_id)
        into = stats[(*key, issue.village_id)]
        for k, n in counts.items():
            into[k] += sign * n
        for dimension in CHOICE_DIMENSIONS:
            into = choices[(*key, dimension, getattr(issue, dimension))]
            for k, n in counts.items():
                into[k] += sign * n
    if issue.closed_at is not None:
        closed = timezone.localdate(issue.closed_at)
        for bucket in (None, closed):
            key = (issue.township_id, closed.replace(day=1), bucket, issue.committee_id)
            stats[(*key, issue.village_id)]["closed"] += sign


def issue_stats_record(*, before: Issue | None, after: Issue) -> int:
    """Record the change of one issue as delta rows (−before, +after), in the caller's
    transaction: at most two small INSERTs, none when no count moved. Returns the rows."""
    stats: dict = defaultdict(lambda: defaultdict(int))
    choices: dict = defaultdict(lambda: defaultdict(int))
    _contribution(before, -1, stats, choices)
    _contribution(after, +1, stats, choices)
    now = timezone.now()
    stat_rows = [
        IssueMonthStat(township_id=t, month=m, day=d, committee_id=c, village_id=v, delta=True,
                       computed_at=now, **figures)
        for (t, m, d, c, v), figures in stats.items()
        if any(figures.values())
    ]  # fmt: skip
    choice_rows = [
        IssueMonthChoiceStat(township_id=t, month=m, day=d, committee_id=c, dimension=dim,
                             value=v, delta=True, computed_at=now, **figures)
        for (t, m, d, c, dim, v), figures in choices.items()
        if any(figures.values())
    ]  # fmt: skip
    if stat_rows:
        IssueMonthStat.objects.bulk_create(stat_rows)
    if choice_rows:
        IssueMonthChoiceStat.objects.bulk_create(choice_rows)
    return len(stat_rows) + len(choice_rows)
