"""Visit coverage on the dashboards: the scope's currently paired households and how many were
visited in a range (the monthly roll-up, VisitMonth), per work group or per township, and a mass
visit's coverage from the pairings in force during it."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, QuerySet

from dashboard.access import DashboardScope
from issues.selectors import percent
from liaison.models import Pairing
from visits.models import VisitCampaign
from visits.selectors import visited_households, window_coverage


# --- Visit coverage ----------------------------------------------------------------------------
# Visited pairings are counted with the visited households as a semi-join in WHERE (`household_id
# IN (…)`), never as COUNT(…) FILTER (WHERE household_id IN (…)): PostgreSQL hashes a subquery
# inside an aggregate's FILTER only while its rows fit in work_mem, and past that (a district's
# quarter of a million visited households a month) re-runs it for every pairing: minutes instead
# of a fraction of a second. A semi-join spills to disk when it must, and never falls off a cliff.
def _visited_pairings(scope: DashboardScope, start: dt.date, end: dt.date) -> QuerySet:
    """The scope's current pairings whose household was visited (by anyone) in [start, end]."""
    visited = visited_households(start, end, township_id=scope.township_id)
    return _pairings(scope).filter(household_id__in=visited)


def _pairings(scope: DashboardScope) -> QuerySet:
    return Pairing.objects.current().filter(scope.cadres_q("cadre__"), cadre__is_active=True)


def coverage(scope: DashboardScope, start: dt.date, end: dt.date) -> dict:
    """Currently paired households of the scope's cadres and how many were visited between
    `start` and `end` (by anyone). Two queries."""
    figures = {
        "households": _pairings(scope).count(),
        "visited": _visited_pairings(scope, start, end).count(),
    }
    figures["coverage"] = percent(figures["visited"], figures["households"])
    figures["start"], figures["end"] = start, end
    return figures


def coverage_by_workgroup(
    scope: DashboardScope, ranges: dict[str, tuple], *, by: str = "workgroup_id"
) -> dict:
    """{workgroup_id: {"households": n, name: visited, …}}: the coverage of several date ranges
    at once (the scope's total is the sum of its groups). `by="township_id"`: per township (a
    district's). One GROUP BY query for the pairings, one per distinct range for the visited."""
    key = f"cadre__{by}"
    rows = {
        r[key]: {**r, **dict.fromkeys(ranges, 0)}
        for r in _pairings(scope).values(key).annotate(households=Count("pk")).order_by()
    }
    for span in dict.fromkeys(ranges.values()):
        names = [name for name, other in ranges.items() if other == span]
        visited = _visited_pairings(scope, *span).values(key).annotate(n=Count("pk")).order_by()
        for r in visited:
            rows[r[key]].update(dict.fromkeys(names, r["n"]))
    return rows


def _coverage_of(rows, name: str, start: dt.date, end: dt.date) -> dict:
    households = sum(r["households"] for r in rows)
    visited = sum(r[name] for r in rows)
    return {"households": households, "visited": visited, "coverage": percent(visited, households),
            "start": start, "end": end}  # fmt: skip


def campaign_coverage(scope: DashboardScope, campaign: VisitCampaign) -> dict:
    """A mass visit's coverage from the pairings in force during it (`window_coverage`), so a
    past campaign's figure does not move when cadres leave or households are re-paired."""
    start, end = campaign.start_date, campaign.end_date
    households, visited = window_coverage(
        start=start, end=end, township_id=scope.township_id, workgroup_id=scope.workgroup_id
    )
    return {"households": households, "visited": visited, "coverage": percent(visited, households),
            "start": start, "end": end}  # fmt: skip


def campaign_of(scope: DashboardScope, today: dt.date) -> VisitCampaign | None:
    """The mass visit under way today, else the latest one that has started."""
    qs = VisitCampaign.objects.filter(start_date__lte=today)
    if scope.township_id is not None:
        qs = qs.filter(township_id=scope.township_id)
    return qs.order_by("-start_date").first()
