"""The overdue scan through a real Celery worker on Redis, sharing the PostgreSQL test database."""

import datetime as dt
import time

import pytest
from django.utils import timezone

from issues.models import Issue, IssueAlert
from issues.tasks import scan_overdue
from issues.workflow import issue_transition


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_worker_flags_and_alerts(celery_worker_process, world, new_issue):
    issue = issue_transition(
        issue=new_issue(), action="triage", actor=world.users["staff"],
        committee=world.committee.pk, level="village",
    ).issue  # fmt: skip
    Issue.objects.filter(pk=issue.pk).update(due_at=timezone.now() - dt.timedelta(hours=1))

    result = scan_overdue.delay().get(timeout=60)

    assert result["flagged"] == 1
    assert Issue.objects.get(pk=issue.pk).is_overdue
    deadline = time.monotonic() + 30  # the alert task follows the scan's commit
    while time.monotonic() < deadline and not IssueAlert.objects.filter(kind="overdue").exists():
        time.sleep(0.5)
    recipients = set(IssueAlert.objects.filter(kind="overdue").values_list("recipient", flat=True))
    assert recipients == {world.users["village"].pk, world.users["staff"].pk}
