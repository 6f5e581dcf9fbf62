"""A project's accountability record as .xlsx (core.xlsx, formula-safe), audited as an export:
the timeline, the milestones and the linked issues by number, village and state — no resident's
name, phone or words."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.security.export_trail import export_audit
from core.xlsx import write_workbook

from .models import Project
from .selectors import project_links, project_timeline

TIMELINE = ["时间", "类型", "内容", "承诺日期", "操作人"]
MILESTONES = ["节点", "承诺日期", "完成时间", "完成人"]
ISSUES = ["诉求编号", "村（社区）", "状态", "登记时间", "项目答复时间", "说明"]


def _dt(value):
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _who(user) -> str:
    return (user.get_full_name() or user.username) if user else ""


def project_export(*, actor, project: Project, target, request=None) -> int:
    timeline = [
        [_dt(e.at), e.get_kind_display(), e.text, e.due_date or "", _who(e.actor)]
        for e in project_timeline(project)
    ]
    milestones = [
        [m.title, m.due_date, _dt(m.done_at), _who(m.done_by)]
        for m in project.milestones.select_related("done_by")
    ]
    issues = [
        [link.issue_id, link.issue.village.name if link.issue.village else "",
         link.issue.get_status_display(), _dt(link.issue.reported_at), _dt(link.answered_at),
         link.answer_note]
        for link in project_links(project)
    ]  # fmt: skip
    with transaction.atomic():
        count = write_workbook(
            target,
            [("问责时间线", TIMELINE, timeline), ("节点", MILESTONES, milestones),
             ("关联诉求", ISSUES, issues)],
        )  # fmt: skip
        export_audit(
            actor=actor,
            object_type="projects.project",
            summary=_("导出每月一题 %(t)s（%(n)d 行）") % {"t": project.title[:60], "n": count},
            changes={"project": project.pk, "rows": count},
            township_id=project.township_id,
            request=request,
        )
    return count
