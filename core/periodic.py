"""Periodic jobs fire once per period, even with two `celery beat` processes running by mistake.

`@once_per_period(seconds)` (under `@shared_task`) takes a unique run key, a PeriodicRun row
(task, period, schedule name), before a job sent by beat starts. django-celery-beat marks its
messages with the `periodic_task_name` header; a task called by hand (`.delay()`, a management
command) carries none and always runs. The period is the job's schedule slot: local
time floored to `seconds` from midnight (beat fires at or just after the slot start, so both beats'
messages fall in the same slot). A second message for a slot already taken does nothing. A retry
or a redelivery of the same message (same Celery task id, e.g. after a worker was killed) may
continue the run it started.
"""

from __future__ import annotations

import functools
import hashlib
import logging

from celery import current_task
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.models import PeriodicRun

log = logging.getLogger(__name__)

DAY = 24 * 3600
QUARTER_HOUR = 15 * 60


def period_key(seconds: int, schedule: str = "", *, now=None) -> str:
    """'2026-11-23T07:30:00' for a job at 07:31 with a 15-minute period, plus a short hash of the
    schedule's name (the same task on two schedules with different arguments keeps two keys)."""
    local = timezone.localtime(now)
    since_midnight = local.hour * 3600 + local.minute * 60 + local.second
    slot = since_midnight // seconds * seconds if seconds < DAY else 0
    stamp = f"{local:%Y-%m-%d}T{slot // 3600:02d}:{slot % 3600 // 60:02d}:{slot % 60:02d}"
    if schedule:
        stamp += "#" + hashlib.sha256(schedule.encode()).hexdigest()[:12]
    return stamp


def periodic_run_take(*, task: str, key: str, task_id: str | None) -> bool:
    """True if this message may run the job for this period (first one, or the same message)."""
    try:
        with transaction.atomic():
            PeriodicRun.objects.create(task=task, period_key=key, task_id=task_id or "")
        return True
    except IntegrityError:
        if not task_id:
            return False
        return PeriodicRun.objects.filter(task=task, period_key=key, task_id=task_id).exists()


def _schedule_name(request) -> str | None:
    """The beat schedule that sent this message: a top-level message header on a worker,
    under `headers` when applied in process (eager)."""
    name = getattr(request, "periodic_task_name", None)
    if not name:
        name = (getattr(request, "headers", None) or {}).get("periodic_task_name")
    return name


def once_per_period(seconds: int):
    def decorate(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            name = getattr(current_task, "name", None) or f"{fn.__module__}.{fn.__qualname__}"
            request = getattr(current_task, "request", None)
            schedule = _schedule_name(request)
            if not schedule:  # not sent by beat: an explicit call always runs
                return fn(*args, **kwargs)
            task_id = getattr(request, "id", None)
            key = period_key(seconds, schedule)
            if not periodic_run_take(task=name, key=key, task_id=task_id):
                log.info("periodic: %s already ran for %s, skipped", name, key)
                return {"skipped": True, "period": key}
            result = fn(*args, **kwargs)
            PeriodicRun.objects.filter(task=name, period_key=key).update(finished_at=timezone.now())
            return result

        return wrapper

    return decorate
