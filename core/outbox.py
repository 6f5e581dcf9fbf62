"""A transactional outbox for Celery tasks: nothing is lost while Redis is down.

`outbox_enqueue(task, *args, key=..., **kwargs)` writes an OutboxMessage row in the caller's
transaction and, once it commits, tries to publish it with short timeouts (a request never hangs
on a dead broker: a failed publish returns within about a second). A row that could not be sent
stays pending; `outbox_relay()` sends pending rows later: the `liaison.relay_outbox` beat task
(every minute), `manage.py relay_outbox`, and opportunistically the next successful enqueue.

A row is done when the consumer finished the task (`done_at`, set by the task_postrun signal for
the task id `outbox-<pk>`), not when the broker accepted it: `outbox_reconcile()` (the beat's
reconciler) publishes again a row the broker took but no worker finished within
OUTBOX_REPUBLISH_AFTER (a Redis that lost its data, a dropped message). The tasks are idempotent,
so a second copy of a slow but alive task does no harm.

A rolled-back transaction leaves no row and so sends nothing. Rows are locked while being sent
(SELECT ... FOR UPDATE SKIP LOCKED), so the relay and the after-commit send never publish the same
row together. Delivery is at-least-once (a crash between the publish and marking the row sent
publishes it again): the tasks themselves are idempotent by key.

Without a broker (CELERY_TASK_ALWAYS_EAGER, the demo and the SQLite test pass) the task runs in
process after commit, as `transaction.on_commit(lambda: task.delay(...))` did.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from datetime import timedelta

from celery.signals import task_postrun
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core.models import OutboxMessage

log = logging.getLogger(__name__)

CONNECT_TIMEOUT = 1.0  # seconds to reach the broker before giving up (the row stays pending)
RELAY_BATCH = 500
OPPORTUNISTIC_AGE = timedelta(seconds=5)
KEEP_SENT = timedelta(days=7)  # sent rows are kept a week for inspection, then pruned


def _app():
    # the project's Celery app (config.celery) is the current app once Django is set up;
    # core must not import config
    from celery import current_app

    return current_app


def _name(task) -> str:
    return task if isinstance(task, str) else task.name


def _eager() -> bool:
    return bool(_app().conf.task_always_eager)


def outbox_enqueue(task, *args, key: str | None = None, **kwargs) -> OutboxMessage | None:
    """Send `task(*args, **kwargs)` once the current transaction commits (never if it rolls back).

    `key` makes the enqueue idempotent: a second enqueue with the same key keeps the one row.
    Returns the row (None in eager mode, where the task simply runs after commit)."""
    name = _name(task)
    if _eager():
        app = _app()
        transaction.on_commit(lambda: app.tasks[name].apply_async(args, kwargs))
        return None
    with (
        transaction.atomic()
    ):  # a savepoint: a duplicate key must not break the caller's transaction
        message, _created = OutboxMessage.objects.get_or_create(
            key=key or f"{name}:{uuid.uuid4().hex}",
            defaults={"task": name, "args": list(args), "kwargs": kwargs},
        )
    pk = message.pk
    transaction.on_commit(lambda: _send_after_commit(pk))
    return message


@contextlib.contextmanager
def _broker():
    """A broker connection that fails fast: one connection attempt with a short timeout."""
    app = _app()
    conn = app.connection_for_write(
        connect_timeout=CONNECT_TIMEOUT,
        transport_options={
            "socket_connect_timeout": CONNECT_TIMEOUT,
            "socket_timeout": 5,
            "max_retries": 0,
        },
    )
    try:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=2)
        yield conn
    finally:
        conn.release()


def _publish(conn, message: OutboxMessage) -> None:
    _app().send_task(
        message.task,
        args=message.args,
        kwargs=message.kwargs,
        connection=conn,
        task_id=f"outbox-{message.pk}",  # a re-publish of the same row shows as the same id
        retry=False,
        ignore_result=True,
    )


def _send_locked(pks: list[int]) -> tuple[int, int]:
    """Publish the still-pending rows among `pks` (locked meanwhile); returns (sent, failed)."""
    sent = failed = 0
    with transaction.atomic():
        rows = list(
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(pk__in=pks, sent_at__isnull=True)
            .order_by("pk")
        )
        if not rows:
            return 0, 0
        try:
            with _broker() as conn:
                for row in rows:
                    _publish(conn, row)
                    row.sent_at = timezone.now()
                    row.attempts += 1
                    row.last_error = ""
                    row.save(update_fields=["sent_at", "attempts", "last_error"])
                    sent += 1
        except Exception as exc:  # noqa: BLE001 - any broker failure leaves the rest pending
            log.warning(
                "outbox: broker unavailable, %d task(s) left pending: %s", len(rows) - sent, exc
            )
            failed = len(rows) - sent
            OutboxMessage.objects.filter(pk__in=[r.pk for r in rows[sent:]]).update(
                attempts=F("attempts") + 1, last_error=str(exc)[:2000]
            )
    return sent, failed


def _send_after_commit(pk: int) -> None:
    """The on_commit hook: try this row now; if the broker took it, relay older stragglers too."""
    try:
        sent, _failed = _send_locked([pk])
    except Exception:  # noqa: BLE001 - a request must never fail because the broker is down
        log.exception("outbox: could not send message %s", pk)
        return
    if sent and pending_count(older_than=OPPORTUNISTIC_AGE):
        with contextlib.suppress(Exception):
            outbox_relay(limit=RELAY_BATCH)


def pending_count(*, older_than: timedelta | None = None) -> int:
    pending = OutboxMessage.objects.filter(sent_at__isnull=True)
    if older_than is not None:
        pending = pending.filter(created_at__lt=timezone.now() - older_than)
    return pending.count()


def outbox_relay(*, limit: int | None = None) -> dict:
    """Send pending rows, oldest first, in batches; stop at the first broker failure."""
    sent = failed = 0
    while limit is None or sent < limit:
        batch = list(
            OutboxMessage.objects.filter(sent_at__isnull=True)
            .order_by("pk")
            .values_list("pk", flat=True)[
                : RELAY_BATCH if limit is None else min(RELAY_BATCH, limit - sent)
            ]
        )
        if not batch:
            break
        ok, bad = _send_locked(batch)
        sent += ok
        failed += bad
        if bad or not ok:
            break
    return {"sent": sent, "failed": failed, "pending": pending_count()}


def outbox_prune(*, older_than: timedelta = KEEP_SENT) -> int:
    """Delete rows done before `older_than` ago (pending or unfinished rows are never pruned)."""
    deleted, _ = OutboxMessage.objects.filter(
        done_at__isnull=False, done_at__lt=timezone.now() - older_than
    ).delete()
    return deleted


def republish_after() -> timedelta:
    # longer than the longest task's time limit, so a slow task is not sent twice for nothing
    return timedelta(seconds=int(getattr(settings, "OUTBOX_REPUBLISH_AFTER", 40 * 60)))


def outbox_reconcile() -> int:
    """Put back to pending the rows the broker accepted but no worker finished in time; the
    relay then publishes them again (same task id). Returns how many."""
    stale = OutboxMessage.objects.filter(
        sent_at__lt=timezone.now() - republish_after(), done_at__isnull=True
    )
    count = stale.update(sent_at=None, last_error="republished: no worker finished it")
    if count:
        log.warning("outbox: %d task(s) accepted by the broker but never finished, resent", count)
    return count


@task_postrun.connect
def _consumer_finished(sender=None, task_id=None, state=None, **_kwargs) -> None:
    """The worker finished a task sent through the outbox (success, or failure after its
    retries): the row is done. A retry or a killed worker leaves it open."""
    if not task_id or not str(task_id).startswith("outbox-") or state not in ("SUCCESS", "FAILURE"):
        return
    pk = str(task_id).removeprefix("outbox-")
    if pk.isdigit():
        OutboxMessage.objects.filter(pk=int(pk), done_at__isnull=True).update(
            done_at=timezone.now()
        )
