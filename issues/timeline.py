"""The detail page's timeline: events grouped into the loop's four steps
(了解需求 → 工作过程 → 工作结果 → 满意程度)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from .models import Satisfaction
from .transitions import ContactChannel

EVENT_LABELS = {
    "report": _("登记诉求"),
    "triage": _("分派"),
    "merge": _("合并为重复诉求"),
    "merged_in": _("合并重复诉求"),
    "start": _("开始办理"),
    "contact": _("联系群众"),
    "acknowledge": _("区级部门报到"),
    "progress": _("办理进展"),
    "escalate": _("上报上级"),
    "overdue": _("超期提醒"),
    "ack_overdue": _("部门未按时报到"),
    "reopen": _("重新办理"),
    "resolve": _("办结"),
    "explain": _("解释说明"),
    "reply": _("答复群众"),
    "rate": _("满意度回访"),
    "archive": _("归档"),
}
STEPS = [
    ("need", _("了解需求"), {"report", "triage", "merge", "merged_in"}),
    (
        "process",
        _("工作过程"),
        {
            "start",
            "contact",
            "acknowledge",
            "progress",
            "escalate",
            "overdue",
            "ack_overdue",
            "reopen",
        },
    ),
    ("result", _("工作结果"), {"resolve", "explain"}),
    ("satisfaction", _("满意程度"), {"reply", "rate", "archive"}),
]


def timeline_steps(issue) -> list[dict]:
    events = list(
        issue.events.select_related("actor__cadre")
        .prefetch_related("attachments")
        .order_by("at", "id")
    )
    steps = []
    for code, label, actions in STEPS:
        rows = [
            {"event": e, "label": _label(e), "satisfaction": _rating(e)}
            for e in events
            if e.action in actions
        ]
        steps.append({"code": code, "label": label, "rows": rows, "done": bool(rows)})
    return steps


def _rating(event) -> str:
    """满意 / 基本满意 / 不满意 for a rating (by a cadre's callback or the resident)."""
    value = event.payload.get("satisfaction", "") if event.action == "rate" else ""
    return str(Satisfaction(value).label) if value in Satisfaction.values else ""


def _label(event) -> str:
    """The event's name; a contact says how and when (it may be recorded after the fact)."""
    label = EVENT_LABELS.get(event.action, event.action)
    if event.action != "contact":
        return label
    channel = event.payload.get("contact_channel", "")
    how = ContactChannel(channel).label if channel in ContactChannel.values else channel
    when = parse_datetime(event.payload.get("contacted_at") or "")
    if when is None:
        return f"{label}（{how}）"
    return f"{label}（{how}，{timezone.localtime(when):%m-%d %H:%M}）"
