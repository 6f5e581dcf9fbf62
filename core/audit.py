"""Writing the audit trail. Call inside the same transaction as the change it records."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.db import models

from core.models import AuditEntry


def _valid_ip(value: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address((value or "").strip()))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    """The client's address: the one place that reads it (audit, django-axes, the DRF
    throttles, the self-report limits).

    X-Forwarded-For is anyone's to write, so it counts only behind TRUSTED_PROXY_COUNT proxies
    (default 0: REMOTE_ADDR alone). Each trusted proxy appends the address it saw, so with N of
    them the client is the N-th entry from the right; anything further left may be forged."""
    if request is None:
        return None
    remote = _valid_ip(request.META.get("REMOTE_ADDR"))
    proxies = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0)
    if proxies <= 0:
        return remote
    forwarded = [a for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
    if not forwarded:
        return remote
    # Fewer entries than proxies: the request skipped a proxy; the leftmost is still written
    # by one of ours.
    return _valid_ip(forwarded[-min(proxies, len(forwarded))]) or remote


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
        summary=_storable(summary[:255]),
        changes=_storable(changes or {}),
        township_id=township_id,
        ip_address=client_ip(request),
    )


def _storable(value):
    """`value` with every NUL character dropped from its strings, keys included: PostgreSQL
    refuses NUL in text and JSON, and an audit row records raw input too (an export's query
    string), which must never turn the audited action into a server error."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {_storable(k): _storable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_storable(v) for v in value]
    return value
