"""Account security writes. Each one records its audit row in the same transaction."""

from __future__ import annotations

from io import BytesIO

import qrcode
import qrcode.image.svg
from django.db import transaction
from django.utils import timezone
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from core.audit import audit_record
from core.models import AccountSecurity, AuditEntry, SecurityPolicy
from core.security.middleware import refresh_pending_step


def account_require_password_change(*, user, actor, request=None) -> AccountSecurity:
    """Mark a password set by someone else (an initial or reset password) as to be changed."""
    with transaction.atomic():
        state, _ = AccountSecurity.objects.get_or_create(user=user)
        state.must_change_password = True
        state.save(update_fields=["must_change_password"])
        audit_record(
            actor=actor,
            action=AuditEntry.Action.SECURITY,
            obj=user,
            summary=f"设置初始密码，须在首次登录时修改：{user.get_username()}",
            request=request,
        )
    return state


def account_password_changed(*, user, request) -> None:
    """The user chose a new password: clear the first-login flag."""
    with transaction.atomic():
        state, _ = AccountSecurity.objects.get_or_create(user=user)
        state.must_change_password = False
        state.password_changed_at = timezone.now()
        state.save(update_fields=["must_change_password", "password_changed_at"])
        audit_record(
            actor=user,
            action=AuditEntry.Action.SECURITY,
            obj=user,
            summary=f"修改密码：{user.get_username()}",
            request=request,
        )
    user.__dict__.pop("account_security", None)
    refresh_pending_step(request, user)


def totp_device_for_enrolment(*, user) -> TOTPDevice:
    """The user's unconfirmed device (created once), whose key the enrol page shows."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name="连心", confirmed=False)


def totp_qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// URL as an inline SVG QR code (no image request, nothing sent outside)."""
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    out = BytesIO()
    image.save(out)
    svg = out.getvalue().decode()
    return svg[svg.index("<svg") :]  # drop the XML declaration


def totp_device_confirm(*, device: TOTPDevice, token: str, request) -> bool:
    if not device.verify_token(token):
        return False
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        audit_record(
            actor=device.user,
            action=AuditEntry.Action.SECURITY,
            obj=device.user,
            summary=f"启用双因素认证：{device.user.get_username()}",
            request=request,
        )
    otp_login(request, device)
    refresh_pending_step(request, request.user)
    return True


def totp_verify(*, user, token: str, request) -> bool:
    """Check a code against the user's confirmed devices; on success the session is verified."""
    for device in TOTPDevice.objects.filter(user=user, confirmed=True):
        if device.verify_token(token):
            otp_login(request, device)
            refresh_pending_step(request, request.user)
            return True
    audit_record(
        actor=user,
        action=AuditEntry.Action.LOGIN_FAILED,
        obj=user,
        summary=f"动态口令错误：{user.get_username()}",
        request=request,
    )
    return False


def totp_token_valid(*, user, token: str) -> bool:
    """Check a code against the user's confirmed devices without a session (the API token
    request). django-otp's own throttle of repeated failures applies."""
    return any(
        device.verify_token(token)
        for device in TOTPDevice.objects.filter(user=user, confirmed=True)
    )


def api_tokens_revoke(*, user, reason: str, request=None) -> int:
    """Delete the user's API tokens (password change, deactivation, logout); audited when
    there was one. Returns how many were deleted."""

    with transaction.atomic():
        deleted = Token.objects.filter(user=user).delete()[1].get(Token._meta.label, 0)
        if deleted:
            audit_record(
                actor=user,
                action=AuditEntry.Action.SECURITY,
                obj=user,
                summary=f"撤销 API 令牌（{reason}）：{user.get_username()}",
                request=request,
            )
    return deleted


def security_policy_update(*, policy: SecurityPolicy, actor, request=None) -> SecurityPolicy:
    with transaction.atomic():
        policy.save()
        audit_record(
            actor=actor,
            action=AuditEntry.Action.SECURITY,
            object_type="core.securitypolicy",
            object_id="1",
            summary="修改安全策略",
            changes={
                "require_2fa_for_admins": policy.require_2fa_for_admins,
                "require_2fa_for_leaders": policy.require_2fa_for_leaders,
            },
            request=request,
        )
    return policy
