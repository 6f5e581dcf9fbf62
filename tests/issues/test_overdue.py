"""The overdue scan with frozen time: flag, alert, escalate after the grace period; idempotent."""

import datetime as dt
from zoneinfo import ZoneInfo

import time_machine
from django_celery_beat.models import PeriodicTask

from issues.models import IssueAlert, IssueEvent, Level, Status
from issues.services import issues_scan_overdue
from issues.tasks import scan_overdue
from issues.workflow import issue_transition

TZ = ZoneInfo("Asia/Shanghai")
MONDAY = dt.datetime(2026, 3, 2, 9, 0, tzinfo=TZ)


def _triaged(world, new_issue):
    with time_machine.travel(MONDAY, tick=False):
        issue = new_issue()
        issue = issue_transition(
            issue=issue, action="triage", actor=world.users["staff"],
            committee=world.committee.pk, level="village",
        ).issue  # fmt: skip
        issue = issue_transition(issue=issue, action="start", actor=world.users["village"]).issue
        # the first contact is its own act (starting records none)
        return issue_transition(
            issue=issue, action="contact", actor=world.users["village"], contact_channel="phone"
        ).issue


def test_nothing_happens_before_the_deadline(world, new_issue):
    issue = _triaged(world, new_issue)
    with time_machine.travel(dt.datetime(2026, 3, 5, 8, 59, tzinfo=TZ), tick=False):
        assert issues_scan_overdue() == {"flagged": 0, "escalated": 0, "unacknowledged": 0}
    issue.refresh_from_db()
    assert not issue.is_overdue


def test_overdue_is_flagged_once_and_alerts_handler_and_committee(
    world, new_issue, django_capture_on_commit_callbacks
):
    issue = _triaged(world, new_issue)
    with (
        time_machine.travel(dt.datetime(2026, 3, 5, 10, 0, tzinfo=TZ), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert scan_overdue.delay().get() == {"flagged": 1, "escalated": 0, "unacknowledged": 0}
        assert issues_scan_overdue() == {
            "flagged": 0,
            "escalated": 0,
            "unacknowledged": 0,
        }  # idempotent
    issue.refresh_from_db()
    assert issue.is_overdue
    assert issue.status == Status.IN_PROGRESS
    assert IssueEvent.objects.filter(issue=issue, action="overdue").count() == 1
    alerted = set(
        IssueAlert.objects.filter(issue=issue, kind="overdue").values_list("recipient", flat=True)
    )
    assert alerted == {world.users["village"].pk, world.users["staff"].pk}


def test_escalates_after_the_grace_period(world, new_issue, django_capture_on_commit_callbacks):
    issue = _triaged(world, new_issue)
    with time_machine.travel(dt.datetime(2026, 3, 5, 10, 0, tzinfo=TZ), tick=False):
        issues_scan_overdue()
    with time_machine.travel(dt.datetime(2026, 3, 6, 9, 0, tzinfo=TZ), tick=False):
        assert issues_scan_overdue()["escalated"] == 0  # 23 h: still in the grace period
    with (
        time_machine.travel(dt.datetime(2026, 3, 6, 10, 30, tzinfo=TZ), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert issues_scan_overdue() == {"flagged": 0, "escalated": 1, "unacknowledged": 0}
        assert issues_scan_overdue() == {"flagged": 0, "escalated": 0, "unacknowledged": 0}
    issue.refresh_from_db()
    assert (issue.status, issue.level, issue.escalation_count) == (
        Status.TRIAGED,
        Level.TOWNSHIP,
        1,
    )
    assert not issue.is_overdue
    event = IssueEvent.objects.get(issue=issue, action="escalate")
    assert event.actor is None and "自动上报" in event.note
    assert IssueAlert.objects.filter(issue=issue, kind="escalated").exists()


def test_missed_first_contact_is_overdue_too(world, new_issue):
    with time_machine.travel(MONDAY, tick=False):
        issue = new_issue()
    with time_machine.travel(MONDAY + dt.timedelta(hours=25), tick=False):
        assert issues_scan_overdue()["flagged"] == 1
    issue.refresh_from_db()
    assert issue.is_overdue


def test_the_scan_is_scheduled_for_celery_beat(db):
    task = PeriodicTask.objects.get(task="issues.scan_overdue")
    assert task.enabled and task.crontab is not None


def test_a_department_that_does_not_report_in_is_flagged_once(
    world, new_issue, django_capture_on_commit_callbacks
):
    with time_machine.travel(MONDAY, tick=False):
        issue = issue_transition(
            issue=new_issue(), action="triage", actor=world.users["staff"],
            committee=world.committee.pk, level="district", department=world.department.pk,
        ).issue  # fmt: skip
    assert issue.ack_due_at == MONDAY + dt.timedelta(hours=24)
    with (
        time_machine.travel(MONDAY + dt.timedelta(hours=25), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert issues_scan_overdue()["unacknowledged"] == 1
        assert issues_scan_overdue()["unacknowledged"] == 0
    recipients = set(
        IssueAlert.objects.filter(issue=issue, kind="ack_overdue").values_list(
            "recipient", flat=True
        )
    )
    assert recipients == {world.users["dept"].pk, world.users["staff"].pk}


def test_alerts_ring_the_bell(world, new_issue, django_capture_on_commit_callbacks):
    from django.apps import apps

    with django_capture_on_commit_callbacks(execute=True):
        issue_transition(
            issue=new_issue(), action="triage", actor=world.users["staff"],
            committee=world.committee.pk, level="village",
        )  # fmt: skip
    assert IssueAlert.objects.filter(kind="assigned", recipient=world.users["village"]).count() == 1
    try:
        Notification = apps.get_model("core", "Notification")
    except LookupError:
        return
    assert Notification.objects.filter(
        recipient=world.users["village"], url__contains="/issues/"
    ).exists()
