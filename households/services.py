"""Household services: the self-report token for contact cards, the one audited reveal of full
ID and phone numbers, and the soft status of a member (called by services_edit.resident_leave,
which checks the policy)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.models import AuditEntry
from households.access import households_revealable_by
from liaison.access import township_id_of

from .contact_cards import (  # the card's QR link and its print runs  # noqa: F401
    REPORT_TOKEN_SALT,
    household_from_report_token,
    household_report_token,
)
from .models import Household, Resident

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser
    from django.http import HttpRequest


@dataclass(frozen=True)
class Revealed:
    """Full numbers handed out by `identity_reveal`: household pk -> phone, resident pk ->
    (ID number, phone)."""

    household_phones: dict[int, str] = field(default_factory=dict)
    residents: dict[int, tuple[str, str]] = field(default_factory=dict)


def identity_reveal(
    *,
    actor: AbstractBaseUser,
    households: Iterable[Household] = (),
    residents: Iterable[Resident] = (),
    request: HttpRequest | None = None,
    purpose: str = "",
) -> Revealed:
    """The one way full ID and phone numbers leave the server (page, API, export of the page).

    Checks `may_reveal_identity` for every household concerned (PermissionDenied otherwise) and
    writes one REVEAL audit entry naming every household and member shown, every time."""
    households, residents = list(households), list(residents)
    household_ids = {h.pk for h in households} | {r.household_id for r in residents}
    if not household_ids:
        return Revealed()
    allowed = set(
        households_revealable_by(actor).filter(pk__in=household_ids).values_list("pk", flat=True)
    )
    if allowed != household_ids:
        raise PermissionDenied(_("您无权查看这些完整号码。"))
    revealed = Revealed(
        household_phones={h.pk: h.phone for h in households},
        residents={r.pk: (r.id_number, r.phone) for r in residents},
    )
    if len(household_ids) == 1:
        (household_id,) = household_ids
        object_type, object_id = "households.household", str(household_id)
    else:
        object_type = "households.resident" if residents else "households.household"
        object_id = ""
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditEntry.Action.REVEAL,
            object_type=object_type,
            object_id=object_id,
            summary=_("查看完整号码：%(h)d 户，%(r)d 名成员%(purpose)s")
            % {
                "h": len(household_ids),
                "r": len(residents),
                "purpose": f"（{purpose}）" if purpose else "",
            },
            changes={
                "households": sorted(household_ids),
                "residents": sorted(revealed.residents),
                **({"path": request.get_full_path()} if request is not None else {}),
            },
            township_id=_township_of(actor, households, residents),
            request=request,
        )
    return revealed


def _township_of(actor, households, residents) -> int | None:
    township_id = township_id_of(actor)
    if township_id is not None:
        return township_id
    for h in households:
        return h.township_id
    for r in residents:
        return r.household.township_id
    return None


def household_reveal_identity(
    *, household: Household, actor: AbstractBaseUser, request: HttpRequest | None = None
) -> list[dict]:
    """Full phone and ID numbers of a household's members, for its page (audited)."""
    residents = list(household.residents.all())
    revealed = identity_reveal(
        actor=actor, households=[household], residents=residents, request=request
    )
    return [
        {
            "resident": r,
            "id_number": revealed.residents[r.pk][0],
            "phone": revealed.residents[r.pk][1],
        }
        for r in residents
    ]


def resident_mark_status(
    *, resident: Resident, status: str, on_date, actor, request=None
) -> Resident:
    """Residents are never deleted: moving away or death is a status with its date."""
    with transaction.atomic():
        old = resident.status
        resident.status = status
        resident.status_date = on_date
        resident.save(update_fields=["status", "status_date", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditEntry.Action.SOFT_DELETE,
            obj=resident,
            township_id=resident.household.township_id,
            summary=_("成员 %(name)s 状态变更") % {"name": resident.name},
            changes={"status": [old, status], "status_date": str(on_date)},
            request=request,
        )
    return resident
