"""Open311 reads: the services of a township and a client's requests in the GeoReport v2 shape.

What a response holds is decided here, once, for JSON and XML alike: no resident's name, phone,
ID number or household address; `address` and `lat`/`long` are what the client itself sent;
`status_notes` is the status's label, never a handler's free text (which may name people)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from issues.models import OPEN_STATUSES
from issues.selectors import split_keywords

from .models import ApiClient, ServiceRequest
from .services import services_of

DEFAULT_WINDOW_DAYS = 90  # GeoReport v2: without dates, the last 90 days
MAX_REQUESTS = 1000  # GeoReport v2: at most 1000 requests per list


def _when(value: dt.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def service_rows(township_id: int) -> list[dict]:
    return [
        {
            "service_code": c.code,
            "service_name": c.name,
            "description": c.description,
            "metadata": False,
            "type": "realtime",
            "keywords": ",".join(split_keywords(c.keywords)),
            "group": "专门委员会",
        }
        for c in services_of(township_id)
    ]


def _requests(client: ApiClient):
    return ServiceRequest.objects.filter(client=client).select_related(
        "issue", "issue__committee", "issue__department", "issue__township"
    )


def request_of(client: ApiClient, issue_id: int) -> ServiceRequest | None:
    """The client's request for that issue; another client's (or none) is None: a 404."""
    return _requests(client).filter(issue_id=issue_id).first()


def requests_of(
    client: ApiClient,
    *,
    ids: list[int] | None = None,
    service_codes: list[str] | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    status: str | None = None,
    now=None,
) -> list[ServiceRequest]:
    qs = _requests(client)
    if ids:
        return list(qs.filter(issue_id__in=ids).order_by("-issue__reported_at")[:MAX_REQUESTS])
    if start is None and end is None:
        start = (now or timezone.now()) - dt.timedelta(days=DEFAULT_WINDOW_DAYS)
    if start is not None:
        qs = qs.filter(issue__reported_at__gte=start)
    if end is not None:
        qs = qs.filter(issue__reported_at__lte=end)
    if service_codes:
        qs = qs.filter(service_code__in=service_codes)
    if status == "open":
        qs = qs.filter(issue__status__in=OPEN_STATUSES)
    elif status == "closed":
        qs = qs.exclude(issue__status__in=OPEN_STATUSES)
    return list(qs.order_by("-issue__reported_at")[:MAX_REQUESTS])


def request_row(sr: ServiceRequest, committees: dict[str, str]) -> dict:
    """One request as GeoReport v2 describes it. `committees`: service_code → name."""
    issue = sr.issue
    committee = issue.committee
    code = committee.code if committee else sr.service_code
    agency = issue.department or committee or issue.township
    return {
        "service_request_id": str(issue.pk),
        "status": "open" if issue.status in OPEN_STATUSES else "closed",
        "status_notes": str(issue.get_status_display()),
        "service_name": committee.name if committee else committees.get(code, ""),
        "service_code": code,
        "description": issue.description,
        "agency_responsible": str(agency),
        "service_notice": None,
        "requested_datetime": _when(issue.reported_at),
        "updated_datetime": _when(issue.updated_at),
        "expected_datetime": _when(issue.due_at),
        "address": sr.address_string or None,
        "address_id": None,
        "zipcode": None,
        "lat": float(sr.lat) if sr.lat is not None else None,
        "long": float(sr.long) if sr.long is not None else None,
        "media_url": None,
    }


def request_rows(client: ApiClient, requests: list[ServiceRequest]) -> list[dict]:
    names = {c.code: c.name for c in services_of(client.township_id)}
    return [request_row(sr, names) for sr in requests]
