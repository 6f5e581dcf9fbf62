"""Contact-day reminders: which are due on a day, what they say, and delivering them exactly once.

- `reminders_due(on=...)`: the (township, contact day, kind) sets due on a date: `before` N days
  ahead, `morning` on the day, `digest` (to group leaders) the day after.
- `reminders_enqueue(...)`: computes every reminder of those sets in a constant number of queries,
  inserts them idempotently under the unique (cadre, contact_day, kind) key and, after commit,
  enqueues delivery tasks for whatever is still unsent (so a crashed earlier run loses nothing).
- `reminders_deliver(delivery_ids=...)`: locks the unsent rows, sends them through the
  notification backends and marks them sent in one transaction: a second run, or a redelivered
  task, finds nothing left; a worker that dies mid-run rolls back and the retry sends them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from dataclasses import dataclass, field
from itertools import groupby

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from core import notifications
from core.delivery import deliveries_create, deliveries_send
from core.models import Delivery, Notification
from core.outbox import outbox_enqueue
from liaison.models import Pairing, Township, WorkGroup
from visits.contact_day import contact_days_for, shift_month
from visits.models import CoverageSnapshot, ReminderDelivery, Visit
from visits.selectors import coverage_by_cadre, month_range

Kind = ReminderDelivery.Kind
NOTIFICATION_KIND = {
    Kind.BEFORE: Notification.Kind.REMINDER_BEFORE,
    Kind.MORNING: Notification.Kind.REMINDER_MORNING,
    Kind.DIGEST: Notification.Kind.DIGEST,
}
CHUNK = 500
MAX_LISTED = 30
RECONCILE_AFTER = dt.timedelta(minutes=10)
log = logging.getLogger(__name__)


def default_days_before() -> int:
    return int(getattr(settings, "REMINDER_DAYS_BEFORE", 2))


@dataclass(frozen=True)
class Due:
    township: Township
    contact_day: dt.date
    kind: str


@dataclass
class ReminderRun:
    on: dt.date
    due: list[Due] = field(default_factory=list)
    planned: list[ReminderDelivery] = field(default_factory=list)
    inserted: int = 0
    pending_ids: list[int] = field(default_factory=list)


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


def _cadre_rows(due: Due) -> list[ReminderDelivery]:
    """One reminder per cadre with households not yet visited in the contact day's month.
    One query for the whole township."""
    start, end = month_range(due.contact_day)
    visited = Visit.objects.filter(
        household_id=OuterRef("household_id"), visited_on__range=(start, end)
    )
    pending = (
        Pairing.objects.current()
        .filter(
            cadre__township_id=due.township.pk,
            cadre__is_active=True,
            cadre__user__is_active=True,
            household__status="active",
        )
        .exclude(Exists(visited))
        .values_list(
            "cadre_id",
            "cadre__user_id",
            "cadre__name",
            "cadre__user__email",
            "cadre__phone",
            "household_id",
            "household__code",
            "household__head_name",
            "household__address",
        )
        .order_by("cadre_id", "household__code")
    )
    rows = []
    when = "今天" if due.kind == Kind.MORNING else f"{due.contact_day:%m月%d日}"
    for (cadre_id, user_id, name, email, phone), items in groupby(
        pending.iterator(chunk_size=5000), key=lambda r: r[:5]
    ):
        households = [{"id": r[5], "code": r[6], "head": r[7], "address": r[8]} for r in items]
        lines = [f"{h['code']} {h['head']} {h['address']}" for h in households[:MAX_LISTED]]
        if len(households) > MAX_LISTED:
            lines.append(f"……另有 {len(households) - MAX_LISTED} 户")
        title = f"{when}是联系群众日：您还有 {len(households)} 户本月未走访"
        body = "\n".join(
            [
                f"{name}同志：{due.contact_day:%Y-%m-%d} 为联系群众日，以下结对户本月尚未走访：",
                *lines,
            ]
        )
        rows.append(
            ReminderDelivery(
                cadre_id=cadre_id,
                contact_day=due.contact_day,
                kind=due.kind,
                payload={
                    "user_id": user_id,
                    "name": name,
                    "email": email or "",
                    "phone": phone or "",
                    "title": title,
                    "body": body,
                    "households": [h["id"] for h in households],
                },
            )
        )
    return rows


def _digest_rows(due: Due) -> list[ReminderDelivery]:
    """The day after contact day: each group leader gets the group's coverage and laggards.
    Two queries for the whole township."""
    start, end = month_range(due.contact_day)
    cadres = coverage_by_cadre(start=start, end=end, township_id=due.township.pk)
    by_group: dict[int | None, list] = {}
    for c in cadres:
        by_group.setdefault(c.workgroup_id, []).append(c)
    groups = WorkGroup.objects.filter(
        township_id=due.township.pk, is_active=True, leader__isnull=False, leader__is_active=True
    ).values_list(
        "pk",
        "name",
        "leader_id",
        "leader__user_id",
        "leader__name",
        "leader__user__email",
        "leader__phone",
    )
    rows = []
    for group_id, group_name, leader_id, user_id, name, email, phone in groups:
        members = by_group.get(group_id, [])
        paired = sum(c.paired for c in members)
        visited = sum(c.visited for c in members)
        rate = f"{100 * visited / paired:.1f}%" if paired else "—"
        laggards = sorted(
            (c for c in members if c.paired > c.visited),
            key=lambda c: (c.visited - c.paired, c.name),
        )
        lines = [f"{c.name}：{c.visited}/{c.paired}" for c in laggards[:MAX_LISTED]]
        title = f"{group_name}：本月走访覆盖率 {rate}（{visited}/{paired}）"
        body = "\n".join(
            [
                f"{due.contact_day:%Y-%m-%d} 联系群众日走访情况，{len(laggards)} 名干部尚有未走访户：",
                *lines,
            ]
        )
        rows.append(
            ReminderDelivery(
                cadre_id=leader_id,
                contact_day=due.contact_day,
                kind=due.kind,
                payload={
                    "user_id": user_id,
                    "name": name,
                    "email": email or "",
                    "phone": phone or "",
                    "title": title,
                    "body": body,
                    "coverage": [visited, paired],
                    "laggards": [c.cadre_id for c in laggards],
                },
            )
        )
    return rows


def reminders_compute(due: Due) -> list[ReminderDelivery]:
    return _digest_rows(due) if due.kind == Kind.DIGEST else _cadre_rows(due)


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
            before = ReminderDelivery.objects.filter(
                contact_day=due.contact_day, kind=due.kind
            ).count()
            ReminderDelivery.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)
            after = ReminderDelivery.objects.filter(
                contact_day=due.contact_day, kind=due.kind
            ).count()
            run.inserted += after - before
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
            for i in range(0, len(pending), CHUNK):
                outbox_enqueue(deliver_reminders, pending[i : i + CHUNK])
    return run


def _batch(delivery_ids: list[int]) -> str:
    """The same key for every run of the same task message (a redelivery finds its rows)."""
    ids = ",".join(str(pk) for pk in sorted(delivery_ids))
    return "reminders:" + hashlib.sha256(ids.encode()).hexdigest()[:24]


def reminders_deliver(*, delivery_ids: list[int]) -> int:
    """Ring the bell for the still-unsent reminders among these ids and record their external
    deliveries, in one short transaction; then send those deliveries one by one (core.delivery).

    A redelivered or repeated task finds the bell rung and only sends the deliveries still queued;
    a worker killed mid-way leaves at most the one delivery it was sending to be sent again.
    Returns how many reminders rang now."""
    batch = _batch(delivery_ids)
    with transaction.atomic():
        rows = list(
            ReminderDelivery.objects.select_for_update(skip_locked=True)
            .filter(pk__in=delivery_ids, sent_at__isnull=True)
            .order_by("pk")
        )
        if rows:
            url = reverse("liaison:visit-list")
            messages = [
                notifications.Message(
                    user_id=r.payload["user_id"],
                    title=r.payload["title"],
                    body=r.payload["body"],
                    kind=NOTIFICATION_KIND[r.kind],
                    url=url,
                    email=r.payload.get("email", ""),
                    phone=r.payload.get("phone", ""),
                    name=r.payload.get("name", ""),
                )
                for r in rows
            ]
            notifications.ring(messages)
            deliveries_create(
                [(f"reminder:{r.pk}", m) for r, m in zip(rows, messages, strict=True)],
                batch=batch,
            )
            ReminderDelivery.objects.filter(pk__in=[r.pk for r in rows]).update(
                sent_at=timezone.now()
            )
    # this batch's rows still open (a redelivered task: those its killed run did not finish)
    deliveries_send(
        Delivery.objects.filter(
            batch=batch, state__in=[Delivery.State.QUEUED, Delivery.State.SENDING]
        ).values_list("pk", flat=True)
    )
    return len(rows)


def reminders_reconcile(*, older_than: dt.timedelta = RECONCILE_AFTER) -> int:
    """Enqueue again the reminders stored but still unsent after `older_than` (their task was
    lost with the broker's data, or failed for good). Returns how many."""
    # visits.tasks imports this module at the top: the task is looked up when enqueuing
    from visits.tasks import deliver_reminders

    pending = list(
        ReminderDelivery.objects.filter(
            sent_at__isnull=True, created_at__lt=timezone.now() - older_than
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    slot = int(timezone.now().timestamp() // older_than.total_seconds())
    for i in range(0, len(pending), CHUNK):
        chunk = pending[i : i + CHUNK]
        outbox_enqueue(deliver_reminders, chunk, key=f"reconcile:{_batch(chunk)}:{slot}")
    if pending:
        log.warning("reminders: %d unsent reminder(s) enqueued again", len(pending))
    return len(pending)


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
