"""Visit tasks: contact-day reminders and coverage snapshots (names unchanged so django-celery-beat rows keep working)."""

import datetime as dt

from celery import shared_task
from django.db import DatabaseError
from django.utils import timezone

from core.delivery import deliveries_due
from core.outbox import outbox_enqueue, outbox_reconcile, outbox_relay
from core.periodic import DAY, once_per_period
from core.tasks import send_deliveries
from households.models import Household

from .models import ReminderDelivery
from .reminders import (
    coverage_snapshot_take,
    reminders_deliver,
    reminders_enqueue,
    reminders_reconcile,
)


@shared_task(name="liaison.count_households")
def count_households(township_id: int) -> int:
    """A read through the worker's own database connection (used by the worker round-trip test)."""
    return Household.objects.filter(township_id=township_id).count()


# --- Contact-day reminders ----------------------------------------------------------------------
RETRY = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (Exception,),
    "retry_backoff": 10,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 6,
    "soft_time_limit": 20 * 60,
    "time_limit": 25 * 60,
}


@shared_task(name="liaison.send_contact_day_reminders", **RETRY)
@once_per_period(DAY)
def send_contact_day_reminders(
    date: str | None = None, kinds: list[str] | None = None, days_before: int | None = None
) -> dict:
    """The beat entry point: compute today's reminders and enqueue their delivery (idempotent)."""

    on = dt.date.fromisoformat(date) if date else timezone.localdate()
    run = reminders_enqueue(
        on=on, kinds=tuple(kinds or ReminderDelivery.Kind.values), days_before=days_before
    )
    return {"date": str(on), "planned": len(run.planned), "pending": len(run.pending_ids)}


# Delivery: the bell and the delivery records are one short transaction, each external send its
# own unit that never raises (core.delivery); only a database error retries the task, and the
# reconciler below picks up whatever a task that gave up left unsent.
DELIVER = {
    **RETRY,
    "autoretry_for": (DatabaseError, ConnectionError),
    "max_retries": 3,
    "soft_time_limit": 14 * 60,
    "time_limit": 15 * 60,
}


@shared_task(name="liaison.deliver_reminders", **DELIVER)
def deliver_reminders(delivery_ids: list[int] | None = None, selection: dict | None = None) -> int:
    """One share of a reminder set (`selection`, see visits.reminders.selections); a list of ids
    is what tasks enqueued before the set-based claim carried, still accepted."""
    return reminders_deliver(selection=selection, delivery_ids=delivery_ids)


@shared_task(name="liaison.coverage_snapshot", **RETRY)
@once_per_period(DAY)
def coverage_snapshot(month: str | None = None) -> int:
    """Snapshot a month's coverage (default: the month that just ended)."""

    if month:
        day = dt.date.fromisoformat(month)
    else:
        day = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    return coverage_snapshot_take(month=day)


@shared_task(name="liaison.reconcile_deliveries", time_limit=300, soft_time_limit=240)
def reconcile_deliveries() -> dict:
    """Every five minutes (beat): whatever a crash or a broker that lost its data left behind is
    sent again from the database. Tasks the broker took but no worker finished are republished;
    reminders still unsent are enqueued again; deliveries due for a retry, or claimed by a worker
    that died, are sent."""
    # imported here like the tasks above: visits.reminders imports this module (a cycle)

    republished = outbox_reconcile()
    reminders = reminders_reconcile()
    due = deliveries_due()
    for i in range(0, len(due), 200):
        outbox_enqueue(send_deliveries, due[i : i + 200])
    relayed = outbox_relay() if republished else {}
    return {
        "republished": republished,
        "reminders": reminders,
        "deliveries": len(due),
        "relayed": relayed.get("sent", 0),
    }
