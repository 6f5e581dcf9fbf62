"""What an issue's deadlines mean now, computed when read (not from the scan's flag).

An open issue is overdue when its result limit (`due_at`) has passed, or when nobody has
contacted the resident and the first-contact limit (`contact_due_at`) has passed. The overdue
scan (`issues_scan_overdue`) still flags, alerts and escalates; the pages, the API and the
dashboard use this rule so that a missed or late scan never shows a late issue as on time.
`overdue_q` is the same rule for querysets (issues/selectors.py `with_overdue`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.db.models import DateTimeField, F, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

OPEN = ("reported", "triaged", "in_progress")  # models.OPEN_STATUSES (models imports this)


def overdue_q(now: datetime | None = None, prefix: str = "") -> Q:
    """Open and past the result limit, or open, never contacted and past the contact limit."""
    now = now or timezone.now()
    p = prefix
    return Q(**{f"{p}status__in": OPEN}) & (
        Q(**{f"{p}due_at__lt": now})
        | Q(**{f"{p}first_contact_at__isnull": True, f"{p}contact_due_at__lt": now})
    )


# The overdue list's order: the longest past its result limit first (no limit: last), then the
# earliest reported; the id keeps ties in a fixed order. Issue's indexes `issue_open_by_due` and
# `issue_township_open_by_due` hold exactly these expressions for the open issues, so that
# PostgreSQL reads the first twenty from an index instead of sorting every overdue issue.
NO_LIMIT = datetime(9999, 1, 1, tzinfo=UTC)


def most_overdue_first() -> tuple:
    return (Coalesce("due_at", Value(NO_LIMIT, output_field=DateTimeField())), F("reported_at"),
            F("id"))  # fmt: skip


class ReadTimeDeadlines:
    """Mixed into Issue: `overdue_now`, `next_due_at`, `due_in`, `age` and their texts."""

    def _open(self) -> bool:
        return self.status in OPEN

    @property
    def next_due_at(self) -> datetime | None:
        """The nearest limit still running: first contact (until contacted), then the result."""
        if not self._open():
            return None
        limits = [self.due_at]
        if self.first_contact_at is None:
            limits.append(self.contact_due_at)
        limits = [d for d in limits if d is not None]
        return min(limits) if limits else None

    @property
    def overdue_now(self) -> bool:
        due = self.next_due_at
        return due is not None and due < timezone.now()

    @property
    def due_in(self) -> timedelta | None:
        """Time left to the nearest limit (negative when past); None when closed or unlimited."""
        due = self.next_due_at
        return None if due is None else due - timezone.now()

    @property
    def age(self) -> timedelta:
        return timezone.now() - self.reported_at

    @property
    def age_text(self) -> str:
        return span_text(self.age)

    @property
    def due_text(self) -> str:
        """'剩余5小时' or '超期2天3小时' for the queues; '' when closed or without a limit."""
        left = self.due_in
        if left is None:
            return ""
        if left.total_seconds() >= 0:
            return _("剩余%(t)s") % {"t": span_text(left)}
        return _("超期%(t)s") % {"t": span_text(left)}


def span_text(delta: timedelta | None) -> str:
    """'3天4小时', '5小时', '20分钟' — the queues' age and time left (sign dropped)."""
    if delta is None:
        return ""
    seconds = abs(int(delta.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    if days:
        return _("%(d)d天%(h)d小时") % {"d": days, "h": hours}
    if hours:
        return _("%(h)d小时") % {"h": hours}
    return _("%(m)d分钟") % {"m": max(1, rest // 60)}
