"""Contact-day reminders: which are due on a day, storing them once, delivering them exactly once.

- `reminders_due(on=...)`: the (township, contact day, kind) sets due on a date: `before` N days
  ahead, `morning` on the day, `digest` (to group leaders) the day after.
- `reminders_enqueue(...)`: per set, computes the reminders (visits.reminder_rows: one read),
  inserts them in ONE statement under the unique (cadre, contact_day, kind) key (a second run
  inserts nothing), reads the still-unsent ids, and enqueues at most `lanes()` delivery tasks
  (one per CHUNK unsent reminders, never more than REMINDER_DELIVERY_LANES), after commit.
- `reminders_deliver(selection=...)`: one task's share of a set (`pk % lanes == lane`). In one
  short transaction it claims every unsent row of its share with ONE `UPDATE ... WHERE sent_at IS
  NULL ... RETURNING` (two claimers never both win a row: the condition is checked again on the
  row they wait for), rings the bell with ONE INSERT and records the external deliveries with ONE
  INSERT; after commit it sends those deliveries one by one (core.delivery). A second run, or a
  redelivered task, claims nothing and only sends the deliveries of its share still open; a worker
  that dies before the commit leaves the rows unsent for the retry.

Queries, whatever the number of households and cadres (tests/visits/test_reminders_queries.py
counts them at 20 and 200 cadres): the build is 7 to find the sets due, 3 per set (the read, the
INSERT, the unsent ids) and the outbox's few per delivery task enqueued, at most
REMINDER_DELIVERY_LANES tasks per set. A delivery task is 4 (the claim, the look-up of cadres
deactivated meanwhile, the bell, one read of its open deliveries), one more INSERT when an external
channel is configured, then 2 per external message (its claim and its sent mark: each message is
its own unit, so a crash repeats at most the one in flight) and one read per 500 of them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Mod
from django.urls import reverse
from django.utils import timezone

from core import notifications
from core.delivery import deliveries_create, deliveries_send
from core.models import Delivery, Notification
from core.notifications.bulk import rows_insert
from core.outbox import outbox_enqueue
from liaison.models import Cadre, Township, WorkGroup
from visits.contact_day import contact_days_for, shift_month
from visits.models import CoverageSnapshot, ReminderDelivery
from visits.reminder_rows import MAX_LISTED, Due, reminders_compute
from visits.selectors import coverage_by_cadre, month_range

__all__ = ["MAX_LISTED", "Due", "reminders_compute"]  # re-exported: visits.reminder_rows

Kind = ReminderDelivery.Kind
NOTIFICATION_KIND = {
    Kind.BEFORE: Notification.Kind.REMINDER_BEFORE,
    Kind.MORNING: Notification.Kind.REMINDER_MORNING,
    Kind.DIGEST: Notification.Kind.DIGEST,
}
CHUNK = 500  # unsent reminders per delivery task, until the lanes run out
RECONCILE_AFTER = dt.timedelta(minutes=10)
OPEN = (Delivery.State.QUEUED, Delivery.State.SENDING)
log = logging.getLogger(__name__)


def default_days_before() -> int:
    return int(getattr(settings, "REMINDER_DAYS_BEFORE", 2))


def max_lanes() -> int:
    """At most this many delivery tasks share one reminder set (their external sends run in
    parallel on as many workers)."""
    return max(1, int(getattr(settings, "REMINDER_DELIVERY_LANES", 4)))


def lanes(pending: int) -> int:
    return max(1, min(max_lanes(), -(-pending // CHUNK)))


@dataclass
class ReminderRun:
    on: dt.date
    due: list[Due] = field(default_factory=list)
    planned: list[ReminderDelivery] = field(default_factory=list)
    inserted: int = 0
    pending_ids: list[int] = field(default_factory=list)
    tasks: int = 0


def reminders_due(
    *, on: dt.date, kinds=tuple(Kind.values), days_before: int | None = None
) -> list[Due]:
    """Which reminder sets fall on `on`. Four queries whatever the number of townships."""
    days_before = default_days_before() if days_before is None else days_before
    townships = list(Township.objects.order_by("pk"))
    if not townships:
        return []
    by_month = {
        delta: contact_days_for(townships, *shift_month(on.year, on.month, delta))
        for delta in (-1, 0, 1)
    }
    offsets = {Kind.BEFORE: -days_before, Kind.MORNING: 0, Kind.DIGEST: 1}
    due = []
    for township in townships:
        days = {by_month[delta][township.pk] for delta in (-1, 0, 1)}
        for kind in kinds:
            for day in sorted(days):
                if day + dt.timedelta(days=offsets[kind]) == on:
                    due.append(Due(township, day, kind))
    return due


def selections(*, contact_day: dt.date, kind: str, township_id: int, pending: int) -> list[dict]:
    """The delivery tasks' shares of one set: `lanes(pending)` disjoint slices by pk."""
    n = lanes(pending)
    return [
        {
            "contact_day": contact_day.isoformat(),
            "kind": kind,
            "township": township_id,
            "lane": lane,
            "lanes": n,
        }
        for lane in range(n)
    ]


def reminders_enqueue(
    *, on: dt.date, kinds=tuple(Kind.values), days_before: int | None = None, dry_run: bool = False
) -> ReminderRun:
    """Compute the reminders due on `on`, store them once, and enqueue their delivery after
    commit. A dry run computes and returns them without writing anything."""
    # visits.tasks imports this module at the top: the task is looked up when enqueuing
    from visits.tasks import deliver_reminders

    run = ReminderRun(on=on, due=reminders_due(on=on, kinds=kinds, days_before=days_before))
    for due in run.due:
        rows = reminders_compute(due)
        run.planned.extend(rows)
        if dry_run:
            continue
        with transaction.atomic():
            run.inserted += rows_insert(
                ReminderDelivery,
                [
                    {"cadre": r.cadre_id, "contact_day": r.contact_day, "kind": r.kind,
                     "payload": r.payload}
                    for r in rows
                ],
                ignore_conflicts=True,
            )  # fmt: skip
            pending = list(
                ReminderDelivery.objects.filter(
                    contact_day=due.contact_day,
                    kind=due.kind,
                    cadre__township_id=due.township.pk,
                    sent_at__isnull=True,
                )
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            run.pending_ids.extend(pending)
            if not pending:
                continue
            for selection in selections(
                contact_day=due.contact_day,
                kind=due.kind,
                township_id=due.township.pk,
                pending=len(pending),
            ):
                outbox_enqueue(deliver_reminders, selection=selection)
                run.tasks += 1
    return run


def _batch(delivery_ids: list[int]) -> str:
    """The batch of a task given a list of ids (tasks enqueued before the set-based claim)."""
    ids = ",".join(str(pk) for pk in sorted(delivery_ids))
    return "reminders:" + hashlib.sha256(ids.encode()).hexdigest()[:24]


def _share(selection: dict) -> tuple[QuerySet, str]:
    """The task's share (its rows, unsent or not) and the prefix of its delivery batches."""
    if "ids" in selection:
        return ReminderDelivery.objects.filter(pk__in=selection["ids"]), _batch(selection["ids"])
    day, kind, township = selection["contact_day"], selection["kind"], selection["township"]
    lane, n = int(selection.get("lane", 0)), int(selection.get("lanes", 1))
    rows = ReminderDelivery.objects.filter(contact_day=day, kind=kind, cadre__township_id=township)
    if n > 1:
        rows = rows.alias(lane=Mod("pk", n)).filter(lane=lane)
    return rows, f"reminders:{day}:{kind}:t{township}:{lane}/{n}"


def _claim(share: QuerySet) -> list[tuple[int, int, str, dict]]:
    """Mark every unsent row of the share sent, in one statement; returns (pk, cadre, kind,
    payload) of the rows this call won. On PostgreSQL rows locked by another claimer are skipped
    (SKIP LOCKED), and `sent_at IS NULL` is checked again on any row waited for."""
    inner = (
        share.filter(sent_at__isnull=True)
        .select_for_update(skip_locked=True, of=("self",))
        .order_by()
        .values_list("pk")
    )
    sub, params = inner.query.sql_with_params()
    table = connection.ops.quote_name(ReminderDelivery._meta.db_table)
    now = ReminderDelivery._meta.get_field("sent_at").get_db_prep_save(timezone.now(), connection)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET sent_at = %s WHERE sent_at IS NULL AND id IN ({sub}) "  # noqa: S608 - our own SQL
            "RETURNING id, cadre_id, kind, payload",
            [now, *params],
        )
        rows = cursor.fetchall()
    return sorted(
        (pk, cadre, kind, json.loads(p) if isinstance(p, str) else p) for pk, cadre, kind, p in rows
    )


def _inactive(selection: dict, claimed) -> set[int]:
    """Cadres deactivated (or whose account was) since their reminder was computed: one query."""
    stopped = Cadre.objects.filter(Q(is_active=False) | Q(user__is_active=False))
    if "ids" in selection:
        stopped = stopped.filter(pk__in={cadre for _pk, cadre, _k, _p in claimed})
    else:  # those of this set only: the deactivated cadres of the years before do not count
        stopped = stopped.filter(
            township_id=selection["township"],
            reminders__contact_day=selection["contact_day"],
            reminders__kind=selection["kind"],
        )
    return set(stopped.order_by().values_list("pk", flat=True))


def _message(kind: str, payload: dict, url: str) -> notifications.Message:
    return notifications.Message(
        user_id=payload["user_id"],
        title=payload["title"],
        body=payload["body"],
        kind=NOTIFICATION_KIND[kind],
        url=url,
        email=payload.get("email", ""),
        phone=payload.get("phone", ""),
        name=payload.get("name", ""),
    )


def reminders_deliver(
    *, selection: dict | None = None, delivery_ids: list[int] | None = None
) -> int:
    """Ring the bell for the still-unsent reminders of this share and record their external
    deliveries, in one short transaction of a constant number of statements; then send those
    deliveries one by one (core.delivery). Returns how many reminders it settled now.

    A redelivered or repeated task claims nothing and sends the deliveries of its share still
    open; a worker killed mid-way leaves at most the one delivery it was sending to be sent again.
    A reminder whose cadre was deactivated meanwhile is claimed (so nothing retries it) but rung
    to nobody."""
    selection = selection if selection is not None else {"ids": list(delivery_ids or [])}
    share, prefix = _share(selection)
    with transaction.atomic():
        claimed = _claim(share)
        if claimed:
            stopped = _inactive(selection, claimed)
            url = reverse("liaison:visit-list")
            items = [
                (f"reminder:{pk}", _message(kind, payload, url))
                for pk, cadre, kind, payload in claimed
                if cadre not in stopped
            ]
            if items:
                notifications.ring([m for _source, m in items])
            if items and notifications.external_backends():
                deliveries_create(items, batch=f"{prefix}#{claimed[0][0]}")
    # this share's deliveries still open (a redelivered task: those its killed run did not finish)
    deliveries_send(
        Delivery.objects.filter(Q(batch=prefix) | Q(batch__startswith=f"{prefix}#"), state__in=OPEN)
    )
    return len(claimed)


def reminders_reconcile(*, older_than: dt.timedelta = RECONCILE_AFTER) -> int:
    """Enqueue again the reminders stored but still unsent after `older_than` (their task was
    lost with the broker's data, or failed for good): one query, then the delivery tasks of each
    set concerned. Returns how many reminders."""
    # visits.tasks imports this module at the top: the task is looked up when enqueuing
    from visits.tasks import deliver_reminders

    sets = list(
        ReminderDelivery.objects.filter(
            sent_at__isnull=True, created_at__lt=timezone.now() - older_than
        )
        .values_list("contact_day", "kind", "cadre__township_id")
        .annotate(n=Count("pk"))
        .order_by("contact_day", "kind", "cadre__township_id")
    )
    slot = int(timezone.now().timestamp() // older_than.total_seconds())
    for day, kind, township, n in sets:
        for s in selections(contact_day=day, kind=kind, township_id=township, pending=n):
            key = f"reconcile:{_share(s)[1]}:{slot}"
            outbox_enqueue(deliver_reminders, selection=s, key=key)
    pending = sum(n for *_set, n in sets)
    if pending:
        log.warning("reminders: %d unsent reminder(s) enqueued again", pending)
    return pending


def coverage_snapshot_take(*, month: dt.date) -> int:
    """Store the coverage of a month per work group and per township (replacing an earlier
    snapshot of the same month). Two queries plus the writes."""

    start, end = month_range(month)
    cadres = coverage_by_cadre(start=start, end=end)
    group_township = dict(WorkGroup.objects.values_list("pk", "township_id"))
    per_group: dict[tuple[int, int | None], list[int]] = {}
    township_of_cadre = {}
    for c in cadres:
        township_id = group_township.get(c.workgroup_id)
        township_of_cadre[c.cadre_id] = township_id
        if township_id is None:
            continue
        for key in ((township_id, c.workgroup_id), (township_id, None)):
            totals = per_group.setdefault(key, [0, 0])
            totals[0] += c.paired
            totals[1] += c.visited
    with transaction.atomic():
        CoverageSnapshot.objects.filter(month=start).delete()
        CoverageSnapshot.objects.bulk_create(
            CoverageSnapshot(township_id=t, workgroup_id=g, month=start, households=h, visited=v)
            for (t, g), (h, v) in per_group.items()
        )
    return len(per_group)
