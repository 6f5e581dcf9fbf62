"""The QR link of a contact card (联系卡) and its print runs.

The link carries a signed (household, run) pair. Printing a new run of a card retires the links
of the older runs after CONTACT_CARD_OLD_LINK_DAYS (default 180 days, enough to hand the new
cards out on the next mass visit): a lost or photographed card stops working, and no link lives
forever once its card is replaced. Cards printed before runs were recorded carry the household
id alone and count as run 0.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import lru_cache

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.models import AuditEntry

from .models import Household
from .models_cards import ContactCardRun

REPORT_TOKEN_SALT = "lianxin.household-report"  # noqa: S105 - a salt, not a secret


def old_link_days() -> int:
    return getattr(settings, "CONTACT_CARD_OLD_LINK_DAYS", 180)


def current_runs(household_ids: Iterable[int]) -> dict[int, int]:
    """The latest print run of each household (0 when none was recorded), in one query."""
    ids = list(household_ids)
    found = dict(
        ContactCardRun.objects.filter(household_id__in=ids)
        .values("household_id")
        .annotate(latest=Max("number"))
        .values_list("household_id", "latest")
    )
    return {pk: found.get(pk, 0) for pk in ids}


def household_report_token(household: Household, run: int | None = None) -> str:
    """The signed token of the household's current card run, for the QR code."""
    if run is None:
        run = current_runs([household.pk])[household.pk]
    return _signed_token(household.pk, run)


@lru_cache(maxsize=4096)
def _signed_token(household_id: int, run: int) -> str:
    """One token per card run and process: a page drawn again draws the same QR codes (see
    card_qr); the timestamp inside a token is never checked, the run is."""
    return signing.dumps({"h": household_id, "r": run}, salt=REPORT_TOKEN_SALT, compress=True)


def household_from_report_token(token: str, *, now: dt.datetime | None = None) -> Household:
    """The household a card's link names; signing.BadSignature if the link is forged, names no
    household, or belongs to a run retired more than CONTACT_CARD_OLD_LINK_DAYS ago."""
    payload = signing.loads(token, salt=REPORT_TOKEN_SALT)
    if isinstance(payload, dict):
        pk, run = payload.get("h"), payload.get("r")
    else:  # a card printed before runs were recorded
        pk, run = payload, 0
    if not isinstance(pk, int) or not isinstance(run, int) or run < 0:
        raise signing.BadSignature("malformed card link")
    successor = (
        ContactCardRun.objects.filter(household_id=pk, number=run + 1)
        .values_list("printed_at", flat=True)
        .first()
    )
    now = now or timezone.now()
    if successor is not None and now >= successor + dt.timedelta(days=old_link_days()):
        raise signing.BadSignature("retired card link")
    try:
        return Household.objects.select_related("township", "village").get(pk=pk)
    except Household.DoesNotExist:
        raise signing.BadSignature("unknown household") from None


@transaction.atomic
def contact_cards_reprint(*, households: Iterable[Household], actor, request=None) -> int:
    """Start a new print run for each household (the caller has checked the scope); the old
    cards' links keep working for CONTACT_CARD_OLD_LINK_DAYS. Returns the number of cards."""
    households = list(households)
    if not households:
        return 0
    runs = current_runs(h.pk for h in households)
    now = timezone.now()
    printed_by = actor if getattr(actor, "is_authenticated", False) else None
    ContactCardRun.objects.bulk_create(
        ContactCardRun(household=h, number=runs[h.pk] + 1, printed_at=now, printed_by=printed_by)
        for h in households
    )
    by_township: dict[int, list[Household]] = {}
    for h in households:
        by_township.setdefault(h.township_id, []).append(h)
    for township_id, group in by_township.items():
        audit_record(
            actor=actor,
            action=AuditEntry.Action.UPDATE,
            obj=group[0] if len(group) == 1 else None,
            object_type="" if len(group) == 1 else ContactCardRun._meta.label_lower,
            township_id=township_id,
            summary=_("重新印制联系卡 %(n)s 张，旧卡二维码 %(days)s 天后失效")
            % {"n": len(group), "days": old_link_days()},
            changes={"households": [h.pk for h in group], "old_link_days": old_link_days()},
            request=request,
        )
    return len(households)
