"""The assessment (考评) table: per cadre and per work group, visits, coverage, issues handled and
their rates, and the satisfaction survey's index, for a period. Constant query counts."""

from __future__ import annotations

from django.db.models import (
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce, ExtractMonth, ExtractYear

from dashboard.access import DashboardScope
from dashboard.periods import Period
from dashboard.surveys import survey_index_by
from issues.models import Issue, Status
from issues.selectors import percent, rate_count_expressions, rates_from
from liaison.models import Cadre, Pairing, WorkGroup
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


def assessment_by_cadre(scope: DashboardScope, period: Period, *, now=None) -> list[dict]:
    """Per cadre of a work group: paired households, visits made against expected (one a month per household:
    the contact day), households visited, issues raised and closed, the satisfaction of their
    issues and of their survey answers. Three queries."""

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
