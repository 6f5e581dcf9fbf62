"""Roster import services: upload -> dry-run preview -> confirm -> import, each recorded.

The page, the admin, the Celery task and `manage.py import_roster` all go through here.
"""

from __future__ import annotations

import hashlib
import logging
from contextlib import contextmanager

from django.core.cache import cache
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.models import AuditEntry
from core.outbox import outbox_enqueue
from households.changes import audit_member_moves
from households.models import RosterImport, RosterImportChange

from .bulk import insert_rows
from .guards import end_pairings_refusal, needs_typed_confirmation, typed_count
from .liveness import first_database_error
from .reader import RosterFileError, max_upload_bytes
from .runner import run_roster

logger = logging.getLogger(__name__)

# Uploads up to this size are previewed and imported inside the request; larger ones by Celery.
INLINE_MAX_BYTES = 256 * 1024
CHANGE_COLUMNS = ("roster_import_id", "sheet", "row", "action", "key", "fields")


def progress_key(pk: int) -> str:
    return f"households:roster-import:{pk}:progress"


def roster_progress(roster_import: RosterImport) -> int:
    """0-100. Progress lives in the cache: the import's own transaction hides its row updates."""
    if not roster_import.is_busy:
        return 100 if roster_import.status != RosterImport.Status.FAILED else 0
    return int(cache.get(progress_key(roster_import.pk), roster_import.progress) or 0)


def roster_upload_create(*, data: bytes, file_name: str, township, actor) -> RosterImport:
    """Keep the uploaded file and start its preview record."""
    roster_import = RosterImport(
        township=township,
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
        file_name=file_name[:255],
        file_sha256=hashlib.sha256(data).hexdigest(),
        file_size=len(data),
    )
    if len(data) <= max_upload_bytes():
        roster_import.file.save(file_name[-100:] or "roster.xlsx", ContentFile(data), save=False)
    roster_import.save()
    return roster_import


def roster_is_large(roster_import: RosterImport) -> bool:
    return roster_import.file_size > INLINE_MAX_BYTES


def roster_preview(
    *,
    roster_import: RosterImport,
    end_missing_pairings: bool = False,
    confirm_end: int | None = None,
) -> RosterImport:
    """Dry run: counts, errors and the preview's lists, nothing written. Asked to end the
    pairings the file leaves out (the command's --dry-run), it also says whether it may."""
    try:
        return _run(
            roster_import,
            dry_run=True,
            end_missing_pairings=end_missing_pairings,
            confirm_end=confirm_end,
        )
    finally:
        _discard_file(roster_import)


def roster_commit(
    *,
    roster_import: RosterImport,
    end_missing_pairings: bool | None = None,
    confirm_end: int | None = None,
) -> RosterImport:
    """The real import (all-or-nothing), its audit entry and its row-by-row history.

    end_missing_pairings (default: the choice stored on the import at confirmation) ends the
    current pairings of households the 结对 sheet leaves out, if exactly confirm_end (default:
    the number stored at confirmation) of them are missing, or up to the threshold unconfirmed
    (guards.py); otherwise the whole import is refused.
    """
    if end_missing_pairings is not None:
        roster_import.end_missing_pairings = end_missing_pairings
        roster_import.end_pairings_confirmed = confirm_end if end_missing_pairings else None
        roster_import.save(update_fields=["end_missing_pairings", "end_pairings_confirmed"])
    try:
        return _run(
            roster_import,
            dry_run=False,
            end_missing_pairings=roster_import.end_missing_pairings,
            confirm_end=roster_import.end_pairings_confirmed,
        )
    finally:
        _discard_file(roster_import)


def roster_confirm(
    *, roster_import: RosterImport, end_missing_pairings: bool, typed: str = ""
) -> str:
    """The page's "确认导入": queue the import, or say why not. Ending the pairings the preview
    listed needs, above the threshold, their number typed; up to it the tick confirms the
    number the preview showed. The import ends them only if that many are still missing."""
    confirmed = None
    if end_missing_pairings:
        shown, typed = roster_import.missing_pairings, (typed or "").strip()
        confirmed = typed_count(typed) if typed else None
        if typed and confirmed is None:
            return _("请输入将结束的结对数（一个数字），例如 %(n)d。") % {"n": shown}
        if not typed and not needs_typed_confirmation(shown):
            confirmed = shown
        refusal = end_pairings_refusal(ending=shown, confirmed=confirmed)
        if refusal:
            return refusal
    roster_queue(
        roster_import=roster_import,
        dry_run=False,
        end_missing_pairings=end_missing_pairings,
        confirm_end=confirmed,
    )
    return ""


def roster_queue(
    *,
    roster_import: RosterImport,
    dry_run: bool,
    end_missing_pairings: bool = False,
    confirm_end: int | None = None,
) -> None:
    """Mark busy and hand the work to Celery once this transaction commits."""
    # households.tasks imports this module at the top: the tasks are looked up when enqueuing
    from households.tasks import roster_commit_task, roster_preview_task

    status = RosterImport.Status.PREVIEWING if dry_run else RosterImport.Status.QUEUED
    roster_import.status = status
    roster_import.progress = 0
    roster_import.end_missing_pairings = end_missing_pairings and not dry_run
    roster_import.end_pairings_confirmed = (
        confirm_end if roster_import.end_missing_pairings else None
    )
    roster_import.save(
        update_fields=["status", "progress", "end_missing_pairings", "end_pairings_confirmed"]
    )
    cache.set(progress_key(roster_import.pk), 0, 3600)
    task = roster_preview_task if dry_run else roster_commit_task
    _enqueue(task, roster_import.pk)


def _enqueue(task, pk: int) -> None:
    outbox_enqueue(task, pk)


@contextmanager
def _opened(roster_import: RosterImport):
    """The stored workbook as an open file: read in place, never copied into memory whole."""
    if not roster_import.file:
        raise RosterFileError(
            _("文件过大（%(size).1f MB），上限为 %(limit)d MB。请按村拆分后分批导入。")
            % {"size": roster_import.file_size / 1048576, "limit": max_upload_bytes() // 1048576}
        )
    with roster_import.file.open("rb") as handle:
        yield handle


def _run(
    roster_import: RosterImport, *, dry_run: bool, end_missing_pairings: bool, confirm_end
) -> RosterImport:
    roster_import.status = (
        RosterImport.Status.PREVIEWING if dry_run else RosterImport.Status.RUNNING
    )
    roster_import.save(update_fields=["status"])
    key = progress_key(roster_import.pk)

    def on_progress(done: int, total: int) -> None:
        cache.set(key, int(done * 99 / total), 3600)

    def on_success(ctx) -> None:
        _finish(roster_import, ctx, RosterImport.Status.DONE)
        audit_record(
            actor=roster_import.uploaded_by,
            action=AuditEntry.Action.IMPORT,
            obj=roster_import,
            summary=_("导入花名册 %(f)s") % {"f": roster_import.file_name},
            changes={
                "file_sha256": roster_import.file_sha256,
                "counts": ctx.counts,
                "row_changes": ctx.change_count,
                "pairings_not_in_file": ctx.missing_pairings,
                "pairings_ended": ctx.missing_pairings if ctx.end_missing_pairings else 0,
                "pairings_end_confirmed": ctx.confirm_end,
                "members_moved": ctx.move_count,
            },
        )
        audit_member_moves(
            ctx.moved_residents,
            actor=roster_import.uploaded_by,
            township_id=roster_import.township_id,
            source=roster_import.file_name,
        )

    db_errors = first_database_error()
    try:
        with _opened(roster_import) as handle, db_errors:
            ctx = run_roster(
                data=handle,
                township=roster_import.township,
                actor=roster_import.uploaded_by,
                dry_run=dry_run,
                on_progress=on_progress,
                on_success=on_success,
                change_writer=None if dry_run else _change_writer(roster_import),
                end_missing_pairings=end_missing_pairings,
                confirm_end=confirm_end,
            )
    except RosterFileError as error:
        roster_import.errors = [{"sheet": "", "row": None, "column": "", "message": str(error)}]
        roster_import.error_count = 1
        roster_import.counts = {}
        roster_import.preview = {}
        _save(roster_import, RosterImport.Status.INVALID)
        return roster_import
    except Exception:
        # Nothing was written (the import's transaction rolled back); say so, naming the first
        # database error (later ones only say "current transaction is aborted"), then let the
        # task or the command report the traceback.
        logger.exception("roster import %s failed", roster_import.pk)
        first = db_errors.summary()
        if first:
            logger.error("roster import %s: first database error: %s", roster_import.pk, first)
            roster_import.message = _("数据库错误：%(error)s") % {"error": first}
        else:
            roster_import.message = _("系统错误，未写入任何数据。请联系管理员查看日志。")
        _save(roster_import, RosterImport.Status.FAILED)
        raise
    finally:
        cache.delete(key)
    if ctx.has_errors:
        _finish(roster_import, ctx, RosterImport.Status.INVALID)
    elif dry_run:
        _finish(roster_import, ctx, RosterImport.Status.PREVIEWED)
    return roster_import


def _change_writer(roster_import: RosterImport):
    """Row changes go to RosterImportChange in batches, inside the import's transaction."""
    pk = roster_import.pk

    def write(rows: list[tuple]) -> None:
        insert_rows(RosterImportChange, CHANGE_COLUMNS, ((pk, *row) for row in rows))

    return write


def _discard_file(roster_import: RosterImport) -> None:
    """The uploaded workbook holds plaintext ID numbers: keep it only while it awaits confirmation.
    The hash, counts, errors and row changes stay as the record of the import."""
    if roster_import.file and roster_import.status != RosterImport.Status.PREVIEWED:
        roster_import.file.delete(save=False)
        roster_import.save(update_fields=["file"])


def _finish(roster_import: RosterImport, ctx, status) -> None:
    roster_import.counts = ctx.counts
    roster_import.errors = ctx.errors
    roster_import.error_count = ctx.error_count
    roster_import.missing_pairings = ctx.missing_pairings
    roster_import.preview = ctx.preview()
    _save(roster_import, status)


def _save(roster_import: RosterImport, status) -> None:
    roster_import.status = status
    roster_import.progress = 100
    roster_import.finished_at = timezone.now()
    roster_import.save()
