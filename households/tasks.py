"""Celery tasks for large roster workbooks. Thin: re-read the record, call the service."""

from celery import shared_task

from households.models import RosterImport
from households.roster.service import roster_commit, roster_preview


def _load(pk: int, *statuses):
    return RosterImport.objects.filter(pk=pk, status__in=statuses).first()


@shared_task(acks_late=True, time_limit=30 * 60, soft_time_limit=28 * 60)
def roster_preview_task(roster_import_id: int) -> None:
    roster_import = _load(roster_import_id, RosterImport.Status.PREVIEWING)
    if roster_import is not None:
        roster_preview(roster_import=roster_import)


@shared_task(acks_late=True, time_limit=30 * 60, soft_time_limit=28 * 60)
def roster_commit_task(roster_import_id: int) -> None:
    # Only a previewed import may run; a redelivered task finds it DONE and returns quietly.
    roster_import = _load(roster_import_id, RosterImport.Status.QUEUED)
    if roster_import is not None:
        roster_commit(roster_import=roster_import)
