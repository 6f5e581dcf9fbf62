"""Authentication classes of the API (DEFAULT_AUTHENTICATION_CLASSES). Kept apart from the
token views: DRF imports this module while rest_framework.views is still loading.

A token lives like a session: it expires after SESSION_COOKIE_AGE seconds unused (30 min) and
SESSION_ABSOLUTE_SECONDS after it was issued (12 h), and is deleted then."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, TokenAuthentication
from rest_framework.authtoken.models import Token

from core.api.throttling import charge_anonymous
from core.models import ApiTokenActivity

# --- Lifetime -----------------------------------------------------------------------------------


def token_idle_limit() -> timedelta:
    return timedelta(seconds=settings.SESSION_COOKIE_AGE)


def token_absolute_limit() -> timedelta:
    return timedelta(seconds=settings.SESSION_ABSOLUTE_SECONDS)


def token_expiry_reason(token: Token, now) -> str:
    """ "" while the token is alive; otherwise why it is not (a machine code)."""
    if now - token.created > token_absolute_limit():
        return "token_expired"
    try:
        last_used = token.activity.last_used_at
    except ApiTokenActivity.DoesNotExist:
        last_used = token.created
    if now - last_used > token_idle_limit():
        return "token_idle_expired"
    return ""


def token_touch(token: Token, now) -> None:
    """One UPDATE per authenticated request (like SESSION_SAVE_EVERY_REQUEST for sessions)."""
    if not ApiTokenActivity.objects.filter(token_id=token.pk).update(last_used_at=now):
        ApiTokenActivity.objects.create(token=token, last_used_at=now)


EXPIRED_MESSAGES = {
    "token_expired": _("令牌已超过 12 小时有效期，请重新登录获取令牌。"),
    "token_idle_expired": _("令牌超过 30 分钟未使用已失效，请重新登录获取令牌。"),
}


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's token authentication with the session limits; a request with a wrong or expired
    token counts against the anonymous throttle of its address before the 401."""

    def authenticate(self, request):
        try:
            return super().authenticate(request)
        except exceptions.AuthenticationFailed:
            charge_anonymous(request)  # a 429 instead once the address has spent its rate
            raise

    def authenticate_credentials(self, key):
        try:
            token = Token.objects.select_related("user", "activity").get(key=key)
        except Token.DoesNotExist:
            raise exceptions.AuthenticationFailed(
                {"detail": _("令牌无效，请重新登录获取令牌。"), "code": "token_invalid"}
            ) from None
        if not token.user.is_active:
            token.delete()
            raise exceptions.AuthenticationFailed(
                {"detail": _("账号已停用。"), "code": "user_inactive"}
            )
        now = timezone.now()
        reason = token_expiry_reason(token, now)
        if reason:
            token.delete()
            raise exceptions.AuthenticationFailed(
                {"detail": EXPIRED_MESSAGES[reason], "code": reason}
            )
        token_touch(token, now)
        return (token.user, token)


class AnonymousThrottleAuthentication(BaseAuthentication):
    """Last of the authentication classes: reached only when no other one found a user, it
    charges the request to the anonymous throttle. DRF checks permissions before throttles, so
    without it an anonymous request is answered 401 and never counted."""

    def authenticate(self, request):
        charge_anonymous(request)
        return None
