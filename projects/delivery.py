"""Delivering a 每月一题 project: one action answers every linked issue through the normal loop.

Each linked issue is walked by `issues.workflow.issue_transition` (the only writer of its status)
to 已回复 — triaged to the owner committee at township level if nobody had yet, started, resolved
with the project's result, replied — and is then rated by a caller like any other issue. The
project's manager acts with the project's authority (`system=True`, the events name the actor):
a leader may deliver although the loop's table gives leaders no handler step.

Exactly once: `ProjectIssue.answered_at` is set in the same transaction as the issue's reply, and
a re-delivery skips the answered links; an issue already answered before (or merged) is noted,
not answered twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.models import AuditEntry
from issues.models import Level, ReplyChannel, Status
from issues.transitions import TransitionNotAllowed
from issues.workflow import issue_transition

from . import access
from .models import Project, ProjectEvent, ProjectIssue

STEPS = {
    Status.REPORTED: ("triage", "start", "resolve", "reply"),
    Status.TRIAGED: ("start", "resolve", "reply"),
    Status.IN_PROGRESS: ("resolve", "reply"),
    Status.RESOLVED: ("reply",),
    Status.EXPLAINED: ("reply",),
}


@dataclass
class Delivery:
    answered: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)


def _validate(reply_text: str, channel: str) -> None:
    errors = {}
    if not (reply_text or "").strip():
        errors["reply_text"] = [_("请填写给群众的答复。")]
    if channel not in ReplyChannel.values:
        errors["channel"] = [_("请选择有效的回复方式。")]
    if errors:
        raise ValidationError(errors)


def project_deliver(*, actor, project: Project, reply_text: str, channel: str) -> Delivery:
    if not access.may_manage_project(actor, project):
        raise PermissionDenied(_("您无权管理这个项目。"))
    _validate(reply_text, channel)
    reply_text = reply_text.strip()[:3900]
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=project.pk)
        if project.delivered_at is None:
            project.delivered_at, project.delivered_by = timezone.now(), actor
            project.delivery_text, project.status = reply_text, Project.Status.DELIVERED
            project.progress = 100
            project.save(
                update_fields=[
                    "delivered_at",
                    "delivered_by",
                    "delivery_text",
                    "status",
                    "progress",
                ]
            )
        else:
            reply_text = project.delivery_text  # a re-delivery answers the rest with the same text
    result = Delivery()
    pending = project.links.filter(answered_at__isnull=True, answer_note="").order_by("pk")
    for link_id, issue_id in list(pending.values_list("pk", "issue_id")):
        try:
            _answer(link_id, project=project, actor=actor, text=reply_text, channel=channel,
                    into=result)  # fmt: skip
        except (TransitionNotAllowed, ValidationError) as exc:
            result.failed[issue_id] = str(getattr(exc, "reason", None) or exc)
    if result.answered or result.skipped or result.failed:
        with transaction.atomic():
            text = _("交付：答复 %(a)s 件诉求") % {"a": len(result.answered)}
            ProjectEvent.objects.create(
                project=project, actor=actor, kind=ProjectEvent.Kind.DELIVERED, text=text
            )
            audit_record(
                actor=actor,
                action=AuditEntry.Action.UPDATE,
                obj=project,
                summary=text,
                changes={"answered": result.answered, "skipped": result.skipped,
                         "failed": list(result.failed)},
            )  # fmt: skip
    return result


def _answer(link_id, *, project, actor, text, channel, into: Delivery) -> None:
    data = {
        "triage": {"committee": project.owner_committee_id, "level": Level.TOWNSHIP},
        "start": {"note": _("纳入每月一题：%(t)s") % {"t": project.title}},
        "resolve": {"result": text},
        "reply": {"channel": channel, "reply_text": f"【每月一题·{project.title}】{text}"},
    }
    with transaction.atomic():
        link = ProjectIssue.objects.select_for_update().select_related("issue").get(pk=link_id)
        if link.answered_at is not None:
            return  # answered by a concurrent delivery
        issue = link.issue
        steps = STEPS.get(issue.status)
        if steps is None:
            link.answer_note = _("交付前已答复或已合并，未重复答复")
            link.save(update_fields=["answer_note"])
            into.skipped.append(issue.pk)
            return
        for action in steps:  # each call re-reads the issue (locked) by its pk
            issue_transition(issue=issue, action=action, actor=actor, system=True, **data[action])
        link.answered_at, link.answer_note = timezone.now(), ""
        link.save(update_fields=["answered_at", "answer_note"])
        into.answered.append(issue.pk)
