"""Writing households and their members: the one service per change that every door calls —
the household page, the API (households.api), the Django admin (households.admin).

Each function checks the policy (liaison.access), validates, writes and writes its audit row
(who, which field, old -> new, phone and ID numbers masked) in the same transaction. A refused
change is a PermissionDenied (may not edit the household at all) or a ValidationError naming the
field, which each door shows its own way (form error, 400 with field errors). Validation of the
values themselves lives in households.identity and households.roster.cleaning, shared with the
import. Households are in households.services_household, help records in
households.services_help; both are importable from here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from core.models import AuditEntry

from . import identity
from .changes import audit_change, diff, field_value, require_edit, shown, snapshot
from .models import Household, Resident
from .services import resident_mark_status
from .services_heads import NO_HEAD, head_counts, head_rule_breach
from .services_help import help_record_add, help_record_update, help_record_void
from .services_household import (
    audit_household,
    household_create,
    household_update,
    household_validate_create,
    household_validate_update,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser
    from django.http import HttpRequest

__all__ = [
    "help_record_add", "help_record_update", "help_record_void", "household_create",
    "household_update", "household_validate_create", "household_validate_update", "resident_add",
    "resident_leave", "resident_restore", "resident_update", "resident_validate_add",
    "resident_validate_update",
]  # fmt: skip

RESIDENT_FIELDS = (
    "name",
    "gender",
    "id_masked",
    "relation",
    "is_head",
    "phone",
    "political_status",
)


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
    audit_household(household, {"head_name": [old, name]}, actor=actor, request=request)


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


def _member_data(data: Mapping[str, Any]) -> dict[str, Any]:
    """The relation "户主" and the head flag are one fact: either one makes the member head."""
    data = dict(data)
    if data.get("relation") == Resident.Relation.HEAD:
        data["is_head"] = True
    if data.get("phone"):
        data["phone"] = field_value("phone", identity.normalise_phone, data["phone"])
    if data.get("id_number"):
        data["id_number"] = field_value(
            "id_number", lambda v: identity.parse_id_number(v).number, data["id_number"]
        )
    return data


def resident_validate_add(
    *, household: Household, data: Mapping[str, Any], actor: AbstractBaseUser
) -> dict[str, Any]:
    """The rules of `resident_add`, without writing: the cleaned data, or PermissionDenied / a
    ValidationError naming the fields. A form (the admin's) calls it in its clean()."""
    require_edit(actor, household)
    data = _member_data(data)
    if data.get("id_number") and (taken := _id_number_taken(data["id_number"])):
        raise taken
    if not data.get("is_head"):
        heads, present = head_counts(household.pk)
        if head_rule_breach(heads=heads, present=present + 1) == NO_HEAD:
            raise ValidationError(
                {"is_head": _("该户还没有在户的户主：请先登记户主，或把本成员设为户主。")}
            )
    return data


def resident_add(
    *,
    household: Household,
    data: Mapping[str, Any],
    actor: AbstractBaseUser,
    request: HttpRequest | None = None,
) -> Resident:
    """A new member: name, gender (derived from the ID number when there is one), id_number
    (a full, validated number or empty), relation, is_head, phone, political_status. A new
    head takes over from the former one (never two heads)."""
    data = resident_validate_add(household=household, data=data, actor=actor)
    resident = Resident(household=household)
    _apply_member(resident, data)
    with transaction.atomic():
        if data.get("is_head"):
            _become_head(resident, actor=actor, request=request)
        _save_member(resident, is_new=True)
        after = snapshot(resident, RESIDENT_FIELDS)
        audit_change(
            resident,
            AuditEntry.Action.CREATE,
            _("户 %(code)s 新增成员 %(name)s") % {"code": household.code, "name": resident.name},
            {f: ["", v] for f, v in after.items() if v},
            actor=actor,
            request=request,
        )
    return resident


def resident_validate_update(
    *, resident: Resident, data: Mapping[str, Any], actor: AbstractBaseUser
) -> dict[str, Any]:
    """The rules of `resident_update`, without writing (see resident_validate_add)."""
    require_edit(actor, resident.household)
    data = _member_data(data)
    household = data.pop("household", None)
    if household is not None and household.pk != resident.household_id:
        raise ValidationError(
            {"household": _("成员不能直接转到另一户：请在原户登记迁出，再在新户中添加该成员。")}
        )
    if "relation" in data and "is_head" not in data and resident.is_head:
        data["is_head"] = data["relation"] == Resident.Relation.HEAD  # a head "becomes" spouse
    wants_head = bool(data.get("is_head", resident.is_head))
    if resident.is_head and not wants_head and resident.status == Resident.Status.PRESENT:
        raise ValidationError(
            {"is_head": _("每户必须有一名户主：如需更换户主，请在新户主的成员信息中勾选“户主”。")}
        )
    absent = resident.status != Resident.Status.PRESENT
    if wants_head and not resident.is_head and absent:
        # the present head would step down for someone who does not live here (one head rule)
        present = head_counts(resident.household_id)[1]
        if head_rule_breach(heads=0, present=present) == NO_HEAD:
            raise ValidationError(
                {"is_head": _("该成员已不在户，不能设为户主：请把一名在户成员设为户主。")}
            )
    if data.get("id_number") and (
        taken := _id_number_taken(data["id_number"], exclude_pk=resident.pk)
    ):
        raise taken
    return data


def resident_update(
    *,
    resident: Resident,
    data: Mapping[str, Any],
    actor: AbstractBaseUser,
    request: HttpRequest | None = None,
) -> dict[str, list[str]]:
    """Change a member. An empty or missing id_number keeps the stored one. A household keeps
    exactly one head: ticking "户主" on another member moves it there; the head cannot simply be
    unticked. A member stays in their household (a `household` other than their own is
    refused). Returns the audited changes."""
    data = resident_validate_update(resident=resident, data=data, actor=actor)
    with transaction.atomic():
        return _resident_change(resident, data, actor=actor, request=request)


def _resident_change(resident: Resident, data: dict, *, actor, request=None) -> dict:
    before = snapshot(resident, RESIDENT_FIELDS)
    _apply_member(resident, data)
    if data.get("is_head") and not resident.is_head:
        _become_head(resident, actor=actor, request=request)
    elif "is_head" in data:
        resident.is_head = data["is_head"]
    changes = diff(before, snapshot(resident, RESIDENT_FIELDS))
    if not changes:
        return {}
    _save_member(resident, is_new=False)
    household = resident.household
    if resident.is_head:
        _set_head_name(household, resident.name, actor=actor, request=request)
    audit_change(
        resident,
        AuditEntry.Action.UPDATE,
        _("修改成员 %(name)s（户 %(code)s）") % {"name": resident.name, "code": household.code},
        changes,
        actor=actor,
        request=request,
    )
    return changes


def resident_leave(
    *,
    resident: Resident,
    status: str,
    on_date: dt.date,
    actor: AbstractBaseUser,
    request: HttpRequest | None = None,
) -> Resident:
    """Moved away or deceased, with the date; never deleted. The head leaves last: while others
    still live in the household, another member must become head first."""
    require_edit(actor, resident.household)
    if status not in {Resident.Status.MOVED_OUT, Resident.Status.DECEASED}:
        raise ValidationError({"status": _("请选择迁出或去世。")})
    if resident.status != Resident.Status.PRESENT:
        raise ValidationError({"status": _("该成员已不在户，无需再次登记。")})
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


def resident_restore(
    *, resident: Resident, actor: AbstractBaseUser, request: HttpRequest | None = None
) -> Resident:
    """Undo a wrong "moved away / deceased": the member is present again (audited)."""
    require_edit(actor, resident.household)
    if not resident.is_head:
        heads, present = head_counts(resident.household_id)
        if head_rule_breach(heads=heads, present=present + 1) == NO_HEAD:
            raise ValidationError(
                {
                    "status": _(
                        "恢复后该户将有在户成员却没有户主：请先恢复户主，"
                        "或先在本成员信息中勾选“户主”，再恢复。"
                    )
                }
            )
    old = [resident.get_status_display(), shown(resident, "status_date")]
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
        audit_change(
            resident,
            AuditEntry.Action.UPDATE,
            _("成员 %(name)s 恢复为在户") % {"name": resident.name},
            changes,
            actor=actor,
            request=request,
        )
    return resident
