"""What a contact-day reminder says and to whom: one read per reminder set, whatever the number
of cadres and households (visits.reminders stores and delivers them).

- `morning` and `before`: one reminder per active cadre with current pairings to households not
  visited in the contact day's month, listing them (the first MAX_LISTED).
- `digest` (the day after): one to each active leader of an active work group, with the group's
  coverage and its laggards.
A deactivated cadre (or one whose account is deactivated) gets none.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from itertools import groupby

from django.db.models import Exists, OuterRef

from liaison.models import Pairing, Township, WorkGroup
from visits.models import ReminderDelivery, Visit
from visits.selectors import coverage_by_cadre, month_range

Kind = ReminderDelivery.Kind
MAX_LISTED = 30


@dataclass(frozen=True)
class Due:
    township: Township
    contact_day: dt.date
    kind: str


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
        recipient = (cadre_id, user_id, name, email, phone)
        rows.append(_row(due, recipient, title, body, households=[h["id"] for h in households]))
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
        township_id=due.township.pk,
        is_active=True,
        leader__isnull=False,
        leader__is_active=True,
        leader__user__is_active=True,
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
        recipient = (leader_id, user_id, name, email, phone)
        rows.append(
            _row(
                due,
                recipient,
                title,
                body,
                coverage=[visited, paired],
                laggards=[c.cadre_id for c in laggards],
            )  # fmt: skip
        )
    return rows


def reminders_compute(due: Due) -> list[ReminderDelivery]:
    """The reminders of one set (unsaved rows). One query for a morning or before set, two for
    a digest."""
    return _digest_rows(due) if due.kind == Kind.DIGEST else _cadre_rows(due)


def _row(due, recipient, title: str, body: str, **extra) -> ReminderDelivery:
    """One reminder: to whom (cadre id, user id, name, e-mail, phone), what, and what it lists."""
    cadre_id, user_id, name, email, phone = recipient
    payload = {"user_id": user_id, "name": name, "email": email or "", "phone": phone or "",
               "title": title, "body": body, **extra}  # fmt: skip
    return ReminderDelivery(
        cadre_id=cadre_id, contact_day=due.contact_day, kind=due.kind, payload=payload
    )
