"""Bad input at the Open311 door is a spec error (400, or 403 for a key), never a 500, and files
nothing: NUL, undecodable bytes, lone surrogates, odd digits, huge numbers, JSON of the wrong
shape, in every field of a POST and every parameter of a GET (the site-wide fuzz walk of
tests/core/security/test_bad_input.py skips routes with a format suffix, so this covers them)."""

import json
from urllib.parse import quote, quote_from_bytes

import pytest

from issues.models import Issue
from open311.services import TEXT_FIELDS

BASE = "/open311/v2"
RAW = {
    "nul": "a%00b",
    "undecodable": quote_from_bytes(b"\xff\xfe"),
    "surrogate": quote_from_bytes(b"\xed\xa0\x80"),
    "odd-digits": quote("²１２"),
    "huge-or-junk": "9" * 40 + quote("[]{}'\"\\%;--"),
}
GOOD = {"service_code": "urban_planning", "address_string": "东村", "description": "路灯坏了"}


def _form(fields: dict) -> str:
    return "&".join(f"{k}={v}" for k, v in fields.items())


@pytest.mark.parametrize("raw", RAW.values(), ids=RAW.keys())
@pytest.mark.parametrize("field", [*TEXT_FIELDS, "lat", "long", "api_key"])
def test_a_bad_form_field_is_a_spec_error(client, o311, field, raw):
    fields = {"api_key": o311.hotline_key, **{k: quote(v) for k, v in GOOD.items()}, field: raw}
    if field in ("lat", "long"):
        fields["lat" if field == "long" else "long"] = "116"
    response = client.post(
        f"{BASE}/requests.json", _form(fields), content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code < 500, response.content
    if response.status_code >= 400:
        assert all({"code", "description"} == set(e) for e in response.json())
    # codes and keys are refused outright; in free text only NUL is (undecodable bytes arrive
    # as U+FFFD, like on every form of the site)
    if field in ("service_code", "jurisdiction_id", "api_key") or (
        raw == RAW["nul"] and field in TEXT_FIELDS
    ):
        assert response.status_code in (400, 403)
        assert not Issue.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        [1, 2],
        "text",
        {"api_key": ["a"]},
        {"api_key": None, "service_code": "urban_planning"},
        {"service_code": {"x": 1}, "description": ["a"], "lat": [1], "long": True},
        {"service_code": "urban_planning", "description": 5, "address_string": "东村"},
    ],
)
def test_json_of_the_wrong_shape_is_a_spec_error(client, o311, body):
    if isinstance(body, dict) and "api_key" not in body:
        body = {**body, "api_key": o311.hotline_key}
    response = client.post(
        f"{BASE}/requests.json", json.dumps(body), content_type="application/json"
    )
    assert response.status_code < 500, response.content
    assert response.status_code in (400, 403) or Issue.objects.count() == 1


@pytest.mark.parametrize("raw", RAW.values(), ids=RAW.keys())
@pytest.mark.parametrize(
    ("path", "param"),
    [
        ("requests.json", "service_request_id"),
        ("requests.json", "service_code"),
        ("requests.json", "status"),
        ("requests.json", "start_date"),
        ("requests.json", "end_date"),
        ("requests.json", "api_key"),
        ("services.json", "jurisdiction_id"),
        ("services.xml", "api_key"),
        ("requests/1.json", "api_key"),
    ],
)
def test_a_bad_query_parameter_is_a_spec_error(client, o311, path, param, raw):
    query = {"api_key": quote(o311.hotline_key), param: raw}
    response = client.get(f"{BASE}/{path}", QUERY_STRING=_form(query))
    assert response.status_code < 500, response.content
