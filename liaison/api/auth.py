"""POST /api/v1/auth/token/: exchange a username and password for an API token (DRF authtoken).
Password guesses are throttled per address and counted by django-axes like the login page."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken

from .throttling import AnonThrottle, TokenObtainThrottle


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(label="令牌", read_only=True)


class ObtainTokenView(ObtainAuthToken):
    """Log in with a username (the cadre's mobile number) and password; answers the token to
    send as `Authorization: Token <token>`. The same token is returned until it is revoked."""

    throttle_classes = [AnonThrottle, TokenObtainThrottle]
    # JSON and form posts only (ObtainAuthToken also accepts multipart).
    parser_classes = ObtainAuthToken.parser_classes

    @extend_schema(
        operation_id="auth_token_create",
        tags=["auth"],
        summary="获取 API 令牌",
        request=AuthTokenSerializer,
        responses={200: TokenSerializer},
        auth=[],
        examples=[
            OpenApiExample(
                "登录",
                value={"username": "13800000000", "password": "********"},
                request_only=True,
            ),
            OpenApiExample(
                "令牌",
                value={"token": "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"},
                response_only=True,
                status_codes=["200"],
            ),
        ],
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


obtain_token = ObtainTokenView.as_view()
