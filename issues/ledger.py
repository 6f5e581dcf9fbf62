"""The issue ledger (诉求台账) as .xlsx: one row per issue, formula-safe (core.xlsx).

The rows are chosen by the issue list's own filters (issues.forms.IssueFilterForm) inside the
reader's scope (issues.access), the same for the page (issues.ledger_views) and the command
(manage.py export_ledger issues --user ... --filter ...); each export is audited with its filter
and row count."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.ledger_pages import filters_used
from core.security.export_trail import export_audit
from core.xlsx import write_workbook
from issues.access import issues_visible_to, may_export_issues
from liaison.access import township_id_of

from .forms import IssueFilterForm
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


def may_export_ledger(user) -> bool:
    """Who may export this ledger, on every door (the page, the command's --user)."""
    return may_export_issues(user)


def ledger_form(user, filters: dict | None) -> IssueFilterForm:
    """The filter form bound to `filters` (raw values, as a query string gives them); its
    choices come from the reader's township (every township for the shell)."""
    return IssueFilterForm(
        dict(filters or {}), township_id=township_id_of(user) if user is not None else None
    )


def ledger_queryset(user, filters: dict | None = None):
    """(issues, form): the issues `user` may read (all for None) that match `filters`, in
    ledger order. ValidationError with the form's messages when a filter is invalid."""
    form = ledger_form(user, filters)
    if not form.is_valid():
        raise ValidationError(
            [f"{form.fields[name].label if name in form.fields else name}: {message}"
             for name, messages in form.errors.items() for message in messages]
        )  # fmt: skip
    qs = Issue.objects.all() if user is None else issues_visible_to(user)
    qs = form.apply(qs).select_related("village", "household", "committee", "department")
    return qs.order_by("reported_at", "id"), form


def export_issues(
    *,
    user=None,
    target,
    request=None,
    filters: dict | None = None,
    progress: Callable[[int], object] | None = None,
) -> int:
    """Write the ledger of the issues `user` may read (all issues when user is None, for the
    command line) that match `filters` to `target` (a path or a binary file); returns the number
    of rows. Audited like every export, with the filter: `request` gives the row its client IP
    (none: the OS user is recorded). Merged duplicates are left out unless the status asks."""
    qs, form = ledger_queryset(user, filters)
    with transaction.atomic():
        count = write_workbook(target, [("诉求台账", HEADERS, ledger_rows(qs))], progress=progress)
        export_audit(
            actor=user,
            object_type="issues.issue",
            summary=_("导出诉求台账 %(n)d 行") % {"n": count},
            changes={"rows": count, "filters": filters_used(form)},
            township_id=township_id_of(user) if user is not None else None,
            request=request,
        )
    return count
