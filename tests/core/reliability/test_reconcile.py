"""The reconciler (beat, every 5 minutes): reminders stored but never delivered (their task was
lost with the broker's data) ring and are sent once it runs; the API answers JSON with the cache
down (throttles fail open, with a log line and a counter)."""

import datetime as dt

import pytest
from django.test import override_settings
from django.utils import timezone
from redis.exceptions import ConnectionError as RedisConnectionError

from core.cache import cache_failures
from core.models import Delivery, Notification
from visits.models import ReminderDelivery
from visits.reminders import reminders_enqueue
from visits.tasks import reconcile_deliveries

CONTACT_DAY = dt.date(2025, 5, 7)
INAPP_AND_EMAIL = [
    "core.notifications.inapp.InAppBackend",
    "core.notifications.email.EmailBackend",
]


@pytest.mark.django_db
@override_settings(NOTIFICATION_BACKENDS=INAPP_AND_EMAIL)
def test_reminders_left_unsent_are_delivered_once_by_the_reconciler(
    group, mailoutbox, django_capture_on_commit_callbacks
):
    # given reminders stored whose delivery task was lost (on_commit never ran),
    reminders_enqueue(on=CONTACT_DAY)
    assert ReminderDelivery.objects.filter(sent_at__isnull=True).count() == 2
    # when the reconciler runs before they are ten minutes old, it leaves them to their task,
    with django_capture_on_commit_callbacks(execute=True):
        assert reconcile_deliveries.apply().get()["reminders"] == 0
    assert Notification.objects.count() == 0
    # and once they are, it enqueues them again: each bell rings once, each e-mail goes once,
    ReminderDelivery.objects.update(created_at=timezone.now() - dt.timedelta(minutes=11))
    with django_capture_on_commit_callbacks(execute=True):
        assert reconcile_deliveries.apply().get()["reminders"] == 2
    assert Notification.objects.count() == 2
    assert len(mailoutbox) == Delivery.objects.filter(channel="email", state="sent").count() >= 1
    # and a later run finds nothing left.
    with django_capture_on_commit_callbacks(execute=True):
        assert reconcile_deliveries.apply().get() == {
            "republished": 0,
            "reminders": 0,
            "deliveries": 0,
            "relayed": 0,
        }
    assert Notification.objects.count() == 2


CLOSED = {
    "default": {
        "BACKEND": "core.cache.FailOpenRedisCache",
        "LOCATION": "redis://127.0.0.1:9/0",  # nothing listens on the discard port
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1},
    }
}


@pytest.mark.django_db
def test_the_api_answers_json_with_the_cache_down(client, make_user, caplog):
    user = make_user()
    with override_settings(CACHES=CLOSED):
        failures = cache_failures()
        anonymous = client.get("/api/v1/households/")
        client.force_login(user)
        mine = client.get("/api/v1/issues/")
    assert anonymous.status_code == 401
    assert anonymous["Content-Type"].startswith("application/json")
    assert mine.status_code in (200, 403, 404)
    assert mine["Content-Type"].startswith("application/json")
    assert cache_failures() > failures
    assert "cache unavailable" in caplog.text or cache_failures() > failures + 1


@pytest.mark.django_db
def test_without_the_fail_open_backend_the_same_request_fails(client):
    """The guard: Django's own Redis backend raises with the cache down (the HTML 500 of issue 16)."""
    plain = {
        "default": {**CLOSED["default"], "BACKEND": "django.core.cache.backends.redis.RedisCache"}
    }
    with override_settings(CACHES=plain), pytest.raises(RedisConnectionError):
        client.get("/api/v1/households/")


@pytest.mark.django_db
def test_the_reconciler_and_the_import_sweep_are_on_the_beat_every_five_minutes():
    from celery import current_app
    from django_celery_beat.models import PeriodicTask

    import households.tasks  # noqa: F401 - registers the sweep

    for name in ("liaison.reconcile_deliveries", "households.sweep_stale_imports"):
        row = PeriodicTask.objects.get(task=name)
        assert row.enabled and row.crontab.minute == "*/5" and row.crontab.hour == "*"
        assert name in current_app.tasks
