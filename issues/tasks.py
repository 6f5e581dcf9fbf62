"""Celery tasks of the issues app: thin, idempotent, they call services."""

from celery import shared_task

from core.periodic import QUARTER_HOUR, once_per_period

from .alerts import alert_send
from .models import Issue
from .services import issues_scan_overdue
from .tracking import tracking_sms_send


@shared_task(name="issues.scan_overdue", time_limit=600, soft_time_limit=540)
@once_per_period(QUARTER_HOUR)  # the beat schedule is */15: change both together
def scan_overdue() -> dict:
    return issues_scan_overdue()


@shared_task(
    name="issues.send_alert",
    autoretry_for=(ConnectionError,),
    retry_backoff=True,
    max_retries=3,
    time_limit=60,
    soft_time_limit=50,
)
def send_issue_alert(issue_id: int, kind: str, key: str) -> int:
    issue = Issue.objects.filter(pk=issue_id).first()
    if issue is None:
        return 0
    return alert_send(issue=issue, kind=kind, key=key)


@shared_task(
    name="issues.send_tracking_sms",
    autoretry_for=(ConnectionError,),
    retry_backoff=True,
    max_retries=3,
    time_limit=60,
    soft_time_limit=50,
)
def send_tracking_sms(issue_id: int) -> str:
    """The resident's tracking number by SMS (issues/tracking.py); idempotent by key."""
    return tracking_sms_send(issue_id)
