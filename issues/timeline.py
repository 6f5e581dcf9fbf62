"""The detail page's timeline: events grouped into the loop's four steps
(了解需求 → 工作过程 → 工作结果 → 满意程度)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

EVENT_LABELS = {
    "report": _("登记诉求"),
    "triage": _("分派"),
    "merge": _("合并为重复诉求"),
    "merged_in": _("合并重复诉求"),
    "start": _("开始办理"),
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
        {"start", "acknowledge", "progress", "escalate", "overdue", "ack_overdue", "reopen"},
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
            {"event": e, "label": EVENT_LABELS.get(e.action, e.action)}
            for e in events
            if e.action in actions
        ]
        steps.append({"code": code, "label": label, "rows": rows, "done": bool(rows)})
    return steps
