"""Login, logout and failed-login events go to the audit trail (等保2.0 安全审计); API tokens
are revoked on logout, password change and deactivation."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save
from django.dispatch import receiver

from core.audit import audit_record
from core.middleware import SESSION_STARTED_KEY
from core.models import ApiTokenActivity, AuditEntry
from core.security.middleware import refresh_pending_step
from core.security.services import api_tokens_revoke


@receiver(user_logged_in, dispatch_uid="lianxin-audit-login")
def on_login(sender, request, user, **kwargs) -> None:
    via_api = kwargs.get("via") == "api_token"
    if request is not None and hasattr(request, "session") and not via_api:
        # The absolute 12-hour limit counts from this login, not from an earlier session.
        request.session[SESSION_STARTED_KEY] = int(time.time())
        refresh_pending_step(request, user)
    audit_record(
        actor=user,
        action=AuditEntry.Action.LOGIN,
        obj=user,
        summary=f"登录成功{'（API 令牌）' if via_api else ''}：{user.get_username()}",
        township_id=getattr(getattr(user, "cadre", None), "township_id", None),
        request=request,
    )


@receiver(user_logged_out, dispatch_uid="lianxin-audit-logout")
def on_logout(sender, request, user, **kwargs) -> None:
    if user is None:
        return
    audit_record(
        actor=user,
        action=AuditEntry.Action.LOGOUT,
        obj=user,
        summary=f"退出登录：{user.get_username()}",
        request=request,
    )
    api_tokens_revoke(user=user, reason="退出登录", request=request)


@receiver(user_login_failed, dispatch_uid="lianxin-audit-login-failed")
def on_login_failed(sender, credentials, request=None, **kwargs) -> None:
    username = str((credentials or {}).get("username", ""))[:150]
    audit_record(
        actor=None,
        action=AuditEntry.Action.LOGIN_FAILED,
        object_type="auth.user",
        object_id=username[:64],
        summary=f"登录失败：{username}",
        request=request,
    )


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="lianxin-revoke-tokens")
def on_user_saved(sender, instance, created, **kwargs) -> None:
    """Every path that changes a password ends in set_password() + save() (the password page,
    the admin, a management command): AbstractBaseUser keeps the new raw password in
    `_password` until just after this signal. A deactivated account keeps no token either."""
    if created:
        return

    if getattr(instance, "_password", None) is not None:
        api_tokens_revoke(user=instance, reason="修改密码")
    elif not instance.is_active:
        api_tokens_revoke(user=instance, reason="账号停用")


@receiver(post_save, sender="authtoken.Token", dispatch_uid="lianxin-token-activity")
def on_token_created(sender, instance, created, **kwargs) -> None:
    """Every token has its activity row from the start (one UPDATE per request, no INSERT)."""
    if created:
        ApiTokenActivity.objects.get_or_create(
            token=instance, defaults={"last_used_at": instance.created}
        )
