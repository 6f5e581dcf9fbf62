"""Editing a household on its own page: its details, its members and its help records.

Each function is the one way that change happens; it writes its audit row (who, which field,
old -> new, phone and ID numbers masked) in the same transaction. Validation of the values
themselves lives in households.identity and households.roster.cleaning, shared with the import.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from liaison.audit import audit_record
from liaison.models import AuditEntry

from . import identity
from .models import HelpRecord, Household, Resident
from .services import resident_mark_status

HOUSEHOLD_FIELDS = ("village", "grid", "address", "phone", "tags", "difficulty", "note")
RESIDENT_FIELDS = (
    "name",
    "gender",
    "id_masked",
    "relation",
    "is_head",
    "phone",
    "political_status",
)
HELP_FIELDS = ("cadre", "helper_name", "content", "helped_on", "amount")
SUMMARY_VALUE_CHARS = 30


# --- Describing a change -------------------------------------------------------------------------
def _shown(instance, field: str) -> str:
    """A field's value as the audit shows it: labels for choices, masks for numbers."""
    value = getattr(instance, field)
    if field == "tags":
        return "、".join(instance.tag_labels)
    if field == "phone":
        return identity.mask_phone(value)
    if field == "is_head":
        return _("是") if value else _("否")
    if field in {"gender", "relation", "political_status", "difficulty", "status"}:
        return str(getattr(instance, f"get_{field}_display")()) if value else ""
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return str(value)


def _snapshot(instance, fields) -> dict[str, str]:
    return {field: _shown(instance, field) for field in fields}


def _diff(before: dict, after: dict) -> dict[str, list[str]]:
    return {f: [before[f], after[f]] for f in before if before[f] != after[f]}


def _label(model, field: str) -> str:
    if field == "id_masked":
        return str(_("身份证号"))
    return str(model._meta.get_field(field).verbose_name)


def _summary(title: str, model, changes: dict) -> str:
    def short(text: str) -> str:
        return text if len(text) <= SUMMARY_VALUE_CHARS else text[: SUMMARY_VALUE_CHARS - 1] + "…"

    parts = [
        f"{_label(model, f)} {short(old) or '—'}→{short(new) or '—'}"
        for f, (old, new) in changes.items()
    ]
    return f"{title}：{'；'.join(parts)}" if parts else title


def _audit(obj, action: str, title: str, changes: dict, *, actor, request=None) -> None:
    """One audit row for a household, member or help record, in the caller's transaction."""
    township_id = getattr(obj, "township_id", None) or obj.household.township_id
    audit_record(
        actor=actor,
        action=action,
        obj=obj,
        township_id=township_id,
        summary=_summary(title, type(obj), changes),
        changes=changes,
        request=request,
    )


def _audit_household(household: Household, changes: dict, *, actor, request=None) -> None:
    title = _("修改户 %(code)s") % {"code": household.code}
    _audit(household, AuditEntry.Action.UPDATE, title, changes, actor=actor, request=request)


# --- Household -----------------------------------------------------------------------------------
def household_update(*, household: Household, data: dict, actor, request=None) -> dict:
    """Change the given fields (village, grid, address, phone, tags as a list, difficulty, note).

    Returns the audited changes; nothing is written when nothing changed."""
    before = _snapshot(household, HOUSEHOLD_FIELDS)
    for field, value in data.items():
        if field == "tags":
            household.set_tags(value)
        else:
            setattr(household, field, value)
    changes = _diff(before, _snapshot(household, HOUSEHOLD_FIELDS))
    if not changes:
        return {}
    with transaction.atomic():
        household.save(update_fields=[*changes, "updated_at"])
        _audit_household(household, changes, actor=actor, request=request)
    return changes


# --- Members -------------------------------------------------------------------------------------
def _id_number_taken(number: str, *, exclude_pk=None) -> ValidationError | None:
    others = Resident.objects.filter(id_number_hmac=identity.blind_index(number))
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    if others.exists():
        return ValidationError(
            {"id_number": _("该身份证号已登记在系统中的其他成员名下，一个人只能登记一次，请核实。")}
        )
    return None


def _apply_member(resident: Resident, data: dict) -> None:
    number = data.get("id_number")
    if number:
        resident.set_id_number(number)  # also derives birth date and gender
    for field in ("name", "relation", "phone", "political_status"):
        if field in data:
            setattr(resident, field, data[field])
    if data.get("gender") and not resident.id_number_hmac:
        resident.gender = data["gender"]
    if data.get("is_head"):
        resident.relation = Resident.Relation.HEAD


def _save_member(resident: Resident, *, is_new: bool) -> None:
    fields = [*RESIDENT_FIELDS, "birth_date", "id_number_encrypted", "id_number_hmac", "id_last4"]
    try:
        with transaction.atomic():
            if is_new:
                resident.save()
            else:
                resident.save(update_fields=[*fields, "updated_at"])
    except IntegrityError:  # the same number saved by someone else a moment ago
        raise _id_number_taken(resident.id_number) or ValidationError(
            _("保存失败，请重试。")
        ) from None


def _set_head_name(household: Household, name: str, *, actor, request=None) -> None:
    if household.head_name == name:
        return
    old, household.head_name = household.head_name, name
    household.save(update_fields=["head_name", "updated_at"])
    _audit_household(household, {"head_name": [old, name]}, actor=actor, request=request)


def _become_head(resident: Resident, *, actor, request=None) -> None:
    """Make this member the household's only head; a former head stays in the household as
    "其他" until a clerk sets the real relation. The household's head name follows."""
    household = Household.objects.select_for_update().get(pk=resident.household_id)
    resident.household = household  # one instance, so the head name is compared once
    for former in household.residents.filter(is_head=True).exclude(pk=resident.pk):
        _resident_change(
            former,
            {"is_head": False, "relation": Resident.Relation.OTHER},
            actor=actor,
            request=request,
        )
    resident.is_head = True
    resident.relation = Resident.Relation.HEAD
    _set_head_name(household, resident.name, actor=actor, request=request)


def resident_add(*, household: Household, data: dict, actor, request=None) -> Resident:
    """A new member: name, gender (derived from the ID number when there is one), id_number
    (a full, validated number or empty), relation, is_head, phone, political_status."""
    if data.get("id_number") and (taken := _id_number_taken(data["id_number"])):
        raise taken
    resident = Resident(household=household)
    _apply_member(resident, data)
    with transaction.atomic():
        if data.get("is_head"):
            _become_head(resident, actor=actor, request=request)
        _save_member(resident, is_new=True)
        after = _snapshot(resident, RESIDENT_FIELDS)
        _audit(
            resident,
            AuditEntry.Action.CREATE,
            _("户 %(code)s 新增成员 %(name)s") % {"code": household.code, "name": resident.name},
            {f: ["", v] for f, v in after.items() if v},
            actor=actor,
            request=request,
        )
    return resident


def resident_update(*, resident: Resident, data: dict, actor, request=None) -> dict:
    """Change a member. An empty or missing id_number keeps the stored one. A household keeps
    exactly one head: ticking "户主" on another member moves it there; the head cannot simply be
    unticked. Returns the audited changes."""
    wants_head = bool(data.get("is_head", resident.is_head))
    if resident.is_head and not wants_head and resident.status == Resident.Status.PRESENT:
        raise ValidationError(
            {"is_head": _("每户必须有一名户主：如需更换户主，请在新户主的成员信息中勾选“户主”。")}
        )
    if data.get("id_number") and (
        taken := _id_number_taken(data["id_number"], exclude_pk=resident.pk)
    ):
        raise taken
    with transaction.atomic():
        return _resident_change(resident, data, actor=actor, request=request)


def _resident_change(resident: Resident, data: dict, *, actor, request=None) -> dict:
    before = _snapshot(resident, RESIDENT_FIELDS)
    _apply_member(resident, data)
    if data.get("is_head") and not resident.is_head:
        _become_head(resident, actor=actor, request=request)
    elif "is_head" in data:
        resident.is_head = data["is_head"]
    changes = _diff(before, _snapshot(resident, RESIDENT_FIELDS))
    if not changes:
        return {}
    _save_member(resident, is_new=False)
    household = resident.household
    if resident.is_head:
        _set_head_name(household, resident.name, actor=actor, request=request)
    _audit(
        resident,
        AuditEntry.Action.UPDATE,
        _("修改成员 %(name)s（户 %(code)s）") % {"name": resident.name, "code": household.code},
        changes,
        actor=actor,
        request=request,
    )
    return changes


def resident_leave(
    *, resident: Resident, status: str, on_date: dt.date, actor, request=None
) -> Resident:
    """Moved away or deceased, with the date; never deleted. The head leaves last: while others
    still live in the household, another member must become head first."""
    if resident.is_head and (
        resident.household.residents.filter(status=Resident.Status.PRESENT)
        .exclude(pk=resident.pk)
        .exists()
    ):
        raise ValidationError(
            _("该成员是户主：请先把另一名成员设为户主，再登记迁出或死亡。"), code="head_leaves"
        )
    return resident_mark_status(
        resident=resident, status=status, on_date=on_date, actor=actor, request=request
    )


def resident_restore(*, resident: Resident, actor, request=None) -> Resident:
    """Undo a wrong "moved away / deceased": the member is present again (audited)."""
    old = [resident.get_status_display(), _shown(resident, "status_date")]
    with transaction.atomic():
        resident.status = Resident.Status.PRESENT
        resident.status_date = None
        fields = ["status", "status_date", "updated_at"]
        other_head = resident.household.residents.filter(
            is_head=True, status=Resident.Status.PRESENT
        ).exclude(pk=resident.pk)
        if resident.is_head and other_head.exists():
            resident.is_head = False
            resident.relation = Resident.Relation.OTHER
            fields += ["is_head", "relation"]
        resident.save(update_fields=fields)
        changes = {
            "status": [old[0], str(resident.get_status_display())],
            "status_date": [old[1], ""],
        }
        _audit(
            resident,
            AuditEntry.Action.UPDATE,
            _("成员 %(name)s 恢复为在户") % {"name": resident.name},
            changes,
            actor=actor,
            request=request,
        )
    return resident


# --- Help records (结对帮扶) ------------------------------------------------------------------------
def help_record_add(*, household: Household, data: dict, actor, request=None) -> HelpRecord:
    """data: cadre (or None), helper_name, content, helped_on, amount (or None)."""
    with transaction.atomic():
        record = HelpRecord.objects.create(household=household, recorded_by=_user(actor), **data)
        _audit(
            record,
            AuditEntry.Action.CREATE,
            _("户 %(code)s 新增帮扶记录") % {"code": household.code},
            {f: ["", v] for f, v in _snapshot(record, HELP_FIELDS).items() if v},
            actor=actor,
            request=request,
        )
    return record


def help_record_update(*, record: HelpRecord, data: dict, actor, request=None) -> dict:
    """Correct a help record (no deletes): the audit keeps the old values. A voided record
    stays as it was voided."""
    before = _snapshot(record, HELP_FIELDS)
    for field, value in data.items():
        setattr(record, field, value)
    changes = _diff(before, _snapshot(record, HELP_FIELDS))
    if not changes:
        return {}
    with transaction.atomic():
        _lock_unvoided(record)
        record.save(update_fields=list(changes))
        _audit(
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
        _audit(
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
