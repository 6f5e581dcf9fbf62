"""The GeoReport v2 endpoints (https://wiki.open311.org/GeoReport_v2), under /open311/v2/.

Doors only: a client is found by its api_key (services.client_authenticate), requests are filed
by services.service_request_create and read through selectors, which decide what a response may
hold. Reading service requests needs the key too (a deviation from the spec, which leaves them
public): residents' demands are not open data, and a client sees only the requests it filed."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import (
    AuthenticationFailed,
    NotFound,
    PermissionDenied,
    Throttled,
    ValidationError,
)
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from core.api.parsers import JSONParser
from core.audit import client_ip
from liaison.models import Township

from . import selectors
from .models import ApiClient
from .renderers import Open311JSONRenderer, Open311XMLRenderer, open311_exception_handler
from .services import client_authenticate, is_code, service_request_create


class Open311Throttle(SimpleRateThrottle):
    """OPEN311_THROTTLE_RATE per client, or per address for calls without a (valid) key."""

    scope = "open311"

    def get_rate(self):
        return settings.OPEN311_THROTTLE_RATE

    by_address = False  # set while authenticating: request.auth is not known yet

    def get_cache_key(self, request, view):
        client = None if self.by_address else getattr(request, "auth", None)
        ident = f"c{client.pk}" if isinstance(client, ApiClient) else f"ip{client_ip(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


class ApiKeyAuthentication(BaseAuthentication):
    """`api_key` in the query string or the form body. A wrong key is a 403 and counts against
    the address's rate, so keys cannot be tried without limit."""

    def authenticate(self, request):
        key = request.query_params.get("api_key")
        if key is None and request.method == "POST" and hasattr(request.data, "get"):
            key = request.data.get("api_key")
        if key is not None and not isinstance(key, str):
            raise AuthenticationFailed(_("api_key 无效。"))
        if not key:
            return None
        client = client_authenticate(key)
        if client is None:
            throttle = Open311Throttle()
            throttle.by_address = True
            if not throttle.allow_request(request, None):
                raise Throttled(throttle.wait())
            raise AuthenticationFailed(_("api_key 无效。"))
        return (AnonymousUser(), client)


class HasApiKey(BasePermission):
    message = _("缺少 api_key。")

    def has_permission(self, request, view):
        return isinstance(request.auth, ApiClient)


class Open311View(APIView):
    authentication_classes = [ApiKeyAuthentication]
    permission_classes: list = []
    throttle_classes = [Open311Throttle]
    renderer_classes = [Open311JSONRenderer, Open311XMLRenderer]
    parser_classes = [FormParser, MultiPartParser, JSONParser]
    xml_root = "response"

    def get_exception_handler(self):
        return open311_exception_handler

    def permission_denied(self, request, message=None, code=None):
        # DRF would answer "not authenticated" (401-style); the spec's answer is a 403
        raise PermissionDenied(message or HasApiKey.message)


def _township_id(request) -> int:
    """The jurisdiction: the client's township, else `jurisdiction_id` (a township's code),
    else the only township there is."""
    if isinstance(request.auth, ApiClient):
        return request.auth.township_id
    code = request.query_params.get("jurisdiction_id")
    if code and not is_code(code):
        raise ValidationError({"jurisdiction_id": [_("请提供有效的 jurisdiction_id。")]})
    townships = Township.objects.filter(code=code) if code else Township.objects.all()
    ids = list(townships.values_list("pk", flat=True)[:2])
    if len(ids) != 1:
        raise ValidationError({"jurisdiction_id": [_("请提供有效的 jurisdiction_id。")]})
    return ids[0]


class DiscoveryView(Open311View):
    xml_root = "discovery"

    def get(self, request, format=None):
        base = request.build_absolute_uri("/open311/v2/")
        return Response(
            {
                "changeset": "2026-11-30T00:00:00+08:00",
                "contact": _("请联系乡镇系统管理员获取 api_key。"),
                "key_service": _("由区级系统管理员在后台“Open311 接入方”中生成。"),
                "endpoints": [
                    {
                        "specification": "http://wiki.open311.org/GeoReport_v2",
                        "url": base,
                        "changeset": "2026-11-30T00:00:00+08:00",
                        "type": "production",
                        "formats": ["application/json", "text/xml"],
                    }
                ],
            }
        )


class ServiceListView(Open311View):
    xml_root = "services"

    def get(self, request, format=None):
        return Response(selectors.service_rows(_township_id(request)))


def _when(request, name: str):
    raw = request.query_params.get(name)
    if not raw:
        return None
    value = parse_datetime(raw.replace(" ", "+")) if len(raw) <= 40 else None
    if value is None:
        raise ValidationError(
            {name: [_("日期时间格式无效（W3C，例如 2026-11-01T00:00:00+08:00）。")]}
        )
    return value if timezone.is_aware(value) else timezone.make_aware(value)


def _ids(request) -> list[int]:
    raw = request.query_params.get("service_request_id") or ""
    parts = [p.strip() for p in raw.split(",") if p.strip()][: selectors.MAX_REQUESTS]
    if not all(p.isascii() and p.isdigit() and len(p) < 19 for p in parts):
        raise ValidationError({"service_request_id": [_("编号无效。")]})
    return [int(p) for p in parts]


class RequestListView(Open311View):
    xml_root = "service_requests"
    permission_classes = [HasApiKey]

    def get(self, request, format=None):
        state = request.query_params.get("status") or None
        if state not in (None, "open", "closed"):
            raise ValidationError({"status": [_("status 只能是 open 或 closed。")]})
        codes = [c for c in (request.query_params.get("service_code") or "").split(",") if c]
        if not all(is_code(c) for c in codes):
            raise ValidationError({"service_code": [_("service_code 无效。")]})
        found = selectors.requests_of(
            request.auth,
            ids=_ids(request),
            service_codes=codes,
            start=_when(request, "start_date"),
            end=_when(request, "end_date"),
            status=state,
        )
        return Response(selectors.request_rows(request.auth, found))

    def post(self, request, format=None):
        created = service_request_create(client=request.auth, data=request.data, request=request)
        notice = _("已受理，将由乡镇专门委员会分派办理。")
        return Response(
            [
                {
                    "service_request_id": str(created.issue_id),
                    "service_notice": notice,
                    "account_id": None,
                }
            ],
            status=status.HTTP_201_CREATED,
        )


class RequestDetailView(Open311View):
    xml_root = "service_requests"
    permission_classes = [HasApiKey]

    def get(self, request, pk: str, format=None):
        found = selectors.request_of(request.auth, int(pk)) if len(pk) < 19 else None
        if found is None:
            raise NotFound(_("没有这个服务请求。"))
        return Response(selectors.request_rows(request.auth, [found]))
