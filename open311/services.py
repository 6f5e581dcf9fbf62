"""Open311 writes: client keys and the intake of a service request. A request becomes an Issue
through issues.services.issue_report (the same intake as every other door), in `reported`, for
the township's committees to triage; the audit row is written in the same transaction."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from committees.models import Committee
from core.audit import audit_record
from core.models import AuditEntry
from issues.models import Source
from issues.services import issue_report

from .models import ApiClient, ServiceRequest

CHANNEL_SOURCE = {ApiClient.Channel.HOTLINE: Source.HOTLINE, ApiClient.Channel.API: Source.API}
MAX_DESCRIPTION = 4000
CODE = re.compile(r"[a-z0-9_-]{1,32}")  # committee codes and township codes are slugs
TEXT_FIELDS = (
    "service_code",
    "jurisdiction_id",
    "address_string",
    "address_id",
    "description",
    "first_name",
    "last_name",
    "phone",
)


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def client_key_issue(*, client: ApiClient, actor, request=None) -> str:
    """A new key for the client (the old one stops working); returned once, stored hashed."""
    key = secrets.token_urlsafe(32)
    client.key_prefix, client.key_hash = key[:8], _digest(key)
    with transaction.atomic():
        client.save(update_fields=["key_prefix", "key_hash"])
        audit_record(
            actor=actor,
            action=AuditEntry.Action.SECURITY,
            obj=client,
            summary=_("生成 Open311 接口密钥：%(name)s") % {"name": client.name},
            changes={"key_prefix": client.key_prefix},
            request=request,
        )
    return key


def client_authenticate(api_key: str | None) -> ApiClient | None:
    """The active client holding `api_key`, or None."""
    if not api_key or len(api_key) > 128:
        return None
    digest = _digest(api_key)
    client = ApiClient.objects.filter(key_hash=digest, is_active=True).first()
    if client is None or not hmac.compare_digest(client.key_hash, digest):
        return None
    return client


def services_of(township_id: int):
    """The services a township offers: its active committees (one query)."""
    return Committee.objects.filter(township_id=township_id, is_active=True).order_by("id")


def _coordinate(value, low: int, high: int, name: str, errors: dict) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value)).quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError):
        number = None
    if number is None or not number.is_finite() or not low <= number <= high:
        errors[name] = [_("坐标无效。")]
        return None
    return number


def _person_name(first, last) -> str:
    """姓 then 名 without a space for Chinese names; "first last" for Latin ones."""
    first, last = (first or "").strip(), (last or "").strip()
    if (first + last).isascii():
        return " ".join(part for part in (first, last) if part)
    return last + first


def _texts(data, errors: dict) -> dict[str, str]:
    """The text fields as clean strings: a list, an object, NUL or a lone surrogate is a field
    error (PostgreSQL refuses NUL; a 400 here, never a 500 there)."""
    texts = {}
    for name in TEXT_FIELDS:
        value = data.get(name)
        if value is None:
            value = ""
        elif isinstance(value, bool) or not isinstance(value, str | int | float):
            errors[name] = [_("须为文本。")]
            value = ""
        value = str(value).strip()
        if any(c == "\x00" or "\ud800" <= c <= "\udfff" for c in value):
            errors[name] = [_("含有无效字符。")]
            value = ""
        texts[name] = value
    return texts


def is_code(value: str) -> bool:
    return bool(CODE.fullmatch(value))


def _clean(client: ApiClient, data) -> dict:
    errors: dict[str, list] = {}
    data = data if hasattr(data, "get") else {}  # a JSON array or scalar: every field missing
    text = _texts(data, errors)
    code = text["service_code"]
    committee = None
    if is_code(code):
        committee = services_of(client.township_id).filter(code=code).first()
    if not code:
        errors.setdefault("service_code", [_("缺少 service_code。")])
    elif committee is None:
        errors["service_code"] = [_("service_code 不存在：%(code)s") % {"code": code[:32]}]
    jurisdiction = text["jurisdiction_id"]
    if jurisdiction and jurisdiction != client.township.code:
        errors["jurisdiction_id"] = [_("jurisdiction_id 与接入方所属乡镇不符。")]
    lat = _coordinate(data.get("lat"), -90, 90, "lat", errors)
    long = _coordinate(data.get("long"), -180, 180, "long", errors)
    address = text["address_string"][:128]
    if (lat is None) != (long is None) and "lat" not in errors and "long" not in errors:
        errors["lat"] = [_("lat 与 long 须同时提供。")]
    if lat is None and not address and not text["address_id"]:
        errors.setdefault(
            "address_string", [_("须提供位置：lat/long、address_string 或 address_id。")]
        )
    description = text["description"]
    if not description:
        errors.setdefault("description", [_("缺少 description（诉求内容）。")])
    elif len(description) > MAX_DESCRIPTION:
        errors["description"] = [_("description 过长（最多 4000 字）。")]
    if errors:
        raise ValidationError(errors)
    name = _person_name(text["first_name"], text["last_name"])
    return {
        "committee": committee,
        "lat": lat,
        "long": long,
        "address": address,
        "description": description,
        "name": name[:32],
        "phone": text["phone"][:20],
    }


def service_request_create(*, client: ApiClient, data, request=None) -> ServiceRequest:
    """File a GeoReport v2 request as a reported Issue of the client's township.

    The caller's name and phone go where a walk-in's would (Issue.reporter_*), shown masked and
    never returned by the API; e-mail, device and account ids and media URLs are not kept."""
    cleaned = _clean(client, data)
    with transaction.atomic():
        issue = issue_report(
            actor=None,
            township=client.township,
            description=cleaned["description"],
            source=CHANNEL_SOURCE[client.channel],
            reporter_name=cleaned["name"],
            reporter_phone=cleaned["phone"],
            location=cleaned["address"],
            channel=client.name,
        )
        created = ServiceRequest.objects.create(
            client=client,
            issue=issue,
            service_code=cleaned["committee"].code,
            address_string=cleaned["address"],
            lat=cleaned["lat"],
            long=cleaned["long"],
        )
        ApiClient.objects.filter(pk=client.pk).update(last_used_at=timezone.now())
        audit_record(
            actor=None,
            action=AuditEntry.Action.CREATE,
            obj=issue,
            summary=_("Open311 接入方 %(name)s 提交诉求") % {"name": client.name},
            changes={"open311_client": client.pk, "service_code": created.service_code},
            request=request,
        )
    return created
