"""The only writer of pairings (the roster import calls it too)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from core.audit import audit_record
from core.models import AuditEntry
from liaison.models import Cadre, Pairing


# --- Pairings -----------------------------------------------------------------------------------
@transaction.atomic
def pairing_assign(
    *, actor, cadre: Cadre, household_ids: Iterable[int], on: dt.date | None = None, request=None
) -> dict[str, int]:
    """Pair households with a cadre (bulk assign or reassign). The current pairing of each
    household is ended the day before and a new one starts, so history is kept."""
    on = on or timezone.localdate()
    household_ids = sorted(set(household_ids))
    current = {
        p.household_id: p
        for p in Pairing.objects.current()
        .select_for_update()
        .filter(household_id__in=household_ids)
    }
    unchanged = [hid for hid, p in current.items() if p.cadre_id == cadre.pk]
    to_end = [p.pk for hid, p in current.items() if p.cadre_id != cadre.pk]
    pairings_close(to_end, on=on, replaced=True)
    new = [hid for hid in household_ids if hid not in unchanged]
    Pairing.objects.bulk_create(
        Pairing(cadre=cadre, household_id=hid, start_date=on) for hid in new
    )
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        object_type="liaison.pairing",
        object_id=str(cadre.pk),
        township_id=cadre.township_id,
        summary=f"结对调整：{len(new)} 户分配给 {cadre.name}",
        changes={"cadre": cadre.pk, "households": new, "reassigned": len(to_end)},
        request=request,
    )
    return {
        "assigned": len(new) - len(to_end),
        "reassigned": len(to_end),
        "unchanged": len(unchanged),
    }


def pairings_close(pairing_ids: Iterable[int], *, on: dt.date, replaced: bool) -> int:
    """End pairings by id, in the caller's transaction and under the caller's audit (the
    assignment's entry, or the roster import's row history). One rule for every door: a pairing
    that a new one replaces from `on` ends the day before (on `on` itself if it began that day,
    so no pairing ends before it starts); one ended without a successor ends on `on`."""
    ids = list(pairing_ids)
    if not ids:
        return 0
    if not replaced:
        return Pairing.objects.filter(pk__in=ids).update(end_date=on)
    day_before = on - dt.timedelta(days=1)
    return Pairing.objects.filter(pk__in=ids, start_date__lte=day_before).update(
        end_date=day_before
    ) + Pairing.objects.filter(pk__in=ids, start_date__gt=day_before).update(end_date=on)


@transaction.atomic
def pairing_end(
    *, actor, household_ids: Iterable[int], on: dt.date | None = None, request=None
) -> int:
    """End the current pairing of households (a cadre leaves); the history stays."""
    on = on or timezone.localdate()
    ids = list(household_ids)
    ended = Pairing.objects.current().filter(household_id__in=ids).update(end_date=on)
    audit_record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        object_type="liaison.pairing",
        summary=f"解除结对 {ended} 户",
        changes={"households": ids},
        request=request,
    )
    return ended
