"""Household services: the self-report token for contact cards and the audited reveal."""

from __future__ import annotations

from django.core import signing
from django.db import transaction
from django.utils.translation import gettext as _

from liaison.audit import audit_record
from liaison.models import AuditEntry

from .models import Household, Resident

REPORT_TOKEN_SALT = "lianxin.household-report"  # noqa: S105 - a salt, not a secret


def household_report_token(household: Household) -> str:
    """A signed, URL-safe token of the household id for the QR code on its contact card."""
    return signing.dumps(household.pk, salt=REPORT_TOKEN_SALT, compress=True)


def household_from_report_token(token: str) -> Household:
    """The household a contact-card token names; raises signing.BadSignature if it is bad."""
    pk = signing.loads(token, salt=REPORT_TOKEN_SALT)
    try:
        return Household.objects.select_related("township", "village").get(pk=pk)
    except (Household.DoesNotExist, ValueError, TypeError):
        raise signing.BadSignature("unknown household") from None


def household_reveal_identity(*, household: Household, actor, request=None) -> list[dict]:
    """Full phone and ID numbers of a household; the caller has checked may_reveal_identity."""
    residents = list(household.residents.all())
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditEntry.Action.REVEAL,
            obj=household,
            summary=_("查看户 %(code)s 的完整号码") % {"code": household.code},
            changes={"residents": [r.pk for r in residents]},
            request=request,
        )
    return [{"resident": r, "id_number": r.id_number, "phone": r.phone} for r in residents]


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
