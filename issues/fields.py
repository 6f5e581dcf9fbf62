"""Validation of the data each transition needs. One place for the UI forms and the API: errors
come back as a ValidationError keyed by field name."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from committees.models import Committee, Department
from core.params import parse_id
from issues.access import issues_visible_to
from liaison.models import Cadre, Village

from .models import Issue, Level, ReplyChannel, Satisfaction, Status
from .transitions import ContactChannel

TEXT_MAX = 4000


def _pk(value):
    if hasattr(value, "pk"):
        return value.pk
    if value in (None, ""):
        return None
    pk = parse_id(value)
    if pk is None:
        raise ValidationError(_("请选择有效的选项。"))
    return pk


def _text(value, *, issue, data):
    text = (value or "").strip() if isinstance(value, str) or value is None else str(value)
    if len(text) > TEXT_MAX:
        raise ValidationError(_("不能超过 %(n)s 字。") % {"n": TEXT_MAX})
    return text


def _choice(choices):
    def clean(value, *, issue, data):
        if value in (None, ""):
            return ""
        if value not in choices.values:
            raise ValidationError(_("请选择有效的选项。"))
        return value

    return clean


def _committee(value, *, issue, data):
    pk = _pk(value)
    if pk is None:
        return None
    found = Committee.objects.filter(pk=pk, township_id=issue.township_id, is_active=True).first()
    if found is None:
        raise ValidationError(_("请选择本乡镇的专门委员会。"))
    return found


def _village(value, *, issue, data):
    pk = _pk(value)
    if pk is None:
        return None
    found = Village.objects.filter(pk=pk, township_id=issue.township_id).first()
    if found is None:
        raise ValidationError(_("请选择本乡镇的村（社区）。"))
    return found


def _department(value, *, issue, data):
    pk = _pk(value)
    if pk is None:
        return None
    found = Department.objects.filter(pk=pk, is_active=True).first()
    if found is None:
        raise ValidationError(_("请选择有效的区级部门。"))
    return found


def _handler(value, *, issue, data):
    pk = _pk(value)
    if pk is None:
        return None
    found = Cadre.objects.filter(pk=pk, is_active=True).first()
    if found is None or (found.township_id not in (None, issue.township_id)):
        raise ValidationError(_("请选择有效的承办人。"))
    return found


def _into(value, *, issue, data, actor=None):
    """The issue to merge into, loaded through the issues policy: one the actor cannot open
    gets the same answer as a number that does not exist, and no event is written on it."""

    pk = _pk(value)
    if pk is None:
        return None
    if pk == issue.pk:
        raise ValidationError(_("不能合并到自身。"))
    # Only the system (actor None, never a person's request) merges without a scope.
    candidates = Issue.objects.all() if actor is None else issues_visible_to(actor)
    found = (
        candidates.filter(pk=pk, township_id=issue.township_id)
        .exclude(status__in=[Status.MERGED, Status.ARCHIVED])
        .first()
    )
    if found is None:
        raise ValidationError(_("请选择本乡镇一件未归档的诉求。"))
    return found


def _contacted_at(value, *, issue, data):
    """When the resident was contacted: blank means now; never in the future, never before the
    issue was reported."""
    if value in (None, ""):
        return None
    when = value if isinstance(value, dt.datetime) else parse_datetime(str(value).strip())
    if when is None:
        raise ValidationError(_("请填写有效的时间，例如 2026-05-06 09:30。"))
    if timezone.is_naive(when):
        when = timezone.make_aware(when)
    if when > timezone.now() + dt.timedelta(minutes=5):
        raise ValidationError(_("联系时间不能晚于现在。"))
    if issue.reported_at and when < issue.reported_at:
        raise ValidationError(_("联系时间不能早于诉求登记时间。"))
    return when


def _bool(value, *, issue, data):
    return value in (True, "1", "true", "on", "True", 1)


CLEANERS = {
    "committee": _committee,
    "level": _choice(Level),
    "village": _village,
    "department": _department,
    "handler": _handler,
    "into": _into,
    "note": _text,
    "result": _text,
    "explanation": _text,
    "reply_text": _text,
    "comment": _text,
    "channel": _choice(ReplyChannel),
    "satisfaction": _choice(Satisfaction),
    "contacted": _bool,
    "contact_channel": _choice(ContactChannel),
    "contacted_at": _contacted_at,
}


# Cleaners that load other issues need to know who asks (the rest only look at the value).
ACTOR_AWARE = {"into"}


def clean(transition, data: dict, *, issue, actor=None, system: bool = False) -> dict:
    errors: dict[str, list] = {}
    cleaned: dict = {}
    for name in transition.fields:
        extra = {"actor": None if system else actor} if name in ACTOR_AWARE else {}
        try:
            cleaned[name] = CLEANERS[name](data.get(name), issue=issue, data=data, **extra)
        except ValidationError as exc:
            errors.setdefault(name, []).extend(exc.messages)
            continue
        if name in transition.required and cleaned[name] in (None, "") and not system:
            errors.setdefault(name, []).append(str(_("此项为必填项。")))
    if transition.action == "triage" and not errors:
        _check_triage(cleaned, issue, errors)
    if transition.action == "escalate" and not system and not errors:
        _check_escalate(cleaned, issue, errors)
    if transition.action == "assign" and not errors:
        _check_assign(cleaned, issue, errors)
    if (
        transition.action == "rate"
        and cleaned.get("satisfaction") == Satisfaction.UNSATISFIED
        and not cleaned.get("comment")
    ):
        errors.setdefault("comment", []).append(str(_("不满意时请记录群众的意见。")))
    if errors:
        raise ValidationError(errors)
    return cleaned


def _check_escalate(cleaned, issue, errors) -> None:
    """A person escalating to the district names the department that will own the issue (the
    overdue scan's automatic escalation goes to the district dispatch queue instead)."""
    if issue.level == Level.TOWNSHIP and cleaned.get("department") is None:
        errors.setdefault("department", []).append(str(_("上报区级需要指定区级部门。")))


def _check_assign(cleaned, issue, errors) -> None:
    if issue.level == Level.DISTRICT and not issue.department_id and not cleaned.get("department"):
        errors.setdefault("department", []).append(str(_("区级办理需要指定区级部门。")))
    elif not cleaned.get("department") and not cleaned.get("handler"):
        errors.setdefault("handler", []).append(str(_("请指定承办人或区级部门。")))


def _check_triage(cleaned, issue, errors) -> None:
    level = cleaned.get("level")
    village = cleaned.get("village") or (issue.household.village if issue.household_id else None)
    if level == Level.VILLAGE and village is None:
        errors.setdefault("village", []).append(str(_("村级办理需要选择村（社区）。")))
    if level == Level.DISTRICT and cleaned.get("department") is None:
        errors.setdefault("department", []).append(str(_("区级办理需要选择区级部门。")))
