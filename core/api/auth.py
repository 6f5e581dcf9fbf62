"""API tokens under the controls of a browser login (等保2.0 身份鉴别).

POST /api/v1/auth/token/ exchanges a username, password and (for a user with a confirmed TOTP
device) `otp_token` for a token sent as `Authorization: Token <token>`. It is refused with a
403 and a `code` saying what to do while the web login would keep the user on a security page:
an initial password to change, a second factor to enrol. Success and failure are audited like
web logins (the user_logged_in / user_login_failed signals: same AuditEntry actions, client IP)
and failures count towards the django-axes lockout.

A token lives like a session: it expires after SESSION_COOKIE_AGE seconds unused (30 min) and
SESSION_ABSOLUTE_SECONDS after it was issued (12 h) and is deleted then; it is revoked on
password change, deactivation and logout (core.security.signals, POST /api/v1/auth/logout/).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import logout as django_logout
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import schema_auth  # noqa: F401 - registers the OpenAPI description of the classes
from core.api.authentication import (
    AnonymousThrottleAuthentication,
    token_absolute_limit,
    token_expiry_reason,
    token_touch,
)
from core.api.throttling import AnonThrottle, TokenObtainThrottle
from core.audit import audit_record
from core.models import AuditEntry
from core.security import rules, services

# --- Issuing ------------------------------------------------------------------------------------


class TokenRequestSerializer(AuthTokenSerializer):
    otp_token = serializers.RegexField(
        r"^\d{6}$",
        label=_("动态口令"),
        required=False,
        allow_blank=True,
        write_only=True,
        help_text=_("已启用双因素认证的账号必填：验证器应用中的 6 位数字。"),
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(label=_("令牌"), read_only=True)
    expires_at = serializers.DateTimeField(
        label=_("最迟失效时间"), read_only=True, help_text=_("签发后 12 小时。")
    )
    idle_timeout = serializers.IntegerField(
        label=_("闲置失效秒数"), read_only=True, help_text=_("超过此秒数未使用即失效。")
    )


REFUSALS = {
    "change_password_required": _("须先在网页端修改初始密码，再获取令牌。"),
    "two_factor_enrollment_required": _("您的角色须启用双因素认证：请先在网页端完成绑定。"),
    "otp_required": _("该账号已启用双因素认证：请在 otp_token 中提交验证器应用的 6 位动态口令。"),
    "otp_invalid": _("动态口令不正确或已过期，请重试。"),
}
LOCKED_MESSAGE = _("登录失败次数过多，账号已临时锁定 30 分钟。")


def _refuse(code: str, *, user, request) -> Response:
    audit_record(
        actor=user,
        action=AuditEntry.Action.LOGIN_FAILED,
        obj=user,
        summary=f"API 令牌未签发（{code}）：{user.get_username()}",
        request=request,
    )
    return Response({"detail": str(REFUSALS[code]), "code": code}, status=status.HTTP_403_FORBIDDEN)


def _pending_control(user, otp_token: str) -> str:
    """What the user must do before a token is issued, in the order of the web login
    (core.security.middleware.compute_pending_step): "" when nothing."""
    if rules.has_confirmed_device(user):
        if not otp_token:
            return "otp_required"
        if not services.totp_token_valid(user=user, token=otp_token):
            return "otp_invalid"
        return "change_password_required" if rules.must_change_password(user) else ""
    if rules.must_change_password(user):
        return "change_password_required"
    if rules.second_factor_required(user):
        return "two_factor_enrollment_required"
    return ""


def token_issue(*, user) -> Token:
    """The user's live token, or a new one if it expired (one token per user)."""
    now = timezone.now()
    token = Token.objects.select_related("activity").filter(user=user).first()
    if token is not None and token_expiry_reason(token, now):
        token.delete()
        token = None
    if token is None:
        token = Token.objects.create(user=user)
    token_touch(token, now)
    return token


class ObtainTokenView(ObtainAuthToken):
    """Log in with a username (the cadre's mobile number), password and, if the account uses
    two-factor authentication, `otp_token`; answers the token to send as
    `Authorization: Token <token>`. The same token is returned until it expires or is revoked."""

    # No token or session is read here (an expired token must not stop a new login); the
    # request is still charged to the anonymous throttle.
    authentication_classes = [AnonymousThrottleAuthentication]
    throttle_classes = [AnonThrottle, TokenObtainThrottle]
    # the API's parsers (core.api.parsers: deep or malformed JSON is a 400, not a 500)
    parser_classes = APIView.parser_classes
    serializer_class = TokenRequestSerializer

    @extend_schema(
        operation_id="auth_token_create",
        tags=["auth"],
        summary="获取 API 令牌",
        request=TokenRequestSerializer,
        responses={200: TokenSerializer},
        auth=[],
        examples=[
            OpenApiExample(
                "登录",
                value={"username": "13800000000", "password": "********", "otp_token": "123456"},
                request_only=True,
            ),
            OpenApiExample(
                "令牌",
                value={
                    "token": "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b",
                    "expires_at": "2026-03-02T20:00:00+08:00",
                    "idle_timeout": 1800,
                },
                response_only=True,
                status_codes=["200"],
            ),
        ],
    )
    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        if not serializer.is_valid():
            if getattr(request, "axes_locked_out", False):
                return Response(
                    {"detail": str(LOCKED_MESSAGE), "code": "account_locked"},
                    status=status.HTTP_429_TOO_MANY_REQUESTS,
                )
            raise exceptions.ValidationError(serializer.errors)
        user = serializer.validated_data["user"]
        otp_token = serializer.validated_data.get("otp_token") or ""
        refusal = _pending_control(user, otp_token)
        if refusal == "otp_invalid":
            # a wrong second factor is a failed login: audited and counted by django-axes
            user_login_failed.send(
                sender=__name__,
                credentials={"username": user.get_username()},
                request=request,
            )
            return Response(
                {"detail": str(REFUSALS[refusal]), "code": refusal},
                status=status.HTTP_403_FORBIDDEN,
            )
        if refusal:
            return _refuse(refusal, user=user, request=request)
        token = token_issue(user=user)
        user_logged_in.send(sender=user.__class__, request=request, user=user, via="api_token")
        return Response(
            {
                "token": token.key,
                "expires_at": timezone.localtime(token.created + token_absolute_limit()),
                "idle_timeout": settings.SESSION_COOKIE_AGE,
            }
        )


obtain_token = ObtainTokenView.as_view()


class LogoutView(APIView):
    """Ends the caller's login: the API token is deleted (and a browser session, if that is
    how the request came, is ended too)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="auth_logout_create",
        tags=["auth"],
        summary="退出登录（删除 API 令牌）",
        request=None,
        responses={
            200: inline_serializer(
                "LogoutResponse", {"detail": serializers.CharField(label=_("结果"))}
            )
        },
        examples=[
            OpenApiExample(
                "已退出",
                value={"detail": "已退出登录，令牌已删除。"},
                response_only=True,
                status_codes=["200"],
            ),
        ],
    )
    def post(self, request, *args, **kwargs):
        user = request.user
        if isinstance(request.auth, Token):
            # core.security.signals.on_logout audits and deletes the user's token
            user_logged_out.send(sender=user.__class__, request=request, user=user)
        else:
            django_logout(request._request)
        return Response({"detail": str(_("已退出登录，令牌已删除。"))})


logout = LogoutView.as_view()
