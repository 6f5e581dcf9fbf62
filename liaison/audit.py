"""Writing the audit trail. Call inside the same transaction as the change it records."""

from __future__ import annotations

from django.db import models

from .models import AuditEntry


def client_ip(request) -> str | None:
    if request is None:
        return None
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    return forwarded.split(",")[0].strip() or request.META.get("REMOTE_ADDR") or None


def audit_record(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    summary: str = "",
    changes: dict | None = None,
    township_id: int | None = None,
    request=None,
) -> AuditEntry:
    """Append one audit row: who did what to which record, from which IP."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        township_id = township_id or getattr(obj, "township_id", None)
    return AuditEntry.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        object_type=object_type,
        object_id=object_id,
        summary=summary[:255],
        changes=changes or {},
        township_id=township_id,
        ip_address=client_ip(request),
    )
