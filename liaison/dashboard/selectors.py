"""Read-side of the dashboards: every figure is a database aggregate (COUNT … FILTER, GROUP BY,
TruncMonth), so a dashboard costs the same small number of queries whatever the data size.

Issues count in a period by the date they were reported (the issues list filters the same way,
so a figure and the list behind it agree). The rates come from `issues.selectors`, the one place
that defines them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce, ExtractMonth, ExtractYear, TruncMonth
from django.utils import timezone

from issues.models import (
    OPEN_STATUSES,
    Issue,
    IssueSettings,
    Level,
    Source,
    Status,
)
from issues.selectors import rate_aggregates, rate_count_expressions, rates_from
from liaison.models import Cadre, Pairing, Visit, VisitCampaign, WorkGroup
from liaison.policy import DashboardScope

from .models import IssueMonthStat
from .periods import Period, add_months, month_period, trend_months

OVERDUE_LIST_LIMIT = 20


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


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
    # A work group answers for one village (the 15 groups of the model township), so the list
    # behind a group's figure is the list of its village.
    "workgroup": Dimension(
        "workgroup",
        "village__workgroups__id",
        "village__workgroups__name",
        "village",
        "village_id",
    ),
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


def breakdown(scope: DashboardScope, period: Period, key: str, *, now=None) -> list[dict]:
    """Issues of the period grouped by one dimension, with the rates of each group (one query).
    Rows: {"key", "label", "filters", total, open, overdue, …, the three rates}."""
    dim = DIMENSIONS[key]
    columns = [dim.field] + ([dim.label_field] if dim.label_field else [])
    if dim.filter_field != dim.field:
        columns.append(dim.filter_field)
    rows = (
        scoped_issues(scope, period)
        .values(*columns)
        .annotate(**rate_count_expressions(now=now))
        .order_by(dim.field)
    )
    return _breakdown_rows(key, rows)


def _breakdown_rows(key: str, rows) -> list[dict]:
    dim = DIMENSIONS[key]
    labels = CHOICE_LABELS.get(key, {})
    result = []
    for row in rows:
        value = row[dim.field]
        if dim.label_field:
            label = row[dim.label_field] or "（未分派）"
        else:
            label = str(labels.get(value, value or "（未分派）"))
        filter_value = row[dim.filter_field]
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


COUNT_KEYS = tuple(rate_count_expressions())


def _fold(rows: list[dict], field: str | None) -> dict:
    """Sum grouped counts over every other column: {value of `field`: counts}."""
    folded: dict = {}
    for row in rows:
        into = folded.setdefault(row[field] if field else None, dict.fromkeys(COUNT_KEYS, 0))
        for k in COUNT_KEYS:
            into[k] += row[k]
    return folded


def choice_breakdowns(scope: DashboardScope, period: Period, *, now=None) -> dict:
    """The headline counts and the status, level and source breakdowns from ONE query grouped by
    (status, level, source): at most 9 × 4 × 8 aggregate rows, folded here."""
    rows = list(
        scoped_issues(scope, period)
        .values("status", "level", "source")
        .annotate(**rate_count_expressions(now=now))
        .order_by()
    )
    totals = _fold(rows, None).get(None) or dict.fromkeys(COUNT_KEYS, 0)
    result = {"totals": totals}
    for key in ("status", "level", "source"):
        folded = _fold(rows, key)
        result[key] = _breakdown_rows(key, [{key: v, **c} for v, c in folded.items()])
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


# --- Trend -------------------------------------------------------------------------------------
def _rolled_up(scope: DashboardScope, first: dt.date, before: dt.date) -> dict[dt.date, dict]:
    """Per month in [first, before): the nightly roll-up's counts for the scope (one query).
    A work group's scope also follows households into other villages: it is always counted live."""
    if scope.kind == "workgroup":
        return {}
    stats = IssueMonthStat.objects.filter(month__gte=first, month__lt=before)
    if scope.township_id is not None:
        stats = stats.filter(township_id=scope.township_id)
    if scope.kind == "committee":
        stats = stats.filter(committee_id__in=scope.committee_ids)
    rows = stats.values("month").annotate(**{k: Sum(k) for k in (*ROLLUP_COUNTS, "closed")})
    return {row["month"]: row for row in rows.order_by("month")}


ROLLUP_COUNTS = ("total", "open", "overdue", "contact_counted", "contacted_in_time", "resolved",
                 "explained", "rated", "satisfied")  # fmt: skip


def monthly_trend(scope: DashboardScope, period: Period, *, now=None) -> list[dict]:
    """Per month: issues reported (with their rates) and issues closed. Months before the last
    nightly roll-up come from IssueMonthStat; the rest are counted live. Three queries."""
    now = now or timezone.now()
    months = trend_months(period)
    this_month = timezone.localdate(now).replace(day=1)
    rolled = _rolled_up(scope, months[0], this_month)
    live_from = add_months(max(rolled), 1) if rolled else months[0]
    live = Period(live_from, max(period.end, live_from - dt.timedelta(days=1)))
    tz = timezone.get_current_timezone()
    reported = (
        scoped_issues(scope, live)
        .annotate(month=TruncMonth("reported_at", tzinfo=tz))
        .values("month")
        .annotate(**rate_count_expressions(now=now))
        .order_by("month")
    )
    low, high = live.bounds()
    closed = (
        Issue.objects.filter(scope.issues_q())
        .exclude(status=Status.MERGED)
        .filter(closed_at__gte=low, closed_at__lt=high)
        .annotate(month=TruncMonth("closed_at", tzinfo=tz))
        .values("month")
        .annotate(closed=Count("pk"))
        .order_by("month")
    )
    by_month = {month: row for month, row in rolled.items() if month < live_from}
    by_month.update({_as_date(r["month"]): r for r in reported})
    closed_by_month = {month: row["closed"] for month, row in rolled.items() if month < live_from}
    closed_by_month.update({_as_date(r["month"]): r["closed"] for r in closed})
    empty = dict.fromkeys(ROLLUP_COUNTS, 0)
    result = []
    for month in months:
        counts = by_month.get(month) or empty
        result.append(
            {
                "month": month,
                "label": f"{month:%Y-%m}",
                "reported": counts["total"],
                "closed": closed_by_month.get(month, 0),
                **rates_from(counts),
                "period": month_period(month.year, month.month),
            }
        )
    return result


def _as_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


# --- Overdue -----------------------------------------------------------------------------------
def overdue_issues(scope: DashboardScope, *, limit: int = OVERDUE_LIST_LIMIT) -> list[Issue]:
    """The open issues past their limit now (whenever reported), most overdue first. One query."""
    qs = Issue.objects.filter(scope.issues_q(), status__in=OPEN_STATUSES, is_overdue=True)
    return list(
        qs.select_related("village", "committee", "handler", "department").order_by(
            F("due_at").asc(nulls_last=True), "reported_at"
        )[:limit]
    )


def overdue_count(scope: DashboardScope) -> int:
    return Issue.objects.filter(scope.issues_q(), status__in=OPEN_STATUSES, is_overdue=True).count()


# --- Visit coverage ----------------------------------------------------------------------------
def _visited(start: dt.date, end: dt.date):
    return Exists(
        Visit.objects.filter(household_id=OuterRef("household_id"), visited_on__range=(start, end))
    )


def _pairings(scope: DashboardScope) -> QuerySet:
    return Pairing.objects.current().filter(scope.cadres_q("cadre__"), cadre__is_active=True)


def coverage(scope: DashboardScope, start: dt.date, end: dt.date) -> dict:
    """Currently paired households of the scope's cadres and how many were visited between
    `start` and `end` (by anyone). One query."""
    figures = _pairings(scope).aggregate(
        households=Count("pk"), visited=Count("pk", filter=Q(_visited(start, end)))
    )
    figures["coverage"] = _pct(figures["visited"], figures["households"])
    figures["start"], figures["end"] = start, end
    return figures


def coverage_by_workgroup(scope: DashboardScope, ranges: dict[str, tuple]) -> dict:
    """{workgroup_id: {"households": n, name: visited, …}}: the coverage of several date ranges
    at once (the scope's total is the sum of its groups). One GROUP BY query."""
    visited = {name: Count("pk", filter=Q(_visited(*span))) for name, span in ranges.items()}
    rows = (
        _pairings(scope)
        .values("cadre__workgroup_id")
        .annotate(households=Count("pk"), **visited)
        .order_by()
    )
    return {r["cadre__workgroup_id"]: r for r in rows}


def _coverage_of(rows, name: str, start: dt.date, end: dt.date) -> dict:
    households = sum(r["households"] for r in rows)
    visited = sum(r[name] for r in rows)
    return {"households": households, "visited": visited, "coverage": _pct(visited, households),
            "start": start, "end": end}  # fmt: skip


def campaign_of(scope: DashboardScope, today: dt.date) -> VisitCampaign | None:
    """The mass visit under way today, else the latest one that has started."""
    qs = VisitCampaign.objects.filter(start_date__lte=today)
    if scope.township_id is not None:
        qs = qs.filter(township_id=scope.township_id)
    return qs.order_by("-start_date").first()


# --- The whole dashboard -----------------------------------------------------------------------
def dashboard_summary(scope: DashboardScope, period: Period, *, today=None, now=None) -> dict:
    """Everything the dashboard shows, in a fixed number of queries (see the tests)."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    choices = choice_breakdowns(scope, period, now=now)
    data = {
        "scope": scope,
        "period": period,
        "headline": headline_from(choices["totals"]),
        "by_status": choices["status"],
        "by_level": choices["level"],
        "by_source": choices["source"],
        "trend": monthly_trend(scope, period, now=now),
        "overdue_list": overdue_issues(scope),
        "overdue_now": overdue_count(scope),
    }
    for key in ("committee", "village"):
        data[f"by_{key}"] = breakdown(scope, period, key, now=now)
    data["village_ranking"] = ranking(data["by_village"])
    data["by_workgroup"] = []
    data["coverage_month"] = data["coverage_campaign"] = data["campaign"] = None
    if scope.shows_visits:
        campaign = campaign_of(scope, today)
        month = month_period(today.year, today.month)
        ranges = {"period": (period.start, min(period.end, today)),
                  "month": (month.start, month.end)}  # fmt: skip
        if campaign is not None:
            ranges["campaign"] = (campaign.start_date, campaign.end_date)
        covered = coverage_by_workgroup(scope, ranges)
        data["by_workgroup"] = workgroup_rows(scope, period, covered=covered, now=now)
        data["coverage_month"] = _coverage_of(covered.values(), "month", *ranges["month"])
        data["campaign"] = campaign
        if campaign is not None:
            data["coverage_campaign"] = _coverage_of(
                covered.values(), "campaign", *ranges["campaign"]
            )
    data["workgroup_ranking"] = ranking(data["by_workgroup"])
    from .surveys import survey_index

    data["survey"] = survey_index(scope, period)
    return data


def _empty_counts() -> dict:
    counts = dict.fromkeys(rate_count_expressions(), 0)
    return {**counts, **rates_from(counts)}


def workgroup_rows(scope: DashboardScope, period: Period, *, covered: dict, now=None) -> list[dict]:
    """Every work group of the scope with its issue figures and its visit coverage in the period
    (`covered` from coverage_by_workgroup; two queries: the groups, the issues by group)."""
    groups = WorkGroup.objects.filter(is_active=True)
    if scope.township_id is not None:
        groups = groups.filter(township_id=scope.township_id)
    if scope.workgroup_id is not None:
        groups = groups.filter(pk=scope.workgroup_id)
    issues = {r["key"]: r for r in breakdown(scope, period, "workgroup", now=now)}
    rows = []
    for group in groups.values("id", "name", "village_id").order_by("name"):
        figures = covered.get(group["id"]) or {"households": 0, "period": 0}
        rows.append(
            {
                **(issues.get(group["id"]) or _empty_counts()),
                "key": group["id"],
                "label": group["name"],
                "filters": {"village": group["village_id"]} if group["village_id"] else None,
                "households": figures["households"],
                "visited": figures["period"],
                "coverage": _pct(figures["period"], figures["households"]),
            }
        )
    return rows


# --- Assessment (考评) -------------------------------------------------------------------------
def _count_of(qs: QuerySet, outer: str, *, distinct=None):
    """A correlated COUNT subquery (avoids the row multiplication of joining two relations)."""
    counted = Count(distinct, distinct=True) if distinct is not None else Count("*")
    sub = qs.filter(**{outer: OuterRef("pk")}).values(outer).annotate(n=counted).values("n")
    return Coalesce(Subquery(sub, output_field=IntegerField()), 0)


def _issue_counts_by(scope: DashboardScope, period: Period, field: str, *, now=None) -> dict:
    """Issues raised in the period grouped by `field` (the raiser or the raiser's group)."""
    low, high = period.bounds()
    rows = (
        Issue.objects.filter(scope.cadres_q("raised_by__"))
        .exclude(status=Status.MERGED)
        .filter(reported_at__gte=low, reported_at__lt=high)
        .values(field)
        .annotate(
            **rate_count_expressions(now=now), closed=Count("pk", filter=Q(closed_at__isnull=False))
        )
        .order_by()
    )
    return {r[field]: r for r in rows}


def _household_month():
    """A key per (household, month): a household counts once a month towards expected visits."""
    return (
        F("household_id") * 1_000_000 + ExtractYear("visited_on") * 100 + ExtractMonth("visited_on")
    )


def _assessment_row(base: dict, issues: dict | None, survey: dict | None, months: int) -> dict:
    issues = issues or {**dict.fromkeys(rate_count_expressions(), 0), "closed": 0}
    expected = base["paired"] * months
    return {
        **base,
        "expected": expected,
        "visit_rate": _pct(min(base["effective"], expected), expected),
        "raised": issues["total"],
        "closed": issues["closed"],
        **rates_from(issues),
        "survey_rated": survey["rated"] if survey else 0,
        "survey_index": survey["index"] if survey else None,
    }


def assessment_by_cadre(scope: DashboardScope, period: Period, *, now=None) -> list[dict]:
    """Per cadre of a work group: paired households, visits made against expected (one a month per household:
    the contact day), households visited, issues raised and closed, the satisfaction of their
    issues and of their survey answers. Three queries."""
    from .surveys import survey_index_by

    visits = Visit.objects.filter(visited_on__range=(period.start, period.end))
    cadres = (
        Cadre.objects.filter(scope.cadres_q(), is_active=True, workgroup__isnull=False)
        .annotate(
            paired=_count_of(Pairing.objects.current(), "cadre"),
            visit_count=_count_of(visits, "cadre"),
            visited=_count_of(visits, "cadre", distinct="household"),
            effective=_count_of(visits, "cadre", distinct=_household_month()),
        )
        .values(
            "id",
            "name",
            "title",
            "workgroup__name",
            "paired",
            "visit_count",
            "visited",
            "effective",
        )
        .order_by("workgroup__name", "name", "id")
    )
    issues = _issue_counts_by(scope, period, "raised_by_id", now=now)
    surveys = survey_index_by(scope, period, "response__cadre_id")
    return [
        _assessment_row(row, issues.get(row["id"]), surveys.get(row["id"]), period.months)
        for row in cadres
    ]


def assessment_by_group(scope: DashboardScope, period: Period, *, now=None) -> list[dict]:
    """The same per work group (its members' work). Three queries."""
    from .surveys import survey_index_by

    groups = WorkGroup.objects.filter(is_active=True)
    if scope.township_id is not None:
        groups = groups.filter(township_id=scope.township_id)
    if scope.workgroup_id is not None:
        groups = groups.filter(pk=scope.workgroup_id)
    if scope.kind == "committee":
        groups = groups.none()
    visits = Visit.objects.filter(visited_on__range=(period.start, period.end))
    rows = (
        groups.annotate(
            member_count=_count_of(Cadre.objects.filter(is_active=True), "workgroup"),
            paired=_count_of(
                Pairing.objects.current().filter(cadre__is_active=True), "cadre__workgroup"
            ),
            visit_count=_count_of(visits, "cadre__workgroup"),
            visited=_count_of(visits, "cadre__workgroup", distinct="household"),
            effective=_count_of(visits, "cadre__workgroup", distinct=_household_month()),
        )
        .values(
            "id",
            "name",
            "village_id",
            "member_count",
            "paired",
            "visit_count",
            "visited",
            "effective",
        )
        .order_by("name", "id")
    )
    issues = _issue_counts_by(scope, period, "raised_by__workgroup_id", now=now)
    surveys = survey_index_by(scope, period, "response__cadre__workgroup_id")
    return [
        _assessment_row(row, issues.get(row["id"]), surveys.get(row["id"]), period.months)
        for row in rows
    ]
