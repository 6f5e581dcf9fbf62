"""A roster import's life-cycle survives a crash (issue 16).

- `import_lock(pk)`: the task that runs an import holds a PostgreSQL session advisory lock for it
  while it works. A worker that dies (SIGKILL, OOM, a lost machine) loses its connection and so
  its lock at once: "no lock" is the live heartbeat going silent.
- `roster_sweep_stale()` (beat, every 5 minutes): an import still "validating" or "importing"
  whose lock is free has no live task (a "validating" one once 10 minutes old: it may still wait
  in the queue). It is marked failed with a clear message and its uploaded
  workbook (plaintext ID numbers) is deleted. Without PostgreSQL (one process, SQLite) the test is
  age: older than the task's 30-minute hard limit.
- A redelivered task (acks_late: the worker died mid-import) takes the lock and runs the import
  again from the start if the sweep has not failed it yet: the import is all-or-nothing, so
  nothing of the dead run was written.
- `first_database_error()`: records the first database error of the import, so that the log and
  the import page name the cause rather than "current transaction is aborted".
"""

from __future__ import annotations

import contextlib
import logging
from datetime import timedelta

from django.db import DatabaseError, connection
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from households.models import RosterImport

log = logging.getLogger(__name__)
LOCK_NAMESPACE = 0x4C58  # "LX": the advisory lock's first key, the import's pk the second
STALE_WITHOUT_LOCKS = timedelta(minutes=35)  # the tasks' hard limit is 30 minutes
PREVIEW_QUEUE_GRACE = timedelta(minutes=10)
LIVE = (RosterImport.Status.PREVIEWING, RosterImport.Status.RUNNING)


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _try_lock(pk: int) -> bool:
    if not _postgres():
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [LOCK_NAMESPACE, pk])
        return bool(cursor.fetchone()[0])


def _unlock(pk: int) -> None:
    if _postgres():
        with contextlib.suppress(DatabaseError), connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_NAMESPACE, pk])


@contextlib.contextmanager
def import_lock(pk: int):
    """Yields True if this process now owns the import (False: another live task does)."""
    owned = _try_lock(pk)
    try:
        yield owned
    finally:
        if owned:
            _unlock(pk)


def roster_sweep_stale() -> int:
    """Fail the imports that have no live task; delete their files. Returns how many."""
    now = timezone.now()
    # "validating" is set when the upload is queued: give its task time to leave the queue
    candidates = RosterImport.objects.filter(
        Q(status=RosterImport.Status.RUNNING)
        | Q(status=RosterImport.Status.PREVIEWING, created_at__lt=now - PREVIEW_QUEUE_GRACE)
    )
    if not _postgres():
        candidates = candidates.filter(created_at__lt=now - STALE_WITHOUT_LOCKS)
    failed = 0
    for pk in candidates.values_list("pk", flat=True):
        with import_lock(pk) as owned:
            if not owned:
                continue  # a live task holds it
            roster_import = RosterImport.objects.filter(pk=pk, status__in=LIVE).first()
            if roster_import is None:
                continue
            roster_import_fail(
                roster_import=roster_import,
                message=_("导入中断：后台进程已停止。请重新上传文件。"),
            )
            failed += 1
    if failed:
        log.warning("roster: %d import(s) without a live task marked failed", failed)
    return failed


def roster_import_fail(*, roster_import: RosterImport, message: str) -> None:
    """Failed, with the reason shown on the import page; the workbook is deleted."""
    if roster_import.file:
        roster_import.file.delete(save=False)
    roster_import.status = RosterImport.Status.FAILED
    roster_import.message = message[:255]
    roster_import.progress = 100
    roster_import.finished_at = timezone.now()
    roster_import.save()


class first_database_error:  # noqa: N801 - used like a function: `with first_database_error()`
    """Remember the first database error raised by any query while the block runs."""

    def __init__(self):
        self.error: DatabaseError | None = None

    def __call__(self, execute, sql, params, many, context):
        try:
            return execute(sql, params, many, context)
        except DatabaseError as exc:
            if self.error is None:
                self.error = exc
            raise

    def __enter__(self):
        self._wrapper = connection.execute_wrapper(self)
        self._wrapper.__enter__()
        return self

    def __exit__(self, *exc):
        self._wrapper.__exit__(*exc)
        return False

    def summary(self) -> str:
        if self.error is None:
            return ""
        return (str(self.error).strip().splitlines() or [type(self.error).__name__])[0][:200]
