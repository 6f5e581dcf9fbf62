"""Cell cleaners for the roster sheets. Each returns the clean value or raises ValidationError
whose message tells a clerk how to fix the cell. Identity rules live in households.identity."""

from __future__ import annotations

import datetime as dt
import re
from functools import cache

from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from households import identity
from households.models import Resident, Tag

from .schema import TAG_SEPARATORS

_TAG_SPLIT = re.compile("[" + re.escape(TAG_SEPARATORS) + "]+")

RELATION_ALIASES = {
    **{str(label): value for value, label in Resident.Relation.choices},
    "本人": Resident.Relation.HEAD,
    "妻子": Resident.Relation.SPOUSE,
    "丈夫": Resident.Relation.SPOUSE,
    "妻": Resident.Relation.SPOUSE,
    "夫": Resident.Relation.SPOUSE,
    "儿子": Resident.Relation.CHILD,
    "女儿": Resident.Relation.CHILD,
    "子": Resident.Relation.CHILD,
    "女": Resident.Relation.CHILD,
    "父亲": Resident.Relation.PARENT,
    "母亲": Resident.Relation.PARENT,
    "孙子": Resident.Relation.GRANDCHILD,
    "孙女": Resident.Relation.GRANDCHILD,
}
POLITICAL_ALIASES = {
    **{str(label): value for value, label in Resident.Political.choices},
    "党员": Resident.Political.PARTY_MEMBER,
    "预备党员": Resident.Political.PROBATIONARY,
    "团员": Resident.Political.LEAGUE_MEMBER,
}
GENDER_ALIASES = {"男": "M", "女": "F"}


def text(value, *, required: bool = False, max_length: int = 255) -> str:
    """NFKC (full-width to half-width), trimmed, inner runs of spaces collapsed."""
    if value is None and not required:  # empty cells are most cells of optional columns
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime | dt.date):
        value = value.strftime("%Y-%m-%d")
    # Collapse inner whitespace runs to one space (split() also trims).
    cleaned = " ".join(identity.normalise_text(value).split())
    if required and not cleaned:
        raise ValidationError(_("必填，不能为空。"))
    if len(cleaned) > max_length:
        raise ValidationError(
            _("太长：最多 %(n)d 个字，当前 %(m)d 个。") % {"n": max_length, "m": len(cleaned)}
        )
    return cleaned


def code(value) -> str:
    cleaned = text(value, required=True, max_length=32).replace(" ", "")
    return cleaned.upper()


def name(value) -> str:
    cleaned = text(value, required=True, max_length=32)
    # "张 三" typed with a space between characters is still 张三.
    return re.sub(r"(?<=[\u4e00-\u9fff]) (?=[\u4e00-\u9fff])", "", cleaned)


def phone(value) -> str:
    return identity.normalise_phone(value)


def mobile(value) -> str:
    cleaned = identity.normalise_phone(value)
    if not cleaned:
        raise ValidationError(_("必填，不能为空。"))
    if not (len(cleaned) == 11 and cleaned.isdigit()):
        raise ValidationError(_("干部手机号应为11位手机号码（用作登录账号）。"))
    return cleaned


def id_number(value, *, required: bool):
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValidationError(_("必填，不能为空。"))
        return None
    return identity.parse_id_number(value)


def choice(value, aliases: dict, *, default=None):
    cleaned = text(value).replace(" ", "")
    if not cleaned:
        if default is None:
            raise ValidationError(_("必填，不能为空。"))
        return default
    try:
        return aliases[cleaned]
    except KeyError:
        valid = "、".join(dict.fromkeys(k for k in aliases if len(k) > 1 or k in "男女"))
        raise ValidationError(
            _("“%(value)s”不是可选值。可选：%(valid)s。") % {"value": cleaned, "valid": valid}
        ) from None


_TAG_ORDER = tuple(Tag.values)


@cache
def _tag_labels(language: str) -> dict[str, str]:
    return {str(label): v for v, label in Tag.choices}


def tags(value) -> str:
    """ "生活困难、老党员老干部" -> ",veteran,hardship," in the canonical order of Tag."""
    labels = _tag_labels(get_language() or "")
    found = set()
    for part in _TAG_SPLIT.split(text(value)):
        if not part:
            continue
        if part not in labels:
            raise ValidationError(
                _("重点类别“%(value)s”不存在。可选：%(valid)s（多个用“、”分隔）。")
                % {"value": part, "valid": "、".join(labels)}
            )
        found.add(labels[part])
    ordered = [t for t in _TAG_ORDER if t in found]
    return f",{','.join(ordered)}," if ordered else ""


def lookup(value, table: dict, *, what: str, required: bool = True):
    """A village or work group by name; an unknown name lists the valid ones."""
    cleaned = text(value).replace(" ", "")
    if not cleaned:
        if required:
            raise ValidationError(_("必填，不能为空。"))
        return None
    try:
        return table[cleaned]
    except KeyError:
        raise ValidationError(
            _("%(what)s“%(value)s”不存在。可选：%(valid)s。")
            % {"what": what, "value": cleaned, "valid": "、".join(sorted(table)) or _("（无）")}
        ) from None


def message_of(error: ValidationError) -> str:
    return " ".join(str(m) for m in error.messages)
