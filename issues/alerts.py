"""Alerts about issues: who is told, and sending after the commit (idempotent by key)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q

from core import notifications
from core.delivery import deliveries_create, deliveries_send
from core.models import Delivery
from core.notifications import Message
from core.outbox import outbox_enqueue

from .models import Issue, IssueAlert, Level

MESSAGES = {
    IssueAlert.Kind.OVERDUE: "诉求 #{pk} 已超过办理时限，请尽快办理。",
    IssueAlert.Kind.ESCALATED: "诉求 #{pk} 超期未办结，已自动上报至{level}。",
    IssueAlert.Kind.REOPEN_CAP: "诉求 #{pk} 已被群众退回 {n} 次，请委员会负责人关注。",
    IssueAlert.Kind.WHISTLE: "乡镇吹哨：诉求 #{pk} 已上报贵部门，请按时报到。",
    IssueAlert.Kind.ACK_OVERDUE: "诉求 #{pk} 的区级部门未按时报到。",
    IssueAlert.Kind.ASSIGNED: "新分派诉求 #{pk}，请及时联系群众。",
}


def defer(issue: Issue, kind: str, *, key: str) -> None:
    """Send once the surrounding transaction commits (never for a rolled-back change)."""
    # issues.tasks imports this module at the top: the task is looked up when enqueuing
    from .tasks import send_issue_alert

    outbox_enqueue(send_issue_alert, issue.pk, kind, key, key=f"issues.alert:{key}")


def recipients(issue: Issue, kind: str):
    User = get_user_model()
    handlers = Q(pk__in=[])
    if issue.handler_id:
        handlers |= Q(cadre=issue.handler_id)
    if issue.level == Level.VILLAGE and issue.village_id:
        handlers |= Q(cadre__village_id=issue.village_id, groups__name="village_handler")
    if issue.level == Level.DISTRICT and issue.department_id:
        handlers |= Q(cadre__departments=issue.department_id)
    committee = Q(pk__in=[])
    if issue.committee_id:
        committee = Q(cadre__committee_memberships__committee_id=issue.committee_id)
    condition = {
        IssueAlert.Kind.OVERDUE: handlers | committee,
        IssueAlert.Kind.ESCALATED: handlers | committee,
        IssueAlert.Kind.ASSIGNED: handlers,
        IssueAlert.Kind.ACK_OVERDUE: handlers | committee,
        IssueAlert.Kind.WHISTLE: (
            Q(cadre__departments=issue.department_id) if issue.department_id else Q(pk__in=[])
        ),
        IssueAlert.Kind.REOPEN_CAP: (
            Q(
                cadre__committee_memberships__committee_id=issue.committee_id,
                cadre__committee_memberships__is_head=True,
            )
            if issue.committee_id
            else Q(pk__in=[])
        ),
    }[kind]
    people = User.objects.filter(condition, is_active=True).distinct()
    if kind == IssueAlert.Kind.ASSIGNED:
        # An assignment always reaches a person: the handlers, else the committee's members,
        # else the township's admins (who own the queue of district issues with no department).
        for fallback in (committee, _admins(issue)):
            if people.exists():
                break
            people = User.objects.filter(fallback, is_active=True).distinct()
    return people


def _admins(issue: Issue) -> Q:
    return Q(groups__name="admin", cadre__township_id=issue.township_id)


def alert_send(*, issue: Issue, kind: str, key: str) -> int:
    """Create the alert rows for every recipient; a second call with the same key adds none.
    Each new alert rings the recipient's bell and records its external deliveries (e-mail, SMS,
    the group webhook) in the same transaction; those are then sent one by one after commit
    (core.delivery), so a refused address or a slow channel never holds back the bell."""
    message = MESSAGES[kind].format(
        pk=issue.pk, level=issue.get_level_display(), n=issue.reopen_count
    )
    title = str(IssueAlert.Kind(kind).label)
    batch = f"alert:{key}"[:100]
    created = []
    with transaction.atomic():
        for user in recipients(issue, kind).select_related("cadre"):
            alert, was_new = IssueAlert.objects.get_or_create(
                key=f"{key}:{user.pk}",
                defaults={"recipient": user, "issue": issue, "kind": kind, "message": message},
            )
            if was_new:
                created.append((alert, user))
        messages = [
            (
                f"alert:{alert.pk}",
                Message(
                    user_id=user.pk,
                    title=title,
                    body=message,
                    url=issue.get_absolute_url(),
                    email=user.email or "",
                    phone=_phone(user),
                    name=user.get_full_name() or user.get_username(),
                ),
            )
            for alert, user in created
        ]
        # the bell through the platform's in-app channel, as the reminders ring it
        notifications.ring([m for _source, m in messages])
        deliveries_create(
            messages,
            batch=batch,
        )
    # this batch's rows still open (a redelivered task: those its killed run did not finish)
    deliveries_send(
        Delivery.objects.filter(
            batch=batch, state__in=[Delivery.State.QUEUED, Delivery.State.SENDING]
        ).values_list("pk", flat=True)
    )
    return len(created)


def _phone(user) -> str:
    cadre = getattr(user, "cadre", None)
    return getattr(cadre, "phone", "") or ""
