"""The committees' and departments' load of issues: members and workload per committee,
departments and their pending report-ins. Constant query counts."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q

from committees.models import CommitteeMembership, Department
from issues.models import OPEN_STATUSES
from issues.selectors import committee_workload


def committees_overview(*, township_id: int | None) -> list[dict]:
    """Each committee with its workload and its members (three queries)."""
    rows = committee_workload(township_id=township_id)
    members = CommitteeMembership.objects.filter(
        committee__in=[r["committee"].pk for r in rows]
    ).select_related("cadre")
    by_committee: dict[int, list] = {}
    for m in members.order_by("-is_head", "cadre__name"):
        by_committee.setdefault(m.committee_id, []).append(m)
    for row in rows:
        row["members"] = by_committee.get(row["committee"].pk, [])
    return rows


def departments_overview(*, township_id: int | None) -> list[Department]:
    """Active departments with open issues and pending report-ins (two queries)."""
    scope = Q(issues__township_id=township_id) if township_id is not None else Q()
    return list(
        Department.objects.filter(is_active=True)
        .annotate(
            open_issues=Count("issues", filter=scope & Q(issues__status__in=OPEN_STATUSES)),
            awaiting_ack=Count(
                "issues",
                filter=scope
                & Q(issues__status__in=OPEN_STATUSES, issues__acked_at__isnull=True)
                & Q(issues__ack_due_at__isnull=False),
            ),
        )
        .prefetch_related(Prefetch("liaisons"))
        .order_by("name")
    )
