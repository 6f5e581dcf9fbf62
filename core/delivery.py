"""Per-recipient, per-channel delivery of notifications to the external channels.

- `deliveries_create(items, batch=...)` runs in the caller's transaction, beside the bell: one
  Delivery row per message and external channel (a group webhook: one per batch), idempotent by
  key, all in one INSERT (two queries whatever the number). The bell and these rows commit
  together or not at all.
- `deliveries_send(pks or queryset)` runs after that commit, outside any transaction. It reads the
  rows a page at a time; each row is its own unit: claimed with a conditional UPDATE (state queued
  and due, or sending and stale, and unchanged since the read), sent, then marked sent in its own
  statement — two queries per message. A permanent refusal marks that one row failed; a transient
  error puts it back with back-off (doubling, capped), and after DELIVERY_MAX_ATTEMPTS it fails.
- `deliveries_reconcile()` (the beat's reconciler) re-enqueues rows that are due again or stuck
  in "sending" past DELIVERY_SENDING_TIMEOUT (a worker killed between claim and mark).

The bound: a crash between the external send and the "sent" mark leaves at most that one row to
be sent again, so at most one duplicate per recipient and channel per crash. Nothing is lost: a
row stays queued or sending until it is sent or marked failed with the reason.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from core import notifications
from core.models import Delivery
from core.notifications import Message, PermanentError
from core.notifications.bulk import rows_insert

log = logging.getLogger(__name__)
State = Delivery.State
PAGE = 500  # rows read at a time by deliveries_send


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def backoff(attempts: int) -> timedelta:
    """30 s, 60 s, 120 s ... capped (DELIVERY_BACKOFF_BASE / _CAP seconds)."""
    base = _setting("DELIVERY_BACKOFF_BASE", 30)
    cap = _setting("DELIVERY_BACKOFF_CAP", 30 * 60)
    return timedelta(seconds=min(cap, base * 2 ** max(0, attempts - 1)))


def sending_timeout() -> timedelta:
    return timedelta(seconds=_setting("DELIVERY_SENDING_TIMEOUT", 300))


def deliveries_create(
    items: Sequence[tuple[str, Message]], *, batch: str, channels: Iterable[str] | None = None
) -> list[int]:
    """Record what the external channels (or only those named) must send for these (source,
    message) pairs. Idempotent per source and channel.

    Call inside the transaction that rings the bell. Returns the pks of the batch's rows."""
    rows = []
    for backend in notifications.external_backends():
        if channels is not None and backend.name not in channels:
            continue
        if backend.batched:  # one message for the whole batch (a group chat)
            planned = [(batch, m, a) for m, a in backend.plan([m for _s, m in items])]
        else:
            planned = [(s, m, a) for s, m in items if (a := backend.address(m))]
        rows.extend(
            {
                "key": f"{source}:{backend.name}",
                "source": source,
                "batch": batch,
                "channel": backend.name,
                "recipient": message.user_id,
                "address": address[:500],
                "payload": message.as_dict(),
            }
            for source, message, address in planned
        )
    rows_insert(Delivery, rows, ignore_conflicts=True)  # one statement, whatever the number
    return list(Delivery.objects.filter(batch=batch).values_list("pk", flat=True))


def _claimable(now) -> Q:
    return Q(state=State.QUEUED, next_attempt_at__lte=now) | Q(
        state=State.SENDING, claimed_at__lt=now - sending_timeout()
    )


def _claim(row: Delivery) -> bool:
    """Take this row for sending if it is still as it was read and claimable: one conditional
    UPDATE (two senders never both win it)."""
    now = timezone.now()
    claimed = Delivery.objects.filter(_claimable(now), pk=row.pk, attempts=row.attempts).update(
        state=State.SENDING, claimed_at=now, attempts=F("attempts") + 1
    )
    if claimed:
        row.state, row.claimed_at, row.attempts = State.SENDING, now, row.attempts + 1
    return bool(claimed)


def _mark(row: Delivery, **fields) -> None:
    """Write the outcome of this claim (a later claim of the same row wins over a stale one).
    One retry on a fresh connection: the database may have dropped ours (a restart) while the
    message was on its way, and every failed mark is a possible duplicate."""
    query = Delivery.objects.filter(pk=row.pk, claimed_at=row.claimed_at)
    try:
        query.update(**fields)
    except DatabaseError:
        if connection.in_atomic_block:
            raise
        log.warning("delivery %s: database error while marking it, reconnecting", row.key)
        connection.close()
        query.update(**fields)


def delivery_send(pk: int) -> str:
    """Claim, send and mark one row. Returns its state afterwards ('' if it was not claimable)."""
    row = Delivery.objects.filter(pk=pk).first()
    return _send(row) if row is not None else ""


def _send(row: Delivery) -> str:
    """Claim, send and mark a row read a moment ago: two queries (the claim and the mark)."""
    if not _claim(row):
        return ""
    backend = notifications.backend_named(row.channel)
    if backend is None:
        _mark(row, state=State.FAILED, last_error=f"channel {row.channel} is not configured")
        return State.FAILED
    message = Message(**row.payload)
    try:
        backend.deliver(message, address=row.address, key=row.key)
    except PermanentError as exc:
        log.warning("delivery %s refused for good: %s", row.key, exc)
        _mark(row, state=State.FAILED, last_error=str(exc)[:2000])
        return State.FAILED
    except Exception as exc:  # noqa: BLE001 - any other failure is retried with back-off
        if row.attempts >= _setting("DELIVERY_MAX_ATTEMPTS", 8):
            log.error("delivery %s failed after %d attempts: %s", row.key, row.attempts, exc)
            _mark(row, state=State.FAILED, last_error=str(exc)[:2000])
            return State.FAILED
        log.info("delivery %s: attempt %d failed, retried later: %s", row.key, row.attempts, exc)
        _mark(
            row,
            state=State.QUEUED,
            last_error=str(exc)[:2000],
            next_attempt_at=timezone.now() + backoff(row.attempts),
        )
        return State.QUEUED
    _mark(row, state=State.SENT, sent_at=timezone.now(), last_error="")
    return State.SENT


def deliveries_send(rows: Iterable[int] | QuerySet) -> dict[str, int]:
    """Send each claimable row among `rows` (pks, or a queryset of Delivery), one at a time, in
    pk order. Counts by resulting state.

    Queries: one read per PAGE rows, then two per row sent (its claim and its mark: each message
    is its own unit, so a crash repeats at most the one in flight)."""
    # a queryset (of rows or of pks) stays a subquery: the pages never carry a list of ids
    ids = rows.values("pk") if isinstance(rows, QuerySet) else list(rows)
    rows = Delivery.objects.filter(pk__in=ids)
    counts: dict[str, int] = {}
    last = 0
    while True:
        page = list(rows.filter(pk__gt=last).order_by("pk")[:PAGE])
        for row in page:
            state = _send(row)
            if state:
                counts[state] = counts.get(state, 0) + 1
        if len(page) < PAGE:
            return counts
        last = page[-1].pk


def deliveries_due(*, limit: int = 5000) -> list[int]:
    """Rows a sender should take now: due retries, and claims older than the sending timeout.
    Rows younger than the sending timeout are left to the task that created them."""
    now = timezone.now()
    return list(
        Delivery.objects.filter(_claimable(now))
        .exclude(state=State.QUEUED, attempts=0, created_at__gt=now - sending_timeout())
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )


def deliveries_summary() -> dict[str, int]:
    return dict(Delivery.objects.values_list("state").annotate(n=Count("pk")).order_by())
