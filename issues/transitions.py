"""The closed loop's transition table: which action moves an issue from which status to which,
who may take it, and which fields it needs. `issues.workflow.issue_transition` applies it;
`issues.access.may_act` reads its roles; pages and the API list the actions from it.

reported ─triage→ triaged ─start→ in_progress ─resolve→ resolved ─┐
                                              ─explain→ explained ┘─reply→ replied ─rate→ rated
rated ─archive→ archived;  rated(不满意) ─reopen→ in_progress;  triaged/in_progress ─escalate→
triaged at the next level;  reported/triaged/in_progress ─merge→ merged.
"assign" (triaged/in_progress, no state change) names the district department or the handler
(the dispatch queue of district issues without a department ends with it).
"contact" (triaged/in_progress, no state change) records who contacted the resident, how and
when; the first one sets `first_contact_at`, which the response rate reads. "start" does not.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.errors import Conflict
from liaison.roles import Role

from .models import Status as S

HANDLERS = (Role.ADMIN, Role.COMMITTEE_STAFF, Role.GROUP_LEADER, Role.VILLAGE_HANDLER,
            Role.DEPARTMENT_LIAISON)  # fmt: skip
CALLERS = (Role.ADMIN, Role.COMMITTEE_STAFF, Role.GROUP_LEADER, Role.CADRE)
TRIAGERS = (Role.ADMIN, Role.COMMITTEE_STAFF)


class ContactChannel(models.TextChoices):
    """How the resident was contacted (the "contact" action's event records it)."""

    PHONE = "phone", _("电话")
    VISIT = "visit", _("上门走访")
    WECHAT = "wechat", _("微信")
    IN_PERSON = "in_person", _("当面")


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
    *_t("assign", [S.TRIAGED, S.IN_PROGRESS], None, _("改派"), TRIAGERS, (),
        ("department", "handler", "note")),
    *_t("merge", [S.REPORTED, S.TRIAGED, S.IN_PROGRESS], S.MERGED, _("合并为重复诉求"),
        TRIAGERS, ("into",), ("note",)),
    *_t("start", [S.TRIAGED], S.IN_PROGRESS, _("开始办理"), HANDLERS, (), ("note",), "btn-lx"),
    *_t("contact", [S.TRIAGED, S.IN_PROGRESS], None, _("记录联系群众"), HANDLERS,
        ("contact_channel",), ("contacted_at", "note")),
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
