"""Exactly-once sync of visits captured offline by the PWA (issue 18).

The phone gives every queued visit a UUID (and its raised demand another). The server keeps them
in `OfflineReceipt`, whose row is inserted first in the transaction that logs the visit through
`visits.services.visit_log` (the only writer of visits): a second send of the same record fails on
the unique key, rolls back whatever it had begun, and is answered with the visit stored the first
time. The unique constraint, not a read before the write, is what decides, so two concurrent
requests with one key store one visit on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from visits.access import access_household_for_visit
from visits.models import OfflineReceipt
from visits.services import visit_log


def _stored(*, actor, key: uuid.UUID, issue_key: uuid.UUID | None) -> OfflineReceipt | None:
    """The receipt already stored for this key (or for this demand key), or None. A key that
    another user sent is refused without saying whose it is."""
    receipt = OfflineReceipt.objects.select_related("visit", "issue").filter(key=key).first() or (
        OfflineReceipt.objects.select_related("visit", "issue").filter(issue_key=issue_key).first()
        if issue_key
        else None
    )
    if receipt is None:
        return None
    if receipt.actor_id != actor.pk or receipt.key != key:
        raise ValidationError({"client_uuid": [_("该离线记录编号已被使用，请重新生成。")]})
    return receipt


def visit_sync(
    *,
    actor,
    key: uuid.UUID,
    household_pk,
    issue_key: uuid.UUID | None = None,
    captured_at: dt.datetime | None = None,
    request=None,
    **visit,
) -> tuple[OfflineReceipt, bool]:
    """Log a visit sent from the offline queue once: (receipt, True) the first time, (the same
    receipt, False) for every later send of the same key. `visit` are `visit_log`'s fields
    (visited_on, kind, notes, tags, photos, issue…). Refusals (pairing ended, date in the future,
    bad photo) raise as `visit_log` does and store nothing, so the phone keeps the record with
    the message."""
    issue = visit.get("issue")
    stored = _stored(actor=actor, key=key, issue_key=issue_key)
    if stored is not None:
        return stored, False
    now = timezone.now()
    try:
        with transaction.atomic():
            # The key first: a concurrent send of the same record waits here on the unique index
            # (PostgreSQL) or the write lock (SQLite), before any photo is written to storage.
            receipt = OfflineReceipt.objects.create(
                key=key,
                issue_key=issue_key if issue else None,
                actor=actor,
                captured_at=min(captured_at, now) if captured_at else None,
                received_at=now,
            )
            try:
                household = access_household_for_visit(actor, household_pk)
            except Http404:
                raise PermissionDenied(
                    _("该住户已不在您的结对名单中（结对可能已结束），无法记录走访。")
                ) from None
            # Written on the phone at capture: the 24-hour edit window runs from then.
            logged = visit_log(
                actor=actor,
                household=household,
                recorded_at=receipt.captured_at or now,
                request=request,
                **visit,
            )
            receipt.visit = logged
            receipt.issue = logged.issues.order_by("pk").first() if issue else None
            receipt.save(update_fields=["visit", "issue"])
    except IntegrityError:
        stored = _stored(actor=actor, key=key, issue_key=issue_key)
        if stored is None:
            raise
        return stored, False
    return receipt, True
