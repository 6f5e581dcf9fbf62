"""Reminders through a real Celery worker on Redis (the PostgreSQL + Redis pass runs this)."""

import time

import pytest

from core.models import Notification
from visits.models import ReminderDelivery
from visits.tasks import send_contact_day_reminders


def wait_for(predicate, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.3)
    return False


@pytest.fixture
def inapp_only(monkeypatch):
    """The worker process reads its settings from the environment: no SMTP server here."""
    monkeypatch.setenv("NOTIFICATION_BACKENDS", "core.notifications.inapp.InAppBackend")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_reminders_run_twice_through_a_real_worker_and_deliver_once(
    group, inapp_only, celery_worker_process
):
    # given two cadres with unvisited households, when beat's task runs twice on the worker,
    first = send_contact_day_reminders.delay(date="2025-05-07", kinds=["morning"])
    assert first.get(timeout=60) == {"date": "2025-05-07", "planned": 2, "pending": 2}
    assert wait_for(lambda: not ReminderDelivery.objects.filter(sent_at__isnull=True).exists())
    second = send_contact_day_reminders.delay(date="2025-05-07", kinds=["morning"])
    assert second.get(timeout=60)["pending"] == 0
    time.sleep(1)
    # then each cadre has exactly one notification.
    assert sorted(Notification.objects.values_list("recipient_id", flat=True)) == sorted(
        [group["a"].user_id, group["b"].user_id]
    )
