"""Celery tasks of the recurring-demand detection. Thin: re-read the run, call the detection."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from core.periodic import DAY, once_per_period
from liaison.models import Township

from .detection import cluster_run_perform, month_start
from .models import ClusterRun


@shared_task(
    name="projects.cluster_run", acks_late=True, time_limit=30 * 60, soft_time_limit=28 * 60
)
def cluster_run_task(run_id: int) -> None:
    # A redelivered message finds the run done (or failed) and returns quietly.
    run = ClusterRun.objects.filter(
        pk=run_id, status__in=[ClusterRun.Status.QUEUED, ClusterRun.Status.RUNNING]
    ).first()
    if run is not None:
        cluster_run_perform(run=run)


@shared_task(name="projects.detect_recurring_demands", time_limit=60 * 60, soft_time_limit=58 * 60)
@once_per_period(DAY)
def detect_recurring_demands() -> int:
    """The nightly run: this month's recurring demands for every township."""
    month = month_start(timezone.localdate())
    done = 0
    for township_id in Township.objects.values_list("pk", flat=True):
        run = ClusterRun.objects.create(township_id=township_id, month=month)
        cluster_run_perform(run=run)
        done += 1
    return done
