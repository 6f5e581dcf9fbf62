"""Login, logout and failed-login events go to the audit trail (等保2.0 安全审计)."""

from __future__ import annotations

import time

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from liaison.middleware import SESSION_STARTED_KEY


@receiver(user_logged_in, dispatch_uid="lianxin-audit-login")
def on_login(sender, request, user, **kwargs) -> None:
    from liaison.audit import audit_record
    from liaison.models import AuditEntry

    if request is not None and hasattr(request, "session"):
        from .middleware import refresh_pending_step

        # The absolute 12-hour limit counts from this login, not from an earlier session.
        request.session[SESSION_STARTED_KEY] = int(time.time())
        refresh_pending_step(request, user)
    audit_record(
        actor=user,
        action=AuditEntry.Action.LOGIN,
        obj=user,
        summary=f"登录成功：{user.get_username()}",
        township_id=getattr(getattr(user, "cadre", None), "township_id", None),
        request=request,
    )


@receiver(user_logged_out, dispatch_uid="lianxin-audit-logout")
def on_logout(sender, request, user, **kwargs) -> None:
    from liaison.audit import audit_record
    from liaison.models import AuditEntry

    if user is None:
        return
    audit_record(
        actor=user,
        action=AuditEntry.Action.LOGOUT,
        obj=user,
        summary=f"退出登录：{user.get_username()}",
        request=request,
    )


@receiver(user_login_failed, dispatch_uid="lianxin-audit-login-failed")
def on_login_failed(sender, credentials, request=None, **kwargs) -> None:
    from liaison.audit import audit_record
    from liaison.models import AuditEntry

    username = str((credentials or {}).get("username", ""))[:150]
    audit_record(
        actor=None,
        action=AuditEntry.Action.LOGIN_FAILED,
        object_type="auth.user",
        object_id=username[:64],
        summary=f"登录失败：{username}",
        request=request,
    )
