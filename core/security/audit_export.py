"""Exporting the audit trail (admins search it in the admin, then export what they found)."""

from __future__ import annotations

from io import BytesIO

from django.db import transaction
from django.utils import timezone

from core.security.export_trail import export_audit
from core.xlsx import write_workbook

HEADERS = ["时间", "操作人", "操作", "对象类型", "对象编号", "摘要", "IP 地址", "变更内容"]


def audit_entries_export(*, queryset, actor, request=None) -> bytes:
    """The entries as an .xlsx workbook; the export itself is audited (same transaction)."""
    queryset = queryset.select_related("actor").order_by("-at", "-id")
    rows = (
        [
            timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M:%S"),
            e.actor.get_username() if e.actor else "",
            e.get_action_display(),
            e.object_type,
            e.object_id,
            e.summary,
            e.ip_address or "",
            str(e.changes) if e.changes else "",
        ]
        for e in queryset.iterator(chunk_size=2000)
    )
    out = BytesIO()
    with transaction.atomic():
        count = write_workbook(out, [("审计日志", HEADERS, rows)])
        export_audit(
            actor=actor,
            object_type="core.auditentry",
            summary=f"导出审计日志 {count} 条",
            changes={"rows": count},
            request=request,
        )
    return out.getvalue()
