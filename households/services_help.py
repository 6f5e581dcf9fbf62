"""Help records (结对帮扶) of a household: added, corrected or voided, never deleted; each change
audited in the same transaction."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.models import AuditEntry

from .changes import audit_change, diff, snapshot
from .models import HelpRecord, Household

HELP_FIELDS = ("cadre", "helper_name", "content", "helped_on", "amount")


# --- Help records (结对帮扶) ------------------------------------------------------------------------
def help_record_add(*, household: Household, data: dict, actor, request=None) -> HelpRecord:
    """data: cadre (or None), helper_name, content, helped_on, amount (or None)."""
    with transaction.atomic():
        record = HelpRecord.objects.create(household=household, recorded_by=_user(actor), **data)
        audit_change(
            record,
            AuditEntry.Action.CREATE,
            _("户 %(code)s 新增帮扶记录") % {"code": household.code},
            {f: ["", v] for f, v in snapshot(record, HELP_FIELDS).items() if v},
            actor=actor,
            request=request,
        )
    return record


def help_record_update(*, record: HelpRecord, data: dict, actor, request=None) -> dict:
    """Correct a help record (no deletes): the audit keeps the old values. A voided record
    stays as it was voided."""
    before = snapshot(record, HELP_FIELDS)
    for field, value in data.items():
        setattr(record, field, value)
    changes = diff(before, snapshot(record, HELP_FIELDS))
    if not changes:
        return {}
    with transaction.atomic():
        _lock_unvoided(record)
        record.save(update_fields=list(changes))
        audit_change(
            record,
            AuditEntry.Action.UPDATE,
            _("修改户 %(code)s 的帮扶记录") % {"code": record.household.code},
            changes,
            actor=actor,
            request=request,
        )
    return changes


def help_record_void(*, record: HelpRecord, reason: str, actor, request=None) -> HelpRecord:
    """Withdraw a wrong help record: it stays, marked with who voided it, when and why, and no
    longer counts as help given. Audited; a record already voided is left as it is."""
    with transaction.atomic():
        _lock_unvoided(record)
        record.voided_at = timezone.now()
        record.voided_by = _user(actor)
        record.void_reason = reason
        record.save(update_fields=["voided_at", "voided_by", "void_reason"])
        audit_change(
            record,
            AuditEntry.Action.SOFT_DELETE,
            _("作废户 %(code)s 的帮扶记录 %(record)s")
            % {"code": record.household.code, "record": record},
            {"void_reason": ["", reason]},
            actor=actor,
            request=request,
        )
    return record


def _lock_unvoided(record: HelpRecord) -> None:
    """Lock the record's row for the change; one voided meanwhile (another tab, another clerk)
    stays exactly as it was voided."""
    row = HelpRecord.objects.select_for_update().filter(pk=record.pk)
    if record.is_voided or row.values_list("voided_at", flat=True).get() is not None:
        raise ValidationError(_("该帮扶记录已作废，不能再修改。"), code="voided")


def _user(actor):
    """The acting user to store on a record; None for the shell or an anonymous request."""
    return actor if getattr(actor, "is_authenticated", False) else None
