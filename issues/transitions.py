"""The closed loop's transition table: which action moves an issue from which status to which,
who may take it, and which fields it needs. `issues.workflow.issue_transition` applies it;
`issues.access.may_act` reads its roles; pages and the API list the actions from it.

reported ─triage→ triaged ─start→ in_progress ─resolve→ resolved ─┐
                                              ─explain→ explained ┘─reply→ replied ─rate→ rated
rated ─archive→ archived;  rated(不满意) ─reopen→ in_progress;  triaged/in_progress ─escalate→
triaged at the next level;  reported/triaged/in_progress ─merge→ merged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from core.errors import Conflict
from liaison.roles import Role

from .models import Status as S

HANDLERS = (Role.ADMIN, Role.COMMITTEE_STAFF, Role.GROUP_LEADER, Role.VILLAGE_HANDLER,
            Role.DEPARTMENT_LIAISON)  # fmt: skip
CALLERS = (Role.ADMIN, Role.COMMITTEE_STAFF, Role.GROUP_LEADER, Role.CADRE)
TRIAGERS = (Role.ADMIN, Role.COMMITTEE_STAFF)


class TransitionNotAllowed(Conflict):
    """The action does not apply to the issue in its present state (the API answers 409)."""


@dataclass(frozen=True)
class Transition:
    action: str
    source: str
    target: str
    label: Any
    roles: tuple[Role, ...]
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    style: str = "btn-outline-secondary"

    @property
    def fields(self) -> tuple[str, ...]:
        return self.required + self.optional


def _t(action, sources, target, label, roles, required=(), optional=(), style=None):
    return [
        Transition(
            action,
            source,
            target if target else source,
            label,
            roles,
            required,
            optional,
            style or "btn-outline-secondary",
        )  # fmt: skip
        for source in sources
    ]


_TABLE = [
    *_t("triage", [S.REPORTED], S.TRIAGED, _("分派"), TRIAGERS, ("committee", "level"),
        ("village", "department", "handler", "note"), "btn-lx"),
    *_t("merge", [S.REPORTED, S.TRIAGED, S.IN_PROGRESS], S.MERGED, _("合并为重复诉求"),
        TRIAGERS, ("into",), ("note",)),
    *_t("start", [S.TRIAGED], S.IN_PROGRESS, _("开始办理"), HANDLERS, (), ("note",), "btn-lx"),
    *_t("acknowledge", [S.TRIAGED, S.IN_PROGRESS], None, _("部门报到"),
        (Role.ADMIN, Role.DEPARTMENT_LIAISON), (), ("note",)),
    *_t("progress", [S.IN_PROGRESS], None, _("记录进展"), HANDLERS, ("note",), ("contacted",)),
    *_t("escalate", [S.TRIAGED, S.IN_PROGRESS], S.TRIAGED, _("上报上级"), HANDLERS,
        ("note",), ("department",), "btn-outline-warning"),
    *_t("resolve", [S.IN_PROGRESS], S.RESOLVED, _("办结"), HANDLERS, ("result",), (),
        "btn-success"),
    *_t("explain", [S.IN_PROGRESS], S.EXPLAINED, _("解释说明"), HANDLERS, ("explanation",)),
    *_t("reply", [S.RESOLVED, S.EXPLAINED], S.REPLIED, _("答复群众"), (*HANDLERS, Role.CADRE),
        ("channel", "reply_text"), (), "btn-lx"),
    *_t("rate", [S.REPLIED], S.RATED, _("满意度回访"), CALLERS, ("satisfaction",),
        ("comment",), "btn-lx"),
    *_t("reopen", [S.RATED], S.IN_PROGRESS, _("重新办理"), CALLERS, ("note",)),
    *_t("archive", [S.RATED], S.ARCHIVED, _("归档"), TRIAGERS, (), ("note",), "btn-lx"),
]  # fmt: skip
TRANSITIONS: dict[tuple[str, str], Transition] = {(t.source, t.action): t for t in _TABLE}
ACTIONS: tuple[str, ...] = tuple(dict.fromkeys(t.action for t in _TABLE))


def transitions_from(status: str) -> list[Transition]:
    return [t for t in _TABLE if t.source == status]
