"""Fault: the Celery worker is killed (SIGKILL) in the middle of a reminder batch's external
sends. The bell had rung for the whole batch in one short transaction before any external send;
the unacknowledged message (acks_late, reject_on_worker_lost) comes back after the visibility
timeout and sends the deliveries still open. Each cadre's bell rings once; the external channel
gets every message, and at most one twice (the one in flight when the worker died).

Runs in the PostgreSQL + Redis pass on a private redis-server; delivery is slowed by a test-only
notification backend so that the kill lands mid-batch."""

import re
from collections import Counter

import pytest
from django.utils import timezone

from core.models import Delivery, Notification, OutboxMessage
from tests.core.reliability.conftest import wait_for
from tests.factories import CadreFactory, PairingFactory, WorkGroupFactory
from visits.contact_day import shift_month, township_contact_day
from visits.models import ReminderDelivery
from visits.reminders import reminders_enqueue

CADRES = 6


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_batch_rings_each_bell_once_and_resends_at_most_one_message(
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
        "DELIVERY_SENDING_TIMEOUT": "5",  # the send in flight at the kill is stale by then
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
    # then the bell had rung for every cadre, once, before the external sends began,
    assert not ReminderDelivery.objects.filter(sent_at__isnull=True).exists()
    bells = Notification.objects.filter(kind="reminder_morning")
    assert sorted(bells.values_list("recipient_id", flat=True)) == sorted(c.user_id for c in cadres)
    assert Delivery.objects.filter(channel="slow", state__in=["queued", "sending"]).exists()

    # and when another worker starts, the unacknowledged batch comes back and sends the rest.
    procs.worker("w2", **env)
    assert wait_for(
        lambda: not Delivery.objects.filter(state__in=["queued", "sending"]).exists(),
        timeout=120,
        interval=0.5,
    ), procs.log("w2")
    assert Notification.objects.filter(kind="reminder_morning").count() == CADRES
    message = OutboxMessage.objects.get(task="liaison.deliver_reminders")
    received = re.findall(rf"\[outbox-{message.pk}\] received", procs.log("w2"))
    assert len(received) == 1
    # Every cadre's message went out on the external channel; at most one twice (the bound:
    # one duplicate per recipient and channel per crash, see SECURITY.md).
    sent = Counter(line.split()[1] for line in lines())
    assert set(sent) == {str(c.user_id) for c in cadres}
    assert sum(sent.values()) - CADRES <= 1
