"""The closed loop applied: `issue_transition` moves an issue along the table of
`issues/transitions.py`.

It is the only code that assigns `Issue.status` (tests/test_architecture.py checks): views, bulk
triage, the API, the admin, the overdue scan and 每月一题 delivery all call it. It validates,
applies, appends the event (`issues/events.py`) in the same transaction, returns that event and
defers alerts until the commit. `transition_replay` walks the same table for the demo's bulk
history.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from issues.access import may_act

from . import alerts, deadlines
from . import fields as F
from .events import event_append, event_build
from .models import LEVEL_ORDER, Issue, IssueEvent, IssueSettings, Level, Outcome, Satisfaction
from .models import Status as S
from .transitions import ACTIONS, TRANSITIONS, TransitionNotAllowed


def transition_replay(
    issue: Issue, action: str, *, at, actor_id: int | None = None, note: str = "", **payload
) -> IssueEvent:
    """Move an unsaved issue one step along the table for a bulk history (the demo seeder): the
    same table and the same event fields as `issue_transition`, without its checks, effects or
    alerts. Returns the unsaved event; the caller saves issues and events in bulk."""
    transition = TRANSITIONS.get((issue.status, action))
    if transition is None:
        raise TransitionNotAllowed(f"{issue.status} -{action}->")
    event = event_build(
        issue=issue,
        action=action,
        at=at,
        actor_id=actor_id,
        from_status=issue.status,
        to_status=transition.target,
        note=note,
        payload=payload,
    )
    issue.status = transition.target
    return event


# --- Guards and effects per action ------------------------------------------------------------
def _guard(issue: Issue, action: str, actor, data: dict) -> None:
    if action == "escalate" and issue.level == Level.DISTRICT:
        raise TransitionNotAllowed(_("已在区级办理，无法继续上报。"))
    if action == "acknowledge" and (not issue.department_id or issue.acked_at):
        raise TransitionNotAllowed(_("没有待报到的区级部门。"))
    if action == "rate" and actor is not None and actor.pk == issue.closed_by_id:
        raise TransitionNotAllowed(_("满意度回访须由承办人以外的人员进行。"))
    if action == "reopen" and issue.satisfaction != Satisfaction.UNSATISFIED:
        raise TransitionNotAllowed(_("只有群众不满意的诉求才能重新办理。"))
    if action == "archive":
        missing = [str(h.label) for h in six_haves(issue) if h.code != "archive" and not h.done]
        if missing:
            raise TransitionNotAllowed(_("“六有”不全，不能归档：") + "、".join(missing))


def _apply(issue: Issue, action: str, data: dict, actor, now, limits: IssueSettings) -> dict:
    """Change the issue's fields for the action; returns the event payload."""

    payload: dict = {}
    # First contact is its own act ("contact"); a reply or a progress note saying so still
    # counts when none was recorded. Starting the work does not.
    contacting = action == "reply" or (action == "progress" and data.get("contacted"))
    if contacting and issue.first_contact_at is None:
        issue.first_contact_at = now
    if action == "contact":
        when = data.get("contacted_at") or now
        if issue.first_contact_at is None or when < issue.first_contact_at:
            issue.first_contact_at = when
        payload = {"contact_channel": data["contact_channel"], "contacted_at": when.isoformat()}
    elif action == "triage":
        issue.committee = data["committee"]
        issue.level = data["level"]
        issue.village = data.get("village") or (
            issue.household.village if issue.household else None
        )
        issue.department = data.get("department")
        issue.handler = data.get("handler")
        issue.due_at = deadlines.result_due(
            start=now, urgency=issue.urgency, level=issue.level, limits=limits
        )
        issue.is_repeat = issue.is_repeat or _is_repeat(issue, limits)
        payload = {"committee": issue.committee_id, "level": issue.level}
    elif action == "escalate":
        old = issue.level or Level.VILLAGE
        issue.level = LEVEL_ORDER[LEVEL_ORDER.index(old) + 1]
        if data.get("department"):
            issue.department = data["department"]
        issue.escalation_count += 1
        issue.is_overdue, issue.overdue_since = False, None
        issue.due_at = deadlines.result_due(
            start=now, urgency=issue.urgency, level=issue.level, limits=limits
        )
        # The materials compiled for the next level: the record so far travels with the issue.
        payload = {
            "from_level": old,
            "to_level": issue.level,
            "materials": {
                "events": issue.events.count(),
                "attachments": list(issue.attachments.values_list("pk", flat=True)),
                "result_so_far": data.get("note", ""),
            },
        }
    elif action == "assign":
        issue.department = data.get("department") or issue.department
        issue.handler = data.get("handler") or issue.handler
        payload = {"handler": issue.handler_id}
    elif action == "acknowledge":
        issue.acked_at = now
    elif action in ("resolve", "explain"):
        issue.outcome = Outcome.RESOLVED if action == "resolve" else Outcome.EXPLAINED
        issue.result = data.get("result", issue.result)
        issue.explanation = data.get("explanation", issue.explanation)
        issue.closed_at, issue.closed_by = now, actor
    elif action == "reply":
        issue.reply_channel, issue.reply_text, issue.replied_at = (
            data["channel"], data["reply_text"], now)  # fmt: skip
        payload = {"channel": issue.reply_channel}
    elif action == "rate":
        issue.satisfaction = data["satisfaction"]
        issue.satisfaction_comment = data.get("comment", "")
        issue.rated_at, issue.rated_by = now, actor
        payload = {"satisfaction": issue.satisfaction}
        if data.get("by"):
            payload["by"] = data["by"]
    elif action == "reopen":
        issue.reopen_count += 1
        # (the dashboard's roll-up counted it as closed then: see dashboard/cube.py)
        payload = {"closed_at": issue.closed_at.isoformat() if issue.closed_at else None}
        issue.outcome, issue.closed_at = "", None
        level = issue.level or Level.VILLAGE
        issue.due_at = deadlines.result_due(
            start=now, urgency=issue.urgency, level=level, limits=limits
        )
        issue.is_overdue, issue.overdue_since = False, None
        payload["reopen_count"] = issue.reopen_count
    elif action == "archive":
        issue.archived_at = now
    elif action == "merge":
        issue.merged_into = data["into"]
        payload = {"into": issue.merged_into_id}
    if (
        action == "triage"
        and issue.department_id
        or action in ("escalate", "assign")
        and data.get("department")
    ):
        issue.ack_due_at = now + timezone.timedelta(hours=limits.department_ack_hours)
        issue.acked_at = None
        payload["department"] = issue.department_id
    return payload


def _is_repeat(issue: Issue, limits: IssueSettings) -> bool:
    if not issue.household_id:
        return False
    since = issue.reported_at - timezone.timedelta(days=limits.repeat_window_days)
    return (
        Issue.objects.filter(
            household_id=issue.household_id,
            committee_id=issue.committee_id,
            reported_at__gte=since,
            reported_at__lt=issue.reported_at,
        )
        .exclude(pk=issue.pk)
        .exists()
    )


# --- Who must hear of a change: the dashboard's roll-up ----------------------------------------
_CHANGE_LISTENERS: list[Callable[..., None]] = []


def register_issue_change_listener(listener: Callable[..., None]) -> None:
    """A higher app (the dashboard, from its AppConfig.ready) asks to be called as
    `listener(before=…, after=…)` inside the transaction of every issue written by
    `issue_transition` or `issues.services.issue_report`: `before` is the row as read before the
    change (None for a new issue), `after` the row as saved."""
    if listener not in _CHANGE_LISTENERS:
        _CHANGE_LISTENERS.append(listener)


def issue_changed(*, before: Issue | None, after: Issue) -> None:
    for listener in _CHANGE_LISTENERS:
        listener(before=before, after=after)


# --- The one entry point ----------------------------------------------------------------------
def issue_transition(
    *, issue: Issue, action: str, actor, system: bool = False, **data
) -> IssueEvent:
    """Validate and apply `action` to `issue` as `actor`; append the event and return it (its
    `.issue` is the updated issue); defer alerts. A follow-up that the action triggers (the
    automatic reopen after 不满意) appends its own event; the one returned is the actor's.

    Raises TransitionNotAllowed (wrong state or a failed rule), PermissionDenied (the actor's
    roles or scope), ValidationError (missing or bad fields, keyed by field name).
    """
    with transaction.atomic():
        issue = Issue.objects.select_for_update().get(pk=issue.pk)
        transition = TRANSITIONS.get((issue.status, action))
        if transition is None:
            if action not in ACTIONS:
                raise TransitionNotAllowed(_("未知的操作：%(a)s") % {"a": action})
            raise TransitionNotAllowed(
                _("当前状态“%(s)s”不能执行“%(a)s”。")
                % {"s": issue.get_status_display(), "a": action}
            )
        if not system and (actor is None or not may_act(actor, issue, action)):
            raise PermissionDenied(_("您无权对这件诉求执行此操作。"))
        cleaned = F.clean(transition, data, issue=issue, actor=actor, system=system)
        if system and action == "rate" and data.get("by") == "resident":
            cleaned["by"] = "resident"  # the resident's own rating (issues/tracking.py)
        _guard(issue, action, actor, cleaned)
        now = timezone.now()
        limits = IssueSettings.current()
        from_status = issue.status
        before = copy.copy(issue)
        payload = _apply(issue, action, cleaned, actor, now, limits)
        issue.status = transition.target
        issue.save()
        issue_changed(before=before, after=issue)
        event = event_append(
            issue=issue,
            at=now,
            actor=actor,
            action=action,
            from_status=from_status,
            to_status=issue.status,
            note=_event_note(cleaned),
            payload=payload,
        )
        _after(issue, action, event, cleaned, actor, limits)
    return event


def _event_note(cleaned: dict) -> str:
    for key in ("note", "result", "explanation", "reply_text", "comment"):
        if cleaned.get(key):
            return cleaned[key]
    return ""


def _after(issue, action, event, cleaned, actor, limits) -> None:
    """Follow-ups inside the same transaction, and alerts after the commit."""

    if action == "merge":
        target = cleaned["into"]
        event_append(
            issue=target,
            at=event.at,
            actor=actor,
            action="merged_in",
            note=_("合并重复诉求 #%(pk)s") % {"pk": issue.pk},
            payload={"from": issue.pk},
        )
    if action == "rate" and issue.satisfaction == Satisfaction.UNSATISFIED:
        # 不满意 sends the issue back to work at once; the count is kept on the issue.
        issue_transition(
            issue=issue, action="reopen", actor=actor, system=True,
            note=_("群众不满意，重新办理。"),
        )  # fmt: skip
        issue.refresh_from_db()
    if action == "reopen" and issue.reopen_count > limits.reopen_cap:
        alerts.defer(issue, "reopen_cap", key=f"reopen_cap:{issue.pk}:{issue.reopen_count}")
    if action in ("triage", "escalate", "assign"):
        # every assignment reaches a person (alerts.recipients falls back to the admins)
        alerts.defer(issue, "assigned", key=f"assigned:{issue.pk}:{event.pk}")
        if issue.department_id and issue.ack_due_at and not issue.acked_at:
            alerts.defer(issue, "whistle", key=f"whistle:{issue.pk}:{event.pk}")


# --- The six haves ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Have:
    code: str
    label: Any
    done: bool


def six_haves(issue: Issue) -> list[Have]:
    """有记录、有实施、有结果、有反馈、有档案、有考评 — archiving needs all but 有档案, which
    archiving itself provides."""
    implemented = issue.first_contact_at is not None or issue.status not in (
        S.REPORTED,
        S.TRIAGED,
    )
    return [
        Have("record", _("有记录"), bool(issue.pk and issue.description.strip())),
        Have("implement", _("有实施"), implemented and issue.status != S.REPORTED),
        Have("result", _("有结果"), bool(issue.outcome and (issue.result or issue.explanation))),
        Have("feedback", _("有反馈"), bool(issue.reply_channel and issue.reply_text)),
        Have("archive", _("有档案"), issue.archived_at is not None),
        Have(
            "evaluate",
            _("有考评"),
            issue.satisfaction in (Satisfaction.SATISFIED, Satisfaction.BASIC),
        ),
    ]
