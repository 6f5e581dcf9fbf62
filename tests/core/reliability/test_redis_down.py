"""Fault: Redis (the Celery broker) stopped. Pages, visit logging and issue handling keep working
and answer quickly; the tasks they could not send wait in the outbox and, once Redis is back, the
relay sends them and a real worker receives each exactly once.

Runs in the PostgreSQL + Redis pass, on a private redis-server that the test kills (SIGKILL) and
restarts on the same port; the shared Redis of the CI pass is never touched."""

import re
import time

import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import Notification, OutboxMessage
from core.outbox import outbox_relay
from issues.models import IssueAlert
from tests.core.reliability.conftest import wait_for
from visits.contact_day import shift_month, township_contact_day
from visits.models import ReminderDelivery, Visit
from visits.reminders import reminders_enqueue

QUICK = 5.0  # seconds: generous for a loaded CI machine, far below a hung broker connection


def timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_with_redis_down_requests_work_and_tasks_go_out_once_it_is_back(
    client, world, new_issue, private_redis, celery_on_private_redis
):
    celery_on_private_redis.worker("w1")
    issue = new_issue()
    cadre, staff = world.users["cadre"], world.users["staff"]
    before = set(OutboxMessage.objects.values_list("pk", flat=True))

    # given the broker is gone,
    private_redis.kill()

    # when a cadre browses and logs a visit, staff triage an issue and reminders are computed,
    client.force_login(cadre)
    for url in ("/", reverse("liaison:visit-list"), reverse("issues:list")):
        response, took = timed(lambda url=url: client.get(url))
        assert response.status_code == 200, url
        assert took < QUICK, f"{url} took {took:.1f} s with Redis down"
    form = {
        "household": world.household.pk,
        "visited_on": timezone.localdate().isoformat(),
        "kind": "contact_day",
        "met_with": "户主本人",
        "notes": "Redis 停机期间的走访",
    }
    response, took = timed(lambda: client.post(reverse("liaison:visit-new"), form))
    assert response.status_code == 302 and took < QUICK
    assert Visit.objects.filter(notes="Redis 停机期间的走访").count() == 1

    client.force_login(staff)
    url = reverse("issues:act", args=[issue.pk, "triage"])
    data = {"triage-committee": world.committee.pk, "triage-level": "village"}
    response, took = timed(lambda: client.post(url, data))
    assert response.status_code == 302 and took < QUICK
    issue.refresh_from_db()
    assert issue.status == "triaged"

    today = timezone.localdate()
    year, month = shift_month(today.year, today.month, 1)
    day = township_contact_day(world.township, year, month)
    started = time.monotonic()
    run = reminders_enqueue(on=day, kinds=("morning",))
    assert time.monotonic() - started < QUICK
    assert run.pending_ids, "the cadre has an unvisited household next month"

    # then nothing was sent, and nothing was lost: the tasks wait in the outbox,
    pending = OutboxMessage.objects.exclude(pk__in=before)
    assert pending.count() >= 2
    assert all(m.sent_at is None and m.attempts == 1 and m.last_error for m in pending)
    assert {m.task for m in pending} >= {"issues.send_alert", "liaison.deliver_reminders"}
    assert not IssueAlert.objects.filter(issue=issue, kind="assigned").exists()

    # and when Redis is back (same port, empty) and the relay runs,
    connected = celery_on_private_redis.connections("w1")
    private_redis.start()
    assert wait_for(
        lambda: celery_on_private_redis.connections("w1") > connected, timeout=90, interval=1
    ), "the worker did not reconnect to the restarted broker within 90 s"
    result = outbox_relay()
    assert result == {"sent": pending.count(), "failed": 0, "pending": 0}

    # the worker receives each task exactly once and does its work.
    assert wait_for(
        lambda: (
            IssueAlert.objects.filter(issue=issue, kind="assigned").exists()
            and not ReminderDelivery.objects.filter(sent_at__isnull=True).exists()
        ),
        timeout=60,
    ), celery_on_private_redis.log("w1")
    assert outbox_relay() == {"sent": 0, "failed": 0, "pending": 0}
    time.sleep(1)
    log = celery_on_private_redis.log("w1")
    for message in OutboxMessage.objects.exclude(pk__in=before):
        received = re.findall(rf"{re.escape(message.task)}\[outbox-{message.pk}\] received", log)
        assert len(received) == 1, (message.task, message.pk, len(received))
    reminders = Notification.objects.filter(recipient=cadre, kind__startswith="reminder")
    assert reminders.count() == 1
    assert ReminderDelivery.objects.filter(cadre=cadre.cadre, contact_day=day).count() == 1
