"""The audit row every export writes: who, how many rows, and from where — the client IP for a
web or API request, the operating-system account for the command line (no IP there), so that
an export from a shell is as traceable as one from a browser (等保2.0 安全审计)."""

from __future__ import annotations

import getpass
import os

from django.utils.translation import gettext as _

from core.audit import audit_record
from core.models import AuditEntry


def os_user() -> str:
    """The account this process runs as (the effective uid, not a spoofable variable)."""
    try:
        # pwd exists on Unix only: looked up when a trail is written
        import pwd

        return pwd.getpwuid(os.geteuid()).pw_name
    except (ImportError, KeyError):  # no pwd module, or a uid without a passwd entry
        try:
            return getpass.getuser()
        except (KeyError, OSError):
            return f"uid {os.geteuid()}" if hasattr(os, "geteuid") else "unknown"


def export_audit(
    *,
    actor,
    object_type: str,
    summary: str,
    changes: dict,
    request=None,
    township_id: int | None = None,
) -> AuditEntry:
    """Record one export. With a request the row carries the client IP; without one (the
    command line, a task) the summary and `changes` name the operating-system account."""
    changes = dict(changes)
    if request is None:
        account = os_user()
        summary = _("%(summary)s（命令行，系统用户 %(user)s）") % {
            "summary": summary,
            "user": account,
        }
        changes["os_user"] = account
    return audit_record(
        actor=actor,
        action=AuditEntry.Action.EXPORT,
        object_type=object_type,
        summary=summary,
        changes=changes,
        township_id=township_id,
        request=request,
    )
