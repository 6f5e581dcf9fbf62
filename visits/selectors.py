"""Read-side of visits, coverage and pairings: aggregates in the database, a constant number of
queries whatever the number of cadres or households."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field

from django.db.models import (
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.db.models.lookups import GreaterThan
from django.utils import timezone

from households.models import Household
from liaison.models import Cadre, Pairing
from visits.models import Visit, VisitCampaign, VisitMonth


def month_range(day: dt.date) -> tuple[dt.date, dt.date]:
    last = calendar.monthrange(day.year, day.month)[1]
    return day.replace(day=1), day.replace(day=last)


def _visited_between(start: dt.date, end: dt.date, ref: str = "household_id"):
    return Exists(Visit.objects.filter(household_id=OuterRef(ref), visited_on__range=(start, end)))


def _days_mask(first: int, last: int) -> int:
    """The VisitMonth.days bits of days first..last."""
    return ((1 << last) - 1) & ~((1 << (first - 1)) - 1)


def visited_households(start: dt.date, end: dt.date, *, township_id: int | None = None):
    """The ids of the households visited (by anyone) between `start` and `end`, from the
    monthly roll-up (VisitMonth): the whole months in between by their rows, the partial months
    at either end by their days. Its size is bounded by households × months, not by visits. A
    subquery for WHERE (`household_id__in=`: a semi-join), not for an aggregate's FILTER, where
    PostgreSQL re-runs it for every row once it outgrows work_mem."""
    rows = VisitMonth.objects.filter(visits__gt=0)
    if township_id is not None:
        rows = rows.filter(township_id=township_id)
    q = Q(pk__in=[])
    month = start.replace(day=1)
    whole: list[dt.date] = []
    while month <= end:
        last_day = month_range(month)[1]
        first = start.day if month == start.replace(day=1) else 1
        last = end.day if last_day > end else last_day.day
        if first == 1 and last == last_day.day:
            whole.append(month)
        else:
            q |= Q(month=month) & Q(GreaterThan(F("days").bitand(_days_mask(first, last)), 0))
        month = last_day + dt.timedelta(days=1)
    if whole:
        q |= Q(month__gte=whole[0], month__lte=whole[-1])
    # the months in one range as well, so that a probe per household reads its (household, month)
    # index between them, not every month it was ever visited (an OR of months and days alone
    # cannot be an index condition: 36 rows read for each of them after three years)
    within = Q(month__gte=start.replace(day=1), month__lte=end.replace(day=1))
    return rows.filter(within & q).values("household_id")


def cadre_households_status(cadre: Cadre, today: dt.date) -> QuerySet:
    """My households with the date of their last visit and whether they were visited this month
    (one query)."""
    start, end = month_range(today)
    return (
        Household.objects.active()
        .filter(pairings__cadre=cadre, pairings__end_date__isnull=True)
        .select_related("village")
        .annotate(
            last_visit=Max("visits__visited_on"),
            visited_this_month=_visited_between(start, end, "pk"),
        )
        .order_by("visited_this_month", "code")
    )


def cadre_diary(cadre: Cadre, *, start: dt.date | None = None, end: dt.date | None = None):
    qs = Visit.objects.filter(cadre=cadre).select_related("household", "household__village")
    if start:
        qs = qs.filter(visited_on__gte=start)
    if end:
        qs = qs.filter(visited_on__lte=end)
    return qs.order_by("-visited_on", "-id")


@dataclass
class CadreCoverage:
    cadre_id: int
    name: str
    workgroup_id: int | None
    user_id: int
    paired: int
    visited: int

    @property
    def behind(self) -> int:
        return self.paired - self.visited

    @property
    def coverage(self) -> float | None:
        return round(100 * self.visited / self.paired, 1) if self.paired else None


@dataclass
class Coverage:
    households: int = 0
    visited: int = 0
    cadres: list[CadreCoverage] = field(default_factory=list)

    @property
    def coverage(self) -> float | None:
        return round(100 * self.visited / self.households, 1) if self.households else None

    @property
    def laggards(self) -> list[CadreCoverage]:
        behind = [c for c in self.cadres if c.behind > 0]
        return sorted(behind, key=lambda c: (-c.behind, c.name))


def coverage_by_cadre(
    *,
    start: dt.date,
    end: dt.date,
    township_id: int | None = None,
    workgroup_id: int | None = None,
) -> list[CadreCoverage]:
    """Per cadre: currently paired households and how many were visited in [start, end].
    One query (GROUP BY cadre) whatever the number of cadres."""
    pairings = Pairing.objects.current().filter(cadre__is_active=True)
    if township_id is not None:
        pairings = pairings.filter(cadre__township_id=township_id)
    if workgroup_id is not None:
        pairings = pairings.filter(cadre__workgroup_id=workgroup_id)
    rows = (
        pairings.values("cadre_id", "cadre__name", "cadre__workgroup_id", "cadre__user_id")
        .annotate(
            paired=Count("id"),
            visited=Count("id", filter=Q(_visited_between(start, end))),
        )
        .order_by("cadre__name", "cadre_id")
    )
    return [
        CadreCoverage(
            cadre_id=r["cadre_id"],
            name=r["cadre__name"],
            workgroup_id=r["cadre__workgroup_id"],
            user_id=r["cadre__user_id"],
            paired=r["paired"],
            visited=r["visited"],
        )
        for r in rows
    ]


def coverage(
    *,
    start: dt.date,
    end: dt.date,
    township_id: int | None = None,
    workgroup_id: int | None = None,
) -> Coverage:
    """The coverage of [start, end] (`window_coverage`: the pairings in force then, not today's)
    and, for the laggards, each cadre's current households. Two queries."""
    cadres = coverage_by_cadre(
        start=start, end=end, township_id=township_id, workgroup_id=workgroup_id
    )
    households, visited = window_coverage(
        start=start, end=end, township_id=township_id, workgroup_id=workgroup_id
    )
    return Coverage(households=households, visited=visited, cadres=cadres)


# --- Coverage of a period from the pairings in force during it ----------------------------------
# A household counts for a period (a month, a mass visit) when one of its pairings was in force
# at some time in it: begun on or before the last day, and not ended before the first. It is
# covered when someone visited it within the period. So a campaign's figure does not change
# when cadres leave or households are re-paired afterwards, and a pairing begun after it does
# not count for it.
class _CountDistinct(Func):
    """COUNT(DISTINCT expr) as the one value of a subquery with no GROUP BY."""

    template = "COUNT(DISTINCT %(expressions)s)"
    output_field = IntegerField()


def _count_households(pairings: QuerySet) -> Subquery:
    return Subquery(pairings.order_by().values(n=_CountDistinct(F("household_id"))))


def _in_force(start, end, township_id=None, workgroup_id=None) -> QuerySet:
    """Pairings in force at some time between `start` and `end` (values or OuterRefs)."""
    qs = Pairing.objects.filter(
        Q(end_date__isnull=True) | Q(end_date__gte=start), start_date__lte=end
    )
    if township_id is not None:
        qs = qs.filter(household__township_id=township_id)
    if workgroup_id is not None:
        qs = qs.filter(cadre__workgroup_id=workgroup_id)
    return qs


def window_coverage(
    *,
    start: dt.date,
    end: dt.date,
    township_id: int | None = None,
    workgroup_id: int | None = None,
) -> tuple[int, int]:
    """(households, visited) of [start, end] from the pairings in force then, visited read
    from the monthly roll-up. Two queries: the visited are a semi-join in WHERE, not a COUNT …
    FILTER (household_id IN …), which PostgreSQL re-runs for every row once the visited
    households outgrow work_mem (see dashboard.selectors)."""
    pairings = _in_force(start, end, township_id, workgroup_id)
    visited = visited_households(start, end, township_id=township_id)
    count = Count("household_id", distinct=True)
    households = pairings.aggregate(n=count)["n"]
    return households, pairings.filter(household_id__in=visited).aggregate(n=count)["n"]


def current_campaign(township_id: int | None, today: dt.date) -> VisitCampaign | None:
    """The campaign under way today, else the latest one that has started."""
    qs = VisitCampaign.objects.filter(start_date__lte=today)
    if township_id is not None:
        qs = qs.filter(township_id=township_id)
    return qs.order_by("-start_date").first()


CAMPAIGNS_LISTED = 12


def campaigns_with_coverage(township_id: int | None, *, workgroup_id: int | None = None):
    """The latest campaigns, each with its coverage from the pairings in force during it (see
    above). One query whatever the number of campaigns, households or visits."""
    qs = VisitCampaign.objects.all()
    if township_id is not None:
        qs = qs.filter(township_id=township_id)
    pairings = _in_force(
        OuterRef("start_date"), OuterRef("end_date"), workgroup_id=workgroup_id
    ).filter(household__township_id=OuterRef("township_id"))
    visited = pairings.filter(
        _visited_between(OuterRef(OuterRef("start_date")), OuterRef(OuterRef("end_date")))
    )
    campaigns = qs.annotate(
        households=Coalesce(_count_households(pairings), 0),
        visited=Coalesce(_count_households(visited), 0),
    ).order_by("-start_date", "-pk")[:CAMPAIGNS_LISTED]
    return [(c, Coverage(households=c.households, visited=c.visited)) for c in campaigns]


@dataclass
class PairingWarnings:
    unpaired_count: int
    unpaired_sample: list
    overloaded: list[dict]


OVERLOAD_FACTOR = 1.5


def with_a_cadre_on_duty(ref: str = "pk") -> Exists:
    """The household (`ref`) has a current pairing with a cadre on duty whose account is active."""
    return Exists(
        Pairing.objects.current().filter(
            household_id=OuterRef(ref), cadre__is_active=True, cadre__user__is_active=True
        )
    )


def unpaired_households(households: QuerySet) -> QuerySet:
    """The active households among `households` that no cadre on duty holds: never paired, their
    pairing ended (a cadre left with no successor), or still held by a cadre who is no longer on
    duty. The pairing page's "未结对" filter, its warning and the group leader's worklist."""
    return (
        households.filter(status=Household.Status.ACTIVE)
        .exclude(with_a_cadre_on_duty())
        .order_by("code")
    )


def pairing_warnings(households: QuerySet, cadres: QuerySet) -> PairingWarnings:
    """Households with no cadre on duty, and cadres with far more households than their group's
    average (more than 1.5× the average and at least 3 more). Three queries."""
    unpaired = unpaired_households(households)
    unpaired_count = unpaired.count()
    sample = list(unpaired.select_related("village")[:20])
    loads = list(
        cadres.filter(is_active=True)
        .annotate(load=Count("pairings", filter=Q(pairings__end_date__isnull=True)))
        .values("pk", "name", "workgroup_id", "workgroup__name", "load")
    )
    groups: dict[int | None, list[int]] = {}
    for row in loads:
        groups.setdefault(row["workgroup_id"], []).append(row["load"])
    overloaded = []
    for row in loads:
        group = groups[row["workgroup_id"]]
        average = sum(group) / len(group)
        if row["load"] > OVERLOAD_FACTOR * average and row["load"] >= average + 3:
            overloaded.append({**row, "average": round(average, 1)})
    overloaded.sort(key=lambda r: -r["load"])
    return PairingWarnings(unpaired_count, sample, overloaded)


def household_visits(household, user) -> list:
    """The household page's visits panel: its 20 latest visits."""
    return list(Visit.objects.filter(household=household).select_related("cadre")[:20])


def households_not_visited_this_month(queryset):
    """The household list's "本月未走访" filter."""
    first = timezone.localdate().replace(day=1)
    visited = Visit.objects.filter(household=OuterRef("pk"), visited_on__gte=first)
    return queryset.filter(~Exists(visited))
