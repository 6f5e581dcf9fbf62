"""Fault: the Celery worker is killed (SIGKILL) in the middle of a reminder batch. After another
worker starts, every reminder is delivered exactly once: the batch's transaction died with the
worker (nothing marked sent, no bell rang), the unacknowledged message (acks_late,
reject_on_worker_lost) comes back after the visibility timeout, and the rerun sends each
(cadre, contact day, kind) once.

Runs in the PostgreSQL + Redis pass on a private redis-server; delivery is slowed by a test-only
notification backend so that the kill lands mid-batch."""

import re

import pytest
from django.utils import timezone

from core.models import Notification, OutboxMessage
from tests.core.reliability.conftest import wait_for
from tests.factories import CadreFactory, PairingFactory, WorkGroupFactory
from visits.contact_day import shift_month, township_contact_day
from visits.models import ReminderDelivery
from visits.reminders import reminders_enqueue

CADRES = 6


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_batch_leaves_every_reminder_delivered_exactly_once(
    celery_on_private_redis, tmp_path
):
    procs = celery_on_private_redis
    trace = tmp_path / "slow-backend.log"
    env = {
        "NOTIFICATION_BACKENDS": (
            "core.notifications.inapp.InAppBackend,tests.core.reliability.slow_backend.SlowBackend"
        ),
        "SLOW_BACKEND_LOG": str(trace),
        "SLOW_BACKEND_SECONDS": "0.7",
        "CELERY_VISIBILITY_TIMEOUT": "10",  # redeliver 10 s after the kill (3600 in production)
        "CELERY_UNACKED_RESTORE_THROTTLE": "1",  # and look for such messages every 10 s
    }
    workgroup = WorkGroupFactory()
    cadres = [CadreFactory(workgroup=workgroup) for _ in range(CADRES)]
    for cadre in cadres:
        PairingFactory(cadre=cadre)
    today = timezone.localdate()
    day = township_contact_day(workgroup.township, *shift_month(today.year, today.month, 1))

    first = procs.worker("w1", **env)
    run = reminders_enqueue(on=day, kinds=("morning",))
    assert len(run.pending_ids) == CADRES

    # given the worker is half-way through the batch when it is killed,
    def lines():
        return trace.read_text().splitlines() if trace.exists() else []

    assert wait_for(lambda: len(lines()) >= 2, timeout=60), procs.log("w1")
    procs.kill9(first)
    handed_on_before_kill = len(lines())
    assert 2 <= handed_on_before_kill < CADRES, "the kill must land mid-batch"
    # then its transaction died with it: nothing is marked sent, no bell rang,
    assert not ReminderDelivery.objects.filter(sent_at__isnull=False).exists()
    assert not Notification.objects.exists()

    # and when another worker starts, the unacknowledged batch comes back and is sent once.
    procs.worker("w2", **env)
    assert wait_for(
        lambda: not ReminderDelivery.objects.filter(sent_at__isnull=True).exists(),
        timeout=120,
        interval=0.5,
    ), procs.log("w2")
    deliveries = ReminderDelivery.objects.filter(contact_day=day, kind="morning")
    assert sorted(deliveries.values_list("cadre_id", flat=True)) == sorted(c.pk for c in cadres)
    bells = Notification.objects.filter(kind="reminder_morning")
    assert sorted(bells.values_list("recipient_id", flat=True)) == sorted(c.user_id for c in cadres)
    message = OutboxMessage.objects.get(task="liaison.deliver_reminders")
    received = re.findall(rf"\[outbox-{message.pk}\] received", procs.log("w2"))
    assert len(received) == 1
    # The external channel saw the whole batch once from the second worker (plus the messages
    # the first one handed on before it died: external sends are at-least-once, see SECURITY.md).
    assert len(lines()) == handed_on_before_kill + CADRES
