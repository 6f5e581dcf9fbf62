"""Read-side of the dashboards: every figure is a database aggregate (COUNT … FILTER, GROUP BY,
TruncMonth), so a dashboard costs the same small number of queries whatever the data size.

Issues count in a period by the date they were reported (the issues list filters the same way,
so a figure and the list behind it agree). The rates come from `issues.selectors`, the one place
that defines them.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import (
    QuerySet,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from dashboard.access import DashboardScope
from dashboard.coverage import (
    _coverage_of,
    campaign_coverage,
    campaign_of,
    coverage_by_workgroup,
)
from dashboard.cube import IssueCube, add_into, issue_cube, name_lookup, zero
from dashboard.fairness import fair_ranking
from dashboard.periods import Period, month_period
from dashboard.surveys import survey_index
from issues.models import (
    Issue,
    IssueSettings,
    Level,
    Source,
    Status,
)
from issues.readtime import most_overdue_first, overdue_q
from issues.selectors import percent, rate_aggregates, rate_count_expressions, rates_from
from liaison.models import Township, WorkGroup

OVERDUE_LIST_LIMIT = 20


def scoped_issues(scope: DashboardScope, period: Period | None = None) -> QuerySet:
    """The scope's issues (merged duplicates excluded), reported within `period` if given."""
    qs = Issue.objects.filter(scope.issues_q()).exclude(status=Status.MERGED)
    if period is not None:
        low, high = period.bounds()
        qs = qs.filter(reported_at__gte=low, reported_at__lt=high)
    return qs


# --- Headline ----------------------------------------------------------------------------------
def weighted_score(rates: dict, settings: IssueSettings) -> float | None:
    """The composite score of the county scheme (weights editable, 30/35/35 by default); rates
    without data are left out and the remaining weights rescaled."""
    parts = [
        (rates["response_rate"], settings.weight_response),
        (rates["resolution_rate"], settings.weight_resolution),
        (rates["satisfaction_rate"], settings.weight_satisfaction),
    ]
    parts = [(rate, weight) for rate, weight in parts if rate is not None and weight]
    total = sum(weight for _rate, weight in parts)
    return round(sum(rate * weight for rate, weight in parts) / total, 1) if total else None


def issue_headline(scope: DashboardScope, period: Period, *, now=None) -> dict:
    """Counts and the three rates of the period (one query) and the composite score (one)."""
    return headline_from(rate_aggregates(scoped_issues(scope, period), now=now))


def headline_from(counts: dict) -> dict:
    rates = rates_from(counts)
    return {**counts, **rates, "score": weighted_score(rates, IssueSettings.current())}


# --- Breakdowns --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Dimension:
    key: str  # name of the breakdown
    field: str  # GROUP BY column
    label_field: str | None  # column that names the group (None: a choices field)
    filter_param: str  # the issues list's GET parameter
    filter_field: str  # the value of that parameter in the row


DIMENSIONS = {
    "status": Dimension("status", "status", None, "status", "status"),
    "level": Dimension("level", "level", None, "level", "level"),
    "source": Dimension("source", "source", None, "source", "source"),
    "committee": Dimension(
        "committee", "committee_id", "committee__name", "committee", "committee_id"
    ),
    "village": Dimension("village", "village_id", "village__name", "village", "village_id"),
    # The issues list has no department filter: a department's row links nowhere.
    "department": Dimension(
        "department", "department_id", "department__name", "department", "department_id"
    ),
    # A work group answers for one village (the 15 groups of the model township), so the list
    # behind a group's figure is the list of its village.
    "workgroup": Dimension(
        "workgroup",
        "village__workgroups__id",
        "village__workgroups__name",
        "village",
        "village_id",
    ),
    # A district's rows: a township's figure opens that township's dashboard (township_rows).
    "township": Dimension("township", "township_id", "township__name", "township", "township_id"),
}
CHOICE_LABELS = {
    "status": dict(Status.choices),
    "level": dict(Level.choices),
    "source": dict(Source.choices),
}
CHOICE_ORDER = {
    "status": list(Status.values),
    "level": list(Level.values),
    "source": list(Source.values),
}


def breakdown(
    scope: DashboardScope, period: Period, key: str, *, now=None, routed_only: bool = False
) -> list[dict]:
    """Issues of the period grouped by one dimension, with the rates of each group (one query).
    Rows: {"key", "label", "filters", total, open, overdue, …, the three rates}. `routed_only`
    leaves out the issues without a value (a ranking, which ranks named groups only, needs no
    "（未分派）" row: the department ranking then counts the few issues sent to a district
    department, not the whole period)."""
    dim = DIMENSIONS[key]
    columns = [dim.field] + ([dim.label_field] if dim.label_field else [])
    if dim.filter_field != dim.field:
        columns.append(dim.filter_field)
    issues = scoped_issues(scope, period)
    if routed_only:
        issues = issues.filter(**{f"{dim.field}__isnull": False})
    rows = issues.values(*columns).annotate(**rate_count_expressions(now=now)).order_by(dim.field)
    return _breakdown_rows(key, rows)


def _breakdown_rows(key: str, rows) -> list[dict]:
    dim = DIMENSIONS[key]
    labels = CHOICE_LABELS.get(key, {})
    result = []
    for row in rows:
        value = row[dim.field]
        if dim.label_field:
            label = row[dim.label_field] or _("（未分派）")
        else:
            label = str(labels.get(value, value or _("（未分派）")))
        filter_value = row[dim.filter_field] if key not in ("department", "township") else None
        result.append(
            {
                **row,
                **rates_from(row),
                "key": value,
                "label": label,
                "filters": {dim.filter_param: filter_value} if filter_value else None,
            }
        )
    if key in CHOICE_ORDER:
        order = CHOICE_ORDER[key]
        result.sort(key=lambda r: order.index(r["key"]) if r["key"] in order else len(order))
    return result


def ranking(rows: list[dict]) -> list[dict]:
    """Groups ranked by resolution rate, then satisfaction, then fewest overdue."""
    named = [r for r in rows if r["key"] is not None]
    return sorted(
        named,
        key=lambda r: (
            -(r["resolution_rate"] if r["resolution_rate"] is not None else -1),
            -(r["satisfaction_rate"] if r["satisfaction_rate"] is not None else -1),
            r["overdue"],
            r["label"],
        ),
    )


# --- Figures from the cube (roll-up + live) --------------------------------------------------
def _fold_cells(cube: IssueCube, id_key: str) -> list[dict]:
    """The period's cells summed by one of their keys (committee, village or township), as
    GROUP BY rows."""
    index = cube.fields.index(id_key)
    name_key = name_lookup(id_key)
    folded: dict = {}
    for key, cell in cube.cells.items():
        row = folded.get(key[index])
        if row is None:
            name = cell.names.get(id_key)
            row = folded[key[index]] = {id_key: key[index], name_key: name, **zero()}
        add_into(row, cell.counts)
    return [folded[k] for k in sorted(folded, key=lambda k: (k is None, k or 0))]


def issue_figures(scope: DashboardScope, period: Period, *, now=None) -> dict:
    """The headline counts, the status, level, source, committee and village breakdowns (a
    district's: the township breakdown instead), the monthly trend and the counts per village
    (for the work groups) or per township, from one IssueCube."""
    cube = issue_cube(scope, period, now=now)
    figures = {"totals": cube.totals(), "cube": cube}
    for key in ("status", "level", "source"):
        rows = [{key: value, **c} for (dim, value), c in cube.choices.items() if dim == key]
        figures[key] = _breakdown_rows(key, rows)
    figures["committee"] = figures["village"] = figures["township"] = []
    figures["village_counts"] = figures["township_counts"] = {}
    if scope.is_district:
        by_township = _fold_cells(cube, "township_id")
        figures["township"] = _breakdown_rows("township", by_township)
        figures["township_counts"] = {row["township_id"]: row for row in by_township}
    else:
        figures["committee"] = _breakdown_rows("committee", _fold_cells(cube, "committee_id"))
        by_village = _fold_cells(cube, "village_id")
        figures["village"] = _breakdown_rows("village", by_village)
        figures["village_counts"] = {row["village_id"]: row for row in by_village}
    figures["trend"] = _trend_rows(cube)
    return figures


def _trend_rows(cube: IssueCube) -> list[dict]:
    return [
        {
            "month": month,
            "label": f"{month:%Y-%m}",
            "reported": counts["total"],
            "closed": cube.closed[month],
            **rates_from(counts),
            "period": month_period(month.year, month.month),
        }
        for month, counts in sorted(cube.trend.items())
    ]


def monthly_trend(scope: DashboardScope, period: Period, *, now=None) -> list[dict]:
    """Per month of the trend (at least twelve, ending with the period's last): issues reported
    (with their rates) and issues closed."""
    return _trend_rows(issue_cube(scope, period, now=now))


# --- Overdue -----------------------------------------------------------------------------------
def overdue_issues(scope: DashboardScope, *, limit: int = OVERDUE_LIST_LIMIT) -> list[Issue]:
    """The open issues past a limit now (whenever reported; at read time, not the scan's flag:
    issues/readtime.py), most overdue first. One query. The order is the one two partial indexes
    of the open issues hold (`readtime.most_overdue_first`), so PostgreSQL reads the first twenty
    from an index: sorting a district's 180,000 overdue issues took 0.13 s; ordered by the bare
    `due_at` it walked that index through every closed issue (1.25 s at a million issues). The
    twenty are chosen by id in a subquery before the names are joined."""
    order = most_overdue_first()
    first = Issue.objects.filter(scope.issues_q(), overdue_q()).order_by(*order).values("pk")
    return list(
        Issue.objects.filter(pk__in=first[:limit])
        .select_related("township", "village", "committee", "handler", "department")
        .order_by(*order)
    )


def overdue_count(scope: DashboardScope) -> int:
    return Issue.objects.filter(scope.issues_q(), overdue_q()).count()


def overdue_now(scope: DashboardScope, figures: dict) -> int:
    """The scope's overdue issues now: from the figures' clock-bound read where it ran (with a
    roll-up: dashboard/clock.py counts them in its first query), else one query."""
    counted = figures["cube"].overdue_now
    return overdue_count(scope) if counted is None else counted


# --- The whole dashboard -----------------------------------------------------------------------
def dashboard_summary(scope: DashboardScope, period: Period, *, today=None, now=None) -> dict:
    """Everything the dashboard shows, in a fixed number of queries (see the tests)."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    figures = issue_figures(scope, period, now=now)
    data = {
        "scope": scope,
        "period": period,
        "headline": headline_from(figures["totals"]),
        "by_status": figures["status"],
        "by_level": figures["level"],
        "by_source": figures["source"],
        "by_committee": figures["committee"],
        "by_village": figures["village"],
        "trend": figures["trend"],
        "overdue_list": overdue_issues(scope),
        "overdue_now": overdue_now(scope, figures),
    }
    data["by_workgroup"] = data["by_township"] = []
    data["coverage_month"] = data["coverage_campaign"] = data["campaign"] = None
    if scope.shows_visits:
        # each township runs its own mass visits: a district has no one campaign to show
        campaign = None if scope.is_district else campaign_of(scope, today)
        month = month_period(today.year, today.month)
        ranges = {"period": (period.start, min(period.end, today)),
                  "month": (month.start, month.end)}  # fmt: skip
        if scope.is_district:
            covered = coverage_by_workgroup(scope, ranges, by="township_id")
            data["by_township"] = township_rows(
                covered=covered, township_counts=figures["township_counts"]
            )
        else:
            covered = coverage_by_workgroup(scope, ranges)
            data["by_workgroup"] = workgroup_rows(
                scope, covered=covered, village_counts=figures["village_counts"]
            )
        data["coverage_month"] = _coverage_of(covered.values(), "month", *ranges["month"])
        data["campaign"] = campaign
        if campaign is not None:  # the pairings in force during it, not today's (two queries)
            data["coverage_campaign"] = campaign_coverage(scope, campaign)
    data["rankings"] = rankings(scope, period, data, now=now)
    data["survey"] = survey_index(scope, period)
    return data


def rankings(scope: DashboardScope, period: Period, data: dict, *, now=None) -> dict:
    """The fair rankings of the dashboard: work groups and villages, a district's townships,
    and the district departments (counted live: one query)."""
    units = (
        {"township": fair_ranking(data["by_township"])}
        if scope.is_district
        else {
            "workgroup": fair_ranking(data["by_workgroup"]),
            "village": fair_ranking(data["by_village"]),
        }
    )
    department = breakdown(scope, period, "department", now=now, routed_only=True)
    return {**units, "department": fair_ranking(department)}


def township_rows(*, covered: dict, township_counts: dict) -> list[dict]:
    """Every active township with its issue figures and its visit coverage in the period (a
    district's dashboard; `covered` by township from coverage_by_workgroup, `township_counts`
    from issue_figures). One query: the townships."""
    rows = []
    for township in Township.objects.values("id", "name").order_by("code"):
        figures = covered.get(township["id"]) or {"households": 0, "period": 0}
        counts = township_counts.get(township["id"]) or zero()
        rows.append(
            {
                **counts,
                **rates_from(counts),
                "key": township["id"],
                "label": township["name"],
                "filters": None,
                "township": township["id"],
                "households": figures["households"],
                "visited": figures["period"],
                "coverage": percent(figures["period"], figures["households"]),
            }
        )
    return rows


def workgroup_rows(scope: DashboardScope, *, covered: dict, village_counts: dict) -> list[dict]:
    """Every work group of the scope with the issue figures of its village and its visit coverage
    in the period (`covered` from coverage_by_workgroup, `village_counts` from issue_figures;
    one query: the groups)."""
    groups = WorkGroup.objects.filter(is_active=True)
    if scope.township_id is not None:
        groups = groups.filter(township_id=scope.township_id)
    if scope.workgroup_id is not None:
        groups = groups.filter(pk=scope.workgroup_id)
    rows = []
    for group in groups.values("id", "name", "village_id").order_by("name"):
        figures = covered.get(group["id"]) or {"households": 0, "period": 0}
        counts = village_counts.get(group["village_id"]) if group["village_id"] else None
        rows.append(
            {
                **(counts or zero()),
                **rates_from(counts or zero()),
                "key": group["id"],
                "label": group["name"],
                "filters": {"workgroup": group["id"]},
                "households": figures["households"],
                "visited": figures["period"],
                "coverage": percent(figures["period"], figures["households"]),
            }
        )
    return rows


# --- Assessment (考评) -------------------------------------------------------------------------
