"""The scheduled jobs in process, for the demo (no broker, no `celery beat`).

`jobs_run_due()` reads the beat schedule that production uses (django-celery-beat's PeriodicTask
rows, created by the migrations), runs each enabled job whose time has come in this process
(`Task.apply`, with the `periodic_task_name` header beat would send, so `once_per_period` still
keeps one run per slot), and records the run on the row as beat does. `manage.py run_jobs`
loops over it; `make demo` starts that beside the web server. Production runs `celery beat` and
a worker instead (README).
"""

from __future__ import annotations

import json
import logging

from celery import current_app
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

log = logging.getLogger(__name__)


def _due(task: PeriodicTask, now) -> bool:
    if task.one_off and task.total_run_count:
        return False
    if task.start_time and task.start_time > now:
        return False
    return bool(task.schedule.is_due(task.last_run_at).is_due)


def jobs_run_due(*, now=None, run_all: bool = False) -> list[str]:
    """Run the jobs due now (every enabled job with `run_all`); returns their names."""
    now = now or timezone.now()
    ran = []
    for task in PeriodicTask.objects.filter(enabled=True).order_by("name"):
        if task.last_run_at is None and not run_all:
            # like beat: a job never run before waits for its first slot from now
            PeriodicTask.objects.filter(pk=task.pk).update(last_run_at=now)
            continue
        if not run_all and not _due(task, now):
            continue
        job = current_app.tasks.get(task.task)
        if job is None:
            log.warning("periodic job %s: task %s is not registered", task.name, task.task)
            continue
        result = job.apply(
            args=json.loads(task.args or "[]"),
            kwargs=json.loads(task.kwargs or "{}"),
            headers={"periodic_task_name": task.name},
        )
        if result.failed():
            log.error("periodic job %s failed: %s", task.name, result.result)
        PeriodicTask.objects.filter(pk=task.pk).update(
            last_run_at=now, total_run_count=task.total_run_count + 1
        )
        ran.append(task.name)
    return ran
