"""How a change of a household, member or help record is described in the audit: labels for
choices, masks for phone numbers, old -> new per field; and the checks every writer starts with.
Shared by households.services_household, households.services_edit and households.services_help.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.models import AuditEntry
from households.access import may_edit_household

from . import identity

SUMMARY_VALUE_CHARS = 30


def require_edit(actor, household) -> None:
    """Every write to a household or its members starts here: the one policy decides."""
    if not may_edit_household(actor, household):
        raise PermissionDenied(_("您不能修改该户。"))


def field_value(name: str, cleaner, value):
    """`cleaner(value)`, its ValidationError named after the field for the door to show."""
    try:
        return cleaner(value)
    except ValidationError as error:
        raise ValidationError({name: error.messages}) from None


# --- Describing a change -------------------------------------------------------------------------
def shown(instance, field: str) -> str:
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


def snapshot(instance, fields) -> dict[str, str]:
    return {field: shown(instance, field) for field in fields}


def diff(before: dict, after: dict) -> dict[str, list[str]]:
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


def audit_change(obj, action: str, title: str, changes: dict, *, actor, request=None) -> None:
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


def audit_member_moves(moves, *, actor, township_id: int, source: str) -> None:
    """The roster import's member moves, one audit row each on the member, in the import's
    transaction: who moved from which household to which (and a new name with it).
    moves: (resident pk, label, from code, to code, old name or "", name)."""
    for pk, label, from_code, to_code, old_name, name in moves:
        changes = {"household": [from_code, to_code]}
        if old_name:
            changes["name"] = [old_name, name]
        audit_record(
            actor=actor,
            action=AuditEntry.Action.UPDATE,
            object_type="households.resident",
            object_id=str(pk),
            township_id=township_id,
            summary=_("迁移：%(who)s 从户 %(a)s → 户 %(b)s（花名册导入 %(f)s）")
            % {"who": label, "a": from_code, "b": to_code, "f": source},
            changes=changes,
        )
