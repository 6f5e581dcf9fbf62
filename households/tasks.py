"""Celery tasks for large roster workbooks. Thin: re-read the record, call the service.

Each task holds the import's advisory lock while it works (households.roster.liveness): a
redelivered message (the worker died) finds the import still "validating"/"importing" with the lock
free and runs it again from the start (all-or-nothing: the dead run wrote nothing), or finds it
failed by the stale-import sweep and returns quietly. A message for an import another live task
holds does nothing."""

from celery import shared_task

from households.models import RosterImport
from households.roster.liveness import import_lock, roster_sweep_stale
from households.roster.service import roster_commit, roster_preview

Status = RosterImport.Status


def _load(pk: int, *statuses):
    return RosterImport.objects.filter(pk=pk, status__in=statuses).first()


@shared_task(acks_late=True, time_limit=30 * 60, soft_time_limit=28 * 60)
def roster_preview_task(roster_import_id: int) -> None:
    with import_lock(roster_import_id) as owned:
        roster_import = owned and _load(roster_import_id, Status.PREVIEWING)
        if roster_import:
            roster_preview(roster_import=roster_import)


@shared_task(acks_late=True, time_limit=30 * 60, soft_time_limit=28 * 60)
def roster_commit_task(roster_import_id: int) -> None:
    # A confirmed import, or one a dead worker left "importing"; a finished one returns quietly.
    with import_lock(roster_import_id) as owned:
        roster_import = owned and _load(roster_import_id, Status.QUEUED, Status.RUNNING)
        if roster_import:
            roster_commit(roster_import=roster_import)


@shared_task(name="households.sweep_stale_imports", time_limit=300, soft_time_limit=240)
def sweep_stale_imports() -> int:
    """Every five minutes (beat): imports with no live task are failed and their files deleted."""
    return roster_sweep_stale()
