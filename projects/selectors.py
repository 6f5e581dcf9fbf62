"""Reads for the 高频诉求 page and the project pages: a constant number of queries each, and the
issues inside a cluster always cut down to what the issue policy shows the reader."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q

from issues.models import Status

from . import access
from .models import ClusterRun, DemandCluster, Project, ProjectEvent

SAMPLES = 3


def run_latest(user, month: dt.date, *, done: bool = True) -> ClusterRun | None:
    qs = access.runs_visible_to(user).filter(month=month)
    if done:
        qs = qs.filter(status=ClusterRun.Status.DONE)
    return qs.order_by("-created_at", "-id").first()


@dataclass
class DemandRow:
    cluster: DemandCluster
    issues: list[dict] = field(default_factory=list)
    villages: list[tuple[str, int]] = field(default_factory=list)
    grids: list[str] = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.issues)

    @property
    def samples(self) -> list[str]:
        return [i["description"] for i in self.issues[:SAMPLES]]

    @property
    def trend(self) -> list[tuple[str, int]]:
        return list(self.cluster.trend.items())

    @property
    def direction(self) -> str:
        counts = [c for _k, c in self.trend]
        if len(counts) < 2 or counts[-1] == counts[-2]:
            return "flat"
        return "up" if counts[-1] > counts[-2] else "down"


def demand_rows(
    user, run: ClusterRun | None, *, committee_id=None, village_id=None, limit: int | None = None
) -> list:
    """The run's clusters the user may see, ranked (the first `limit` only, if given: a home
    page's card reads the issues of three clusters, not of every one), each with its visible
    issues (3 queries)."""
    if run is None:
        return []
    clusters = access.clusters_visible_to(user).filter(run=run).select_related("committee")
    if committee_id:
        clusters = clusters.filter(committee_id=committee_id)
    if village_id:
        clusters = clusters.filter(issues__village_id=village_id).distinct()
    links = DemandCluster.issues.through.objects.filter(
        issue_id__in=access.cluster_issues_visible_to(user).values("pk")
    )
    clusters = clusters.order_by("rank")  # (each with an issue the user sees: clusters_visible_to)
    if limit is not None:
        clusters = clusters[:limit]
    rows = {c.pk: DemandRow(c) for c in clusters}
    through = links.filter(demandcluster_id__in=list(rows)).order_by(
        "demandcluster_id", "-issue__reported_at", "-issue_id"
    )
    villages: dict[int, Counter] = defaultdict(Counter)
    grids: dict[int, set] = defaultdict(set)
    for cid, pk, text, status, village, grid, reported in through.values_list(
        "demandcluster_id", "issue_id", "issue__description", "issue__status",
        "issue__village__name", "issue__household__grid", "issue__reported_at",
    ):  # fmt: skip
        rows[cid].issues.append(
            {"pk": pk, "description": text[:80], "status": Status(status).label,
             "village": village or "", "reported_at": reported}
        )  # fmt: skip
        if village:
            villages[cid][village] += 1
        if grid:
            grids[cid].add(grid)
    for cid, row in rows.items():
        row.villages = villages[cid].most_common()
        row.grids = sorted(grids[cid])
    return [row for row in rows.values() if row.issues]


def projects_for(user):
    return (
        access.projects_visible_to(user)
        .select_related("owner_committee", "lead_department")
        .annotate(
            issue_total=Count("links", distinct=True),
            answered=Count("links", filter=Q(links__answered_at__isnull=False), distinct=True),
        )
    )


def project_timeline(project: Project) -> list[ProjectEvent]:
    return list(project.events.select_related("actor").order_by("at", "id"))


def project_links(project: Project):
    return project.links.select_related("issue", "issue__village").order_by("issue_id")


def public_project(public_key) -> Project | None:
    """A published project by its public key (anyone with the link), else None."""
    try:
        return (
            Project.objects.select_related("owner_committee", "lead_department", "township")
            .filter(public_key=public_key, is_public=True)
            .first()
        )
    except (ValueError, TypeError):
        return None


def public_village_counts(project: Project) -> list[tuple[str, int]]:
    """How many linked issues came from each village: counts only, never the issues."""
    rows = (
        project.links.values("issue__village__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "issue__village__name")
    )
    return [(r["issue__village__name"] or "—", r["n"]) for r in rows]
