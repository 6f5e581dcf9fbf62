"""The assessment (考评) table: per cadre and per work group, visits, coverage, issues handled and
their rates, and the satisfaction survey's index, for a period. Constant query counts."""

from __future__ import annotations

from django.db.models import (
    Count,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Cast, Coalesce, ExtractMonth, ExtractYear, Least, NullIf

from dashboard.access import DashboardScope, workgroups_in
from dashboard.models import SurveyAnswer, SurveyQuestion
from dashboard.periods import Period
from dashboard.surveys import GOOD, RATING, survey_index_by
from issues.models import Issue, Satisfaction, Status
from issues.selectors import percent, rate_count_expressions, rates_from
from liaison.models import Cadre, Pairing
from visits.models import Visit


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
        "visit_rate": percent(min(base["effective"], expected), expected),
        "raised": issues["total"],
        "closed": issues["closed"],
        **rates_from(issues),
        "survey_rated": survey["rated"] if survey else 0,
        "survey_index": survey["index"] if survey else None,
    }


def _ratio(part, whole):
    """part / whole as a float, NULL when whole is 0 (such rows sort last)."""
    return Cast(part, FloatField()) / NullIf(whole, 0)


def _cadre_figures(scope: DashboardScope, period: Period) -> QuerySet:
    """Every figure of a cadre's row as a correlated subquery, so that the table can be
    filtered, sorted by any column and paged in SQL (a page costs one query)."""
    visits = Visit.objects.filter(visited_on__range=(period.start, period.end))
    low, high = period.bounds()
    issues = Issue.objects.exclude(status=Status.MERGED).filter(
        reported_at__gte=low, reported_at__lt=high
    )
    confirmed = [Satisfaction.SATISFIED, Satisfaction.BASIC]
    answers = SurveyAnswer.objects.filter(
        question__kind=SurveyQuestion.Kind.SATISFACTION,
        response__answered_on__range=(period.start, period.end),
    )
    return Cadre.objects.filter(scope.cadres_q(), is_active=True, workgroup__isnull=False).annotate(
        paired=_count_of(Pairing.objects.current(), "cadre"),
        visit_count=_count_of(visits, "cadre"),
        visited=_count_of(visits, "cadre", distinct="household"),
        effective=_count_of(visits, "cadre", distinct=_household_month()),
        raised=_count_of(issues, "raised_by"),
        closed=_count_of(issues.filter(closed_at__isnull=False), "raised_by"),
        rated=_count_of(issues.exclude(satisfaction=""), "raised_by"),
        satisfied=_count_of(issues.filter(satisfaction__in=confirmed), "raised_by"),
        survey_rated=_count_of(answers.filter(choice__in=RATING), "response__cadre"),
        survey_good=_count_of(answers.filter(choice__in=GOOD), "response__cadre"),
    )


# The sortable columns: a whitelist of keys (the page's `sort`, optionally prefixed with "-"),
# each with the SQL expression of the cadre table and the field of the work group rows.
SORT_COLUMNS = (
    "name",
    "workgroup",
    "members",
    "paired",
    "expected",
    "visits",
    "effective",
    "visited",
    "visit_rate",
    "raised",
    "closed",
    "satisfaction_rate",
    "survey_index",
)


def _cadre_sort_expressions(months: int) -> dict:
    return {
        "name": F("name"),
        "workgroup": F("workgroup__name"),
        "paired": F("paired"),
        "expected": F("paired"),
        "visits": F("visit_count"),
        "effective": F("effective"),
        "visited": F("visited"),
        # as _assessment_row: effective visits against expected ones, at most 100%
        "visit_rate": _ratio(Least(F("effective"), F("paired") * months), F("paired") * months),
        "raised": F("raised"),
        "closed": F("closed"),
        "satisfaction_rate": _ratio(F("satisfied"), F("rated")),
        "survey_index": _ratio(F("survey_good"), F("survey_rated")),
    }


def parse_sort(sort: str | None) -> tuple[str | None, bool]:
    """("column", descending) for a whitelisted `sort` value, (None, False) for anything else."""
    sort = sort or ""
    descending = sort.startswith("-")
    key = sort[1:] if descending else sort
    return (key, descending) if key in SORT_COLUMNS else (None, False)


def assessment_cadres(
    scope: DashboardScope,
    period: Period,
    *,
    village_id: int | None = None,
    workgroup_id: int | None = None,
    q: str = "",
    sort: str | None = None,
) -> QuerySet:
    """The cadre rows (dicts, turn each into a table row with `assessment_cadre_row`), filtered
    and ordered in SQL: a page of them is one query, whatever the number of cadres."""
    qs = _cadre_figures(scope, period)
    if village_id is not None:
        qs = qs.filter(workgroup__village_id=village_id)
    if workgroup_id is not None:
        qs = qs.filter(workgroup_id=workgroup_id)
    if q:
        qs = qs.filter(name__icontains=q)
    key, descending = parse_sort(sort)
    expression = _cadre_sort_expressions(period.months).get(key)
    order = ["workgroup__name", "name", "id"]
    if expression is not None:
        by = expression.desc(nulls_last=True) if descending else expression.asc(nulls_last=True)
        order = [by, *order]
    return qs.values(
        "id",
        "name",
        "title",
        "workgroup__name",
        "paired",
        "visit_count",
        "visited",
        "effective",
        "raised",
        "closed",
        "rated",
        "satisfied",
        "survey_rated",
        "survey_good",
    ).order_by(*order)


def assessment_cadre_row(row: dict, months: int) -> dict:
    expected = row["paired"] * months
    return {
        **row,
        "expected": expected,
        "visit_rate": percent(min(row["effective"], expected), expected),
        "satisfaction_rate": percent(row["satisfied"], row["rated"]),
        "survey_index": percent(row["survey_good"], row["survey_rated"]),
    }


def assessment_by_cadre(
    scope: DashboardScope, period: Period, *, now=None, **filters
) -> list[dict]:
    """Per cadre of a work group: paired households, visits made against expected (one a month
    per household: the contact day), households visited, issues raised and closed, the
    satisfaction of their issues and of their survey answers. One query."""
    return [
        assessment_cadre_row(row, period.months)
        for row in assessment_cadres(scope, period, **filters)
    ]


def assessment_by_group(
    scope: DashboardScope,
    period: Period,
    *,
    now=None,
    village_id: int | None = None,
    workgroup_id: int | None = None,
    sort: str | None = None,
) -> list[dict]:
    """The same per work group (its members' work). Three queries."""

    groups = workgroups_in(scope)
    if village_id is not None:
        groups = groups.filter(village_id=village_id)
    if workgroup_id is not None:
        groups = groups.filter(pk=workgroup_id)
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
    result = [
        _assessment_row(row, issues.get(row["id"]), surveys.get(row["id"]), period.months)
        for row in rows
    ]
    return _sorted_groups(result, sort)


GROUP_FIELDS = {"workgroup": "name", "members": "member_count", "visits": "visit_count"}


def _sorted_groups(rows: list[dict], sort: str | None) -> list[dict]:
    """The work groups (a few dozen at most) sorted in Python by the same whitelisted keys;
    rows without a figure (a rate with nothing to count) last either way."""
    key, descending = parse_sort(sort)
    if key is None:
        return rows
    field = GROUP_FIELDS.get(key, key)
    present = [r for r in rows if r.get(field) is not None]
    missing = [r for r in rows if r.get(field) is None]
    return sorted(present, key=lambda r: r[field], reverse=descending) + missing
