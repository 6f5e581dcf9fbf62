"""The visit ledger (走访台账) as .xlsx: one row per visit, in the reader's scope, audited."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from core.security.export_trail import export_audit
from core.xlsx import write_workbook
from liaison.access import township_id_of
from visits.access import visits_visible_to
from visits.models import Visit

HEADERS = [
    "走访日期", "村（社区）", "户编号", "户主姓名", "详细地址", "走访干部", "工作组",
    "走访方式", "接待人", "走访情况", "情况标签", "后续跟进", "更正说明", "记录时间",
]  # fmt: skip


def export_visits(*, user=None, target, queryset=None, request=None) -> int:
    """Write the 走访 sheet; returns the row count. `user=None` is the shell (everything);
    `request` gives the audit row its client IP (none: the command line, audited by OS user)."""
    visits = (
        queryset
        if queryset is not None
        else (Visit.objects.all() if user is None else visits_visible_to(user))
    )
    visits = (
        visits.select_related("household", "household__village", "cadre", "cadre__workgroup")
        .prefetch_related("corrections")
        .order_by("-visited_on", "household__code", "id")
    )
    kinds = dict(Visit.Kind.choices)

    def rows():
        for v in visits.iterator(chunk_size=2000):
            yield [
                v.visited_on,
                v.household.village.name if v.household.village else "",
                v.household.code,
                v.household.head_name,
                v.household.address,
                v.cadre.name,
                v.cadre.workgroup.name if v.cadre.workgroup else "",
                str(kinds.get(v.kind, v.kind)),
                v.met_with,
                v.notes,
                "、".join(v.tag_labels),
                v.follow_up,
                "；".join(c.text for c in v.corrections.all()),
                v.created_at.astimezone().replace(tzinfo=None),
            ]

    with transaction.atomic():
        count = write_workbook(target, [("走访", HEADERS, rows())])
        export_audit(
            actor=user,
            object_type="visits.visit",
            summary=_("导出走访台账 %(n)d 行") % {"n": count},
            changes={"rows": count},
            township_id=township_id_of(user) if user is not None else None,
            request=request,
        )
    return count
