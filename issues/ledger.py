"""The issue ledger (诉求台账) as .xlsx: one row per issue, formula-safe (core.xlsx)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.security.export_trail import export_audit
from core.xlsx import write_workbook
from issues.access import issues_visible_to
from liaison.access import township_id_of

from .models import Issue

HEADERS = [
    "编号", "登记时间", "来源", "紧急程度", "村（社区）", "户编号", "反映人", "诉求内容", "地点",
    "专门委员会", "办理层级", "区级部门", "状态", "首次联系时限", "首次联系时间", "办结时限",
    "是否超期", "办理结果", "解释说明", "办结时间", "回复方式", "回复内容", "回复时间",
    "满意度", "回访意见", "回访时间", "重新办理次数", "上报次数", "重复诉求", "归档时间",
]  # fmt: skip


def _dt(value):
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def ledger_rows(qs):
    for i in qs.iterator(chunk_size=2000):
        yield [
            i.pk, _dt(i.reported_at), i.get_source_display(), i.get_urgency_display(),
            i.village.name if i.village else "", i.household.code if i.household else "",
            i.reporter_name, i.description, i.location,
            i.committee.name if i.committee else "", i.get_level_display(),
            i.department.name if i.department else "", i.get_status_display(),
            _dt(i.contact_due_at), _dt(i.first_contact_at), _dt(i.due_at),
            "是" if i.is_overdue else "否", i.result, i.explanation, _dt(i.closed_at),
            i.get_reply_channel_display(), i.reply_text, _dt(i.replied_at),
            i.get_satisfaction_display(), i.satisfaction_comment, _dt(i.rated_at),
            i.reopen_count, i.escalation_count, "是" if i.is_repeat else "否", _dt(i.archived_at),
        ]  # fmt: skip


def export_issues(*, user=None, target, request=None) -> int:
    """Write the ledger of the issues `user` may read (all issues when user is None, for the
    command line) to `target` (a path or a binary file); returns the number of rows. Audited
    like every export: `request` gives the row its client IP (none: the OS user is recorded)."""
    qs = Issue.objects.all() if user is None else issues_visible_to(user)
    qs = qs.select_related("village", "household", "committee", "department").order_by(
        "reported_at", "id"
    )
    with transaction.atomic():
        count = write_workbook(target, [("诉求台账", HEADERS, ledger_rows(qs))])
        export_audit(
            actor=user,
            object_type="issues.issue",
            summary=_("导出诉求台账 %(n)d 行") % {"n": count},
            changes={"rows": count},
            township_id=township_id_of(user) if user is not None else None,
            request=request,
        )
    return count
