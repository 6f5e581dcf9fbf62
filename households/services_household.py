"""Creating and changing a household (户): the one service for each, called by the household page,
the API and the Django admin. The policy (liaison.access) decides who may change what: the code,
the village and the status each have their own rule; every change is audited with masked phone
numbers in the same transaction."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.models import AuditEntry
from households.access import (
    may_change_household_status,
    may_create_household,
    may_recode_household,
    villages_assignable_by,
)
from liaison.access import township_id_of
from liaison.models import Village

from . import identity
from .changes import audit_change, diff, field_value, require_edit, snapshot
from .models import Household
from .roster import cleaning

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser
    from django.http import HttpRequest

HOUSEHOLD_FIELDS = (
    "code", "village", "grid", "address", "phone", "tags", "difficulty", "note", "status",
)  # fmt: skip
HOUSEHOLD_CREATE_FIELDS = (*HOUSEHOLD_FIELDS, "head_name")


def audit_household(household: Household, changes: dict, *, actor, request=None) -> None:
    title = _("修改户 %(code)s") % {"code": household.code}
    audit_change(household, AuditEntry.Action.UPDATE, title, changes, actor=actor, request=request)


# --- Household -----------------------------------------------------------------------------------
def _clean_household(data: Mapping[str, Any], allowed: tuple[str, ...]) -> dict[str, Any]:
    """The values as the import would store them; an unknown field is a programming error."""
    unknown = set(data) - set(allowed)
    if unknown:
        raise TypeError(f"not a household field: {sorted(unknown)}")
    clean = dict(data)
    if "code" in clean:
        clean["code"] = field_value("code", cleaning.code, clean["code"])
    if "phone" in clean:
        clean["phone"] = field_value("phone", identity.normalise_phone, clean["phone"] or "")
    if clean.get("head_name") is not None:
        clean["head_name"] = field_value("head_name", cleaning.name, clean["head_name"])
    if "status" in clean and clean["status"] not in Household.Status.values:
        raise ValidationError({"status": _("状态无效。")})
    return clean


def _code_taken(township_id: int, code: str, *, exclude_pk=None) -> ValidationError | None:
    others = Household.objects.filter(township_id=township_id, code=code)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    if others.exists():
        return ValidationError(
            {"code": _("户编号“%(code)s”已被本乡镇的另一户使用，请换一个。") % {"code": code}}
        )
    return None


def _household_refusals(household: Household, data: dict, actor) -> dict[str, str]:
    """Field -> why this actor may not make this change: the policy's rules, on every door."""
    errors = {}
    village = data.get("village")
    moves = village is not None and village.pk != household.village_id
    if moves and not villages_assignable_by(actor, household).filter(pk=village.pk).exists():
        errors["village"] = _(
            "不能把该户调到这个村（社区）：工作组组长只能在本组负责的村（社区）之间调整，"
            "联系干部不能调整；如确需调整，请联系系统管理员。"
        )
    if "code" in data and data["code"] != household.code:
        if not may_recode_household(actor, household):
            errors["code"] = _("户编号是花名册的编号，只有系统管理员可以修改。")
        elif taken := _code_taken(household.township_id, data["code"], exclude_pk=household.pk):
            errors.update(taken.message_dict)
    closes = "status" in data and data["status"] != household.status
    if closes and not may_change_household_status(actor, household):
        errors["status"] = _(
            "只有系统管理员可以注销住户或登记整户迁出；成员迁出或去世请在成员中登记。"
        )
    return errors


def _save_household(household: Household, fields: list[str]) -> None:
    try:
        with transaction.atomic():
            household.save(update_fields=fields)
    except IntegrityError:  # the same code saved by someone else a moment ago
        raise _code_taken(household.township_id, household.code) or ValidationError(
            _("保存失败，请重试。")
        ) from None


def household_validate_update(
    *, household: Household, data: Mapping[str, Any], actor: AbstractBaseUser
) -> dict[str, Any]:
    """The rules of `household_update`, without writing: the cleaned data, or PermissionDenied /
    a ValidationError naming the fields. A form (the admin's) calls it in its clean()."""
    require_edit(actor, household)
    data = _clean_household(data, HOUSEHOLD_FIELDS)
    if errors := _household_refusals(household, data, actor):
        raise ValidationError(errors)
    return data


def household_update(
    *,
    household: Household,
    data: Mapping[str, Any],
    actor: AbstractBaseUser,
    request: HttpRequest | None = None,
) -> dict[str, list[str]]:
    """Change the given fields (code, village, grid, address, phone, tags as a list, difficulty,
    note, status). Refused unless the actor may edit the household; the code, the village and
    the status each have their own rule (liaison.access). Closing a household or marking it
    moved away is audited as a soft delete. Returns the audited changes; nothing is written
    when nothing changed."""
    data = household_validate_update(household=household, data=data, actor=actor)
    before = snapshot(household, HOUSEHOLD_FIELDS)
    old_status = household.status
    for field, value in data.items():
        if field == "tags":
            household.set_tags(value)
        else:
            setattr(household, field, value)
    changes = diff(before, snapshot(household, HOUSEHOLD_FIELDS))
    if not changes:
        return {}
    fields = [*changes, "updated_at"]
    action = AuditEntry.Action.UPDATE
    if household.status != old_status:
        household.status_date = timezone.localdate()
        fields.append("status_date")
        if household.status != Household.Status.ACTIVE:
            action = AuditEntry.Action.SOFT_DELETE
    with transaction.atomic():
        _save_household(household, fields)
        title = _("修改户 %(code)s") % {"code": household.code}
        audit_change(household, action, title, changes, actor=actor, request=request)
    return changes


def household_validate_create(
    *, data: Mapping[str, Any], actor: AbstractBaseUser
) -> dict[str, Any]:
    """The rules of `household_create`, without writing (see household_validate_update)."""
    if not may_create_household(actor):
        raise PermissionDenied(_("只有系统管理员可以新增住户。"))
    data = _clean_household(data, HOUSEHOLD_CREATE_FIELDS)
    village: Village = data["village"]
    own_township = township_id_of(actor)
    if own_township is not None and village.township_id != own_township:
        raise ValidationError({"village": _("村（社区）不在您的乡镇。")})
    if taken := _code_taken(village.township_id, data["code"]):
        raise taken
    return data


def household_create(
    *, data: Mapping[str, Any], actor: AbstractBaseUser, request: HttpRequest | None = None
) -> Household:
    """A new household (code, village, head_name, address, and optionally grid, phone, tags,
    difficulty, note) in the village's township. Only those who `may_create_household`, only
    in their own township, only with a code the township does not use yet."""
    data = household_validate_create(data=data, actor=actor)
    village: Village = data["village"]
    tags = data.pop("tags", [])
    data.pop("status", None)  # a new household is in the roster
    household = Household(township_id=village.township_id, **data)
    household.set_tags(tags)
    with transaction.atomic():
        try:
            with transaction.atomic():
                household.save()
        except IntegrityError:
            raise _code_taken(village.township_id, household.code) or ValidationError(
                _("保存失败，请重试。")
            ) from None
        after = snapshot(household, HOUSEHOLD_FIELDS)
        audit_change(
            household,
            AuditEntry.Action.CREATE,
            _("新增户 %(code)s") % {"code": household.code},
            {f: ["", v] for f, v in after.items() if v},
            actor=actor,
            request=request,
        )
    return household
