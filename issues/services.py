"""Writes on issues that are not state transitions: intake, attachments, the overdue scan,
bulk triage. State changes go through `issues.workflow.issue_transition`."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.uploads import check_upload
from liaison.access import cadre_of

from . import alerts, deadlines
from .events import event_append
from .models import (
    LEVEL_ORDER,
    Attachment,
    Issue,
    IssueEvent,
    IssueSettings,
    Level,
    Source,
    Status,
    Urgency,
)
from .transitions import TransitionNotAllowed
from .workflow import issue_changed, issue_transition

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
# The type comes from the content (images decoded), never from the file name: core.uploads.
ATTACHMENT_KINDS = frozenset({"image", "pdf", "docx", "xlsx", "ole"})


def issue_report(
    *,
    actor,
    household=None,
    description: str,
    source: str = "visit",
    urgency: str = "normal",
    visit=None,
    reporter_name: str = "",
    reporter_phone: str = "",
    location: str = "",
    township=None,
    channel: str = "",
) -> Issue:
    """Record a new issue in `reported` with its first event (有记录).

    `township` is for intake without a household or a cadre (an Open311 client); `channel`
    names the sender (a hotline or an app) in the first event's payload."""
    errors = {}
    description = (description or "").strip()
    if not description:
        errors["description"] = [_("请填写诉求内容。")]
    if source not in Source.values:
        errors["source"] = [_("请选择有效的来源。")]
    if urgency not in Urgency.values:
        errors["urgency"] = [_("请选择有效的紧急程度。")]
    cadre = cadre_of(actor)
    if household is not None:
        township = household.township
    elif township is None:
        township = getattr(cadre, "township", None)
    if township is None:
        errors.setdefault("household", [_("请选择住户（区级用户登记诉求需指定住户）。")])
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    limits = IssueSettings.current()
    with transaction.atomic():
        issue = Issue.objects.create(
            township=township,
            household=household,
            visit=visit,
            village=household.village if household is not None else None,
            description=description[:4000],
            source=source,
            urgency=urgency,
            reporter_name=(reporter_name or "")[:32],
            reporter_phone=(reporter_phone or "")[:20],
            location=(location or "")[:128],
            raised_by=cadre,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
            reported_at=now,
            contact_due_at=deadlines.contact_due(reported_at=now, urgency=urgency, limits=limits),
        )
        issue_changed(before=None, after=issue)
        event_append(
            issue=issue,
            at=now,
            actor=issue.created_by,
            action="report",
            from_status="",
            to_status=Status.REPORTED,
            note=description[:4000],
            payload={"source": source, "urgency": urgency}
            | ({"channel": channel[:64]} if channel else {}),
        )
    return issue


def attachment_check(upload) -> str:
    """The real content type of an upload, or a field error (size, or a type we don't take)."""
    try:
        checked = check_upload(upload, kinds=ATTACHMENT_KINDS, max_bytes=MAX_ATTACHMENT_BYTES)
    except ValidationError as error:
        if error.code == "upload_too_large":
            raise ValidationError({"file": [_("附件不能超过 10 MB。")]}) from None
        raise ValidationError(
            {"file": [_("只能上传图片（JPG、PNG、GIF）、PDF 或 Office 文档。")]}
        ) from None
    return checked.content_type


def issue_attach(*, issue: Issue, actor, upload, event: IssueEvent | None = None) -> Attachment:
    """Store an uploaded photo or document after checking its size and its real type."""
    content_type = attachment_check(upload)
    return Attachment.objects.create(
        issue=issue,
        event=event,
        file=upload,
        original_name=upload.name[:255],
        content_type=content_type,
        size=upload.size,
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )


def issues_bulk_triage(*, issues, actor, **data) -> tuple[list[Issue], dict[int, str]]:
    """Triage several issues the same way; each is its own transaction. Returns the done ones
    and the reason for each one that was not."""
    done, failed = [], {}
    for issue in issues:
        try:
            done.append(issue_transition(issue=issue, action="triage", actor=actor, **data).issue)
        except ValidationError as exc:
            failed[issue.pk] = "；".join(exc.messages)
        except (TransitionNotAllowed, PermissionDenied) as exc:
            failed[issue.pk] = str(exc)
    return done, failed


def issues_scan_overdue(*, now=None) -> dict[str, int]:
    """Flag open issues past their limit, alert, and escalate those still overdue after the
    grace period. Idempotent: a second run at the same time changes nothing."""
    now = now or timezone.now()
    limits = IssueSettings.current()
    counts = {"flagged": 0, "escalated": 0, "unacknowledged": 0}
    open_qs = Issue.objects.filter(status__in=[Status.REPORTED, Status.TRIAGED, Status.IN_PROGRESS])
    late = open_qs.filter(is_overdue=False, due_at__lt=now) | open_qs.filter(
        is_overdue=False, first_contact_at__isnull=True, contact_due_at__lt=now
    )
    for issue in late.distinct():
        with transaction.atomic():
            Issue.objects.filter(pk=issue.pk).update(
                is_overdue=True, overdue_since=now, updated_at=timezone.now()
            )
            event_append(
                issue=issue,
                at=now,
                action="overdue",
                note=str(_("超过办理时限")),
                payload={"due_at": issue.due_at.isoformat() if issue.due_at else None},
            )
            alerts.defer(issue, "overdue", key=f"overdue:{issue.pk}:{now:%Y%m%d%H%M}")
        counts["flagged"] += 1
    already = IssueEvent.objects.filter(
        issue=OuterRef("pk"), action="ack_overdue", at__gte=OuterRef("ack_due_at")
    )
    unacked = open_qs.filter(
        department__isnull=False, acked_at__isnull=True, ack_due_at__lt=now
    ).exclude(Exists(already))
    for issue in unacked:
        with transaction.atomic():
            event_append(
                issue=issue,
                at=now,
                action="ack_overdue",
                note=str(_("区级部门未在时限内报到")),
                payload={"department": issue.department_id},
            )
            alerts.defer(
                issue, "ack_overdue", key=f"ack_overdue:{issue.pk}:{issue.ack_due_at:%Y%m%d%H%M}"
            )
        counts["unacknowledged"] += 1
    grace = timezone.timedelta(hours=limits.overdue_grace_hours)
    stale = open_qs.filter(
        is_overdue=True,
        overdue_since__lt=now - grace,
        status__in=[Status.TRIAGED, Status.IN_PROGRESS],
    ).exclude(level=Level.DISTRICT)
    for issue in stale:
        next_level = LEVEL_ORDER[LEVEL_ORDER.index(issue.level or Level.VILLAGE) + 1]
        escalated = issue_transition(
            issue=issue,
            action="escalate",
            actor=None,
            system=True,
            note=str(_("超期未办结，系统自动上报至%(level)s。") % {"level": next_level.label}),
        ).issue
        alerts.defer(
            escalated, "escalated", key=f"escalated:{issue.pk}:{escalated.escalation_count}"
        )
        counts["escalated"] += 1
    return counts
