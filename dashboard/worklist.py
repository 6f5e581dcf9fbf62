"""The home worklist: what needs the signed-in person now, in sections ordered by deadline.

Scope comes from `issues.access.issues_visible_to`; which sections a person gets comes from the
roles the transition table (issues/transitions.py) allows for the section's next step, so a
section never lists work the person may not do. Open issues are split so each appears once:
overdue, due today, newly assigned (triaged, not started), in progress. Then awaiting reply
(resolved or explained), awaiting callback (replied, not rated), the department's whistles
(报到 pending or done, with who and when), and for triagers the reported issues and the
district issues without a department (待指定区级部门). Those who manage pairings (admins, group
leaders) first get the households no cadre on duty holds (未结对户: a cadre left with no
successor, or was never given one), with links to re-pair them. A constant number of queries
whatever the number of issues: one count query, one per section, one for the acknowledgers, two
for the unpaired households.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from households.access import pairing_households_for
from issues.access import issues_actable_by, issues_visible_to
from issues.models import IssueEvent, Level, Status
from issues.transitions import TRANSITIONS
from liaison.access import may_manage_pairings, roles_of
from liaison.roles import Role
from visits.selectors import unpaired_households

LIMIT = 20
# fields that are limits (shown as time left or overdue); the others are when the wait began
DEADLINES = ("due_at", "contact_due_at", "ack_due_at")
RELATED = ("household", "village", "committee", "department", "handler")
OPEN = (Status.TRIAGED, Status.IN_PROGRESS)


@dataclass
class Section:
    code: str
    label: Any
    rows: list = field(default_factory=list)
    total: int = 0
    deadline: str = "due_at"  # the field the section is ordered by and shows

    @property
    def more(self) -> int:
        return max(self.total - len(self.rows), 0)


@dataclass
class HouseholdSection(Section):
    """A section of households, not issues (kept out of `rows`, which hold issues only)."""

    households: list = field(default_factory=list)

    @property
    def more(self) -> int:
        return max(self.total - len(self.households), 0)


HANDLING = frozenset({"overdue", "due_today", "new", "in_progress"})


def _may(roles: set, status: str, action: str) -> bool:
    transition = TRANSITIONS.get((status, action))
    return bool(transition and roles & set(transition.roles))


def _sections_for(roles: set, today_end: dt.datetime, now: dt.datetime) -> list[tuple]:
    """(code, label, condition, order, deadline field) for the sections these roles get."""
    handles = _may(roles, Status.IN_PROGRESS, "resolve")
    triages = _may(roles, Status.REPORTED, "triage")
    unowned = Q(level=Level.DISTRICT, department__isnull=True)
    # a district issue without a department waits on the dispatch section only
    working = Q(status__in=OPEN) & ~unowned if triages else Q(status__in=OPEN)
    dated = Q(due_at__isnull=False)
    specs = []
    if triages:
        specs.append(
            (
                "triage",
                _("待分派"),
                Q(status=Status.REPORTED),
                ("contact_due_at", "reported_at"),
                "contact_due_at",
            )  # fmt: skip
        )
        specs.append(
            ("dispatch", _("待指定区级部门"),
             Q(status__in=OPEN) & unowned, ("due_at",), "due_at")
        )  # fmt: skip
    if Role.DEPARTMENT_LIAISON in roles:
        specs.append(
            ("whistle", _("吹哨报到"),
             Q(status__in=OPEN, department__isnull=False, ack_due_at__isnull=False),
             (F("acked_at").desc(nulls_first=True), "ack_due_at"), "ack_due_at")
        )  # fmt: skip
    if handles or Role.LEADER in roles:
        specs.append(
            ("overdue", _("已超期"), working & dated & Q(due_at__lt=now), ("due_at",), "due_at")
        )
    if handles:
        specs += [
            ("due_today", _("今天到期"), working & Q(due_at__gte=now, due_at__lt=today_end),
             ("due_at",), "due_at"),
            ("new", _("新分派，待开始办理"),
             working & Q(status=Status.TRIAGED) & (~dated | Q(due_at__gte=today_end)),
             ("contact_due_at", "due_at"), "due_at"),
            ("in_progress", _("办理中"),
             working & Q(status=Status.IN_PROGRESS) & (~dated | Q(due_at__gte=today_end)),
             ("due_at",), "due_at"),
        ]  # fmt: skip
    if _may(roles, Status.RESOLVED, "reply"):
        specs.append(
            ("awaiting_reply", _("待答复群众"),
             Q(status__in=[Status.RESOLVED, Status.EXPLAINED]), ("closed_at",), "closed_at")
        )  # fmt: skip
    if _may(roles, Status.REPLIED, "rate"):
        specs.append(
            ("awaiting_callback", _("待满意度回访"), Q(status=Status.REPLIED),
             ("replied_at",), "replied_at")
        )  # fmt: skip
    return specs


def worklist_for(user, *, now: dt.datetime | None = None, limit: int = LIMIT) -> list[Section]:
    """The sections of the user's worklist, each ordered by its deadline (earliest first)."""
    now = now or timezone.now()
    today_end = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    today_end += dt.timedelta(days=1)
    roles = roles_of(user)
    unpaired = _unpaired_section(user, limit)
    head = [unpaired] if unpaired is not None else []
    specs = _sections_for(roles, today_end, now)
    if not specs:
        return head
    visible = issues_visible_to(user)
    # the sections of work to do list only what the user may act on (a village handler reads the
    # township-level issues of the village but works only at village level)
    actable = Q(pk__in=issues_actable_by(user).values("pk"))
    specs = [
        (code, label, cond & actable if code in HANDLING else cond, *rest)
        for code, label, cond, *rest in specs
    ]
    # a whistle counts until it is acknowledged (the acknowledged ones stay listed, as 已报到)
    totals = visible.aggregate(
        **{
            code: Count("pk", filter=cond & Q(acked_at__isnull=True) if code == "whistle" else cond)
            for code, _l, cond, *_r in specs
        }
    )
    sections = []
    for code, label, condition, order, deadline in specs:
        rows = _rows(visible.filter(condition), order, code, limit)
        for issue in rows:
            issue.deadline = getattr(issue, deadline)
            issue.late = bool(
                issue.deadline
                and deadline in DEADLINES
                and issue.deadline < now
                and not (code == "whistle" and issue.acked_at)
            )
        sections.append(Section(code, label, rows, totals[code] or 0, deadline))
    return head + sections


UNPAIRED_SHOWN = 5


def _unpaired_section(user, limit: int) -> HouseholdSection | None:
    """The households whose pairing the user may change and no cadre on duty holds (rows are
    households, not issues): only when there are any."""
    if not may_manage_pairings(user):
        return None
    households = unpaired_households(pairing_households_for(user))
    total = households.count()
    if not total:
        return None
    shown = list(households.select_related("village")[: min(limit, UNPAIRED_SHOWN)])
    return HouseholdSection("unpaired", _("未结对户"), [], total, "", households=shown)


def _rows(qs: QuerySet, order, code: str, limit: int) -> list:
    qs = qs.select_related(*RELATED).order_by(*order, "pk")
    if code == "whistle":
        acks = IssueEvent.objects.filter(action="acknowledge").select_related("actor__cadre")
        qs = qs.prefetch_related(Prefetch("events", queryset=acks, to_attr="acks"))
    rows = list(qs[:limit])
    for issue in rows:
        issue.ack_event = (getattr(issue, "acks", None) or [None])[-1]
    return rows
