"""GeoReport v2 round trip against the spec's examples (wiki.open311.org/GeoReport_v2):
discovery, the services list, POST a request, GET it by id, the list with its filters, JSON and
XML alike; errors in the spec's shape with the right HTTP code."""

import datetime as dt
import json
from xml.etree import ElementTree as ET

import pytest
from django.utils import timezone

from core.models import AuditEntry
from issues.models import Issue, IssueEvent, Source, Status
from issues.workflow import issue_transition
from open311.models import ServiceRequest
from tests.open311.conftest import REQUEST_FIELDS, SERVICE_FIELDS

BASE = "/open311/v2"


def _xml(content: bytes) -> ET.Element:
    return ET.fromstring(content)  # noqa: S314 (our own response, not untrusted input)


def _post(client, key, **fields):
    data = {
        "api_key": key,
        "service_code": "urban_planning",
        "lat": "40.0321",
        "long": "116.3342",
        "address_string": "清河镇东村村口",
        "description": "村口路灯坏了一周，晚上看不见路",
        "first_name": "建国",
        "last_name": "王",
        "phone": "13800138000",
        "email": "wang@example.com",
        **fields,
    }
    return client.post(f"{BASE}/requests.json", data)


def test_discovery_names_the_v2_endpoint_and_its_formats(client, o311):
    response = client.get(f"{BASE}/discovery.json")
    assert response.status_code == 200
    endpoint = response.json()["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["formats"] == ["application/json", "text/xml"]
    root = _xml(client.get(f"{BASE}/discovery.xml").content)
    assert root.tag == "discovery"
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == [
        "application/json",
        "text/xml",
    ]


def test_services_list_the_active_committees_as_in_the_spec_example(client, o311):
    response = client.get(f"{BASE}/services.json", {"jurisdiction_id": "qinghe"})
    assert response.status_code == 200
    services = response.json()
    assert [s["service_code"] for s in services] == ["urban_planning", "livelihood_culture"]
    assert all(set(s) == SERVICE_FIELDS for s in services)
    roads = services[0]
    assert roads["service_name"] == "城建规划"
    assert roads["metadata"] is False and roads["type"] == "realtime"
    assert roads["keywords"] == "路灯,道路,积水"


def test_services_xml_is_shaped_like_the_spec_example(client, o311):
    response = client.get(f"{BASE}/services.xml", {"api_key": o311.hotline_key})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    root = _xml(response.content)
    assert root.tag == "services"
    first = root.findall("service")[0]
    assert {child.tag for child in first} == SERVICE_FIELDS
    assert first.findtext("service_code") == "urban_planning"
    assert first.findtext("metadata") == "false"


def test_services_without_a_jurisdiction_among_several_townships_is_a_spec_error(client, o311):
    from tests.factories import TownshipFactory

    TownshipFactory(code="other")
    response = client.get(f"{BASE}/services.json")
    assert response.status_code == 400
    [error] = response.json()
    assert error["code"] == 400 and "jurisdiction_id" in error["description"]


def test_post_files_a_reported_issue_through_the_intake_and_audits_it(client, o311):
    # when the hotline posts a request
    response = _post(client, o311.hotline_key)
    # then the answer is the spec's: an array with the new id and a notice
    assert response.status_code == 201
    [created] = response.json()
    assert set(created) == {"service_request_id", "service_notice", "account_id"}
    issue = Issue.objects.get(pk=int(created["service_request_id"]))
    # and the issue waits in triage, from the 12345 hotline, with its first event
    assert issue.status == Status.REPORTED and issue.source == Source.HOTLINE
    assert issue.township == o311.township and issue.committee is None
    assert issue.location == "清河镇东村村口"
    assert issue.reporter_name == "王建国" and issue.reporter_phone == "13800138000"
    event = IssueEvent.objects.get(issue=issue)
    assert event.action == "report" and event.payload["channel"] == "区12345热线"
    sr = ServiceRequest.objects.get(issue=issue)
    assert sr.client == o311.hotline and sr.service_code == "urban_planning"
    audit = AuditEntry.objects.get(object_type="issues.issue", object_id=str(issue.pk))
    assert audit.action == AuditEntry.Action.CREATE
    assert audit.changes == {"open311_client": o311.hotline.pk, "service_code": "urban_planning"}
    o311.hotline.refresh_from_db()
    assert o311.hotline.last_used_at is not None


def test_an_app_client_files_with_the_api_source(client, o311):
    [created] = _post(client, o311.app_key).json()
    assert Issue.objects.get(pk=created["service_request_id"]).source == Source.API


def test_post_xml_answers_in_xml(client, o311):
    response = client.post(
        f"{BASE}/requests.xml",
        {"api_key": o311.hotline_key, "service_code": "livelihood_culture",
         "address_string": "西村", "description": "文化广场没有灯"},
    )  # fmt: skip
    assert response.status_code == 201
    root = _xml(response.content)
    assert root.tag == "service_requests"
    assert root.find("request/service_request_id").text.isdigit()
    assert root.find("request/account_id").text is None


@pytest.mark.parametrize(
    ("key", "fields", "code", "words"),
    [
        (None, {}, 403, "api_key"),
        ("wrong-key", {}, 403, "api_key"),
        ("hotline", {"service_code": "nope"}, 400, "service_code"),
        ("hotline", {"service_code": "party_masses"}, 400, "service_code"),  # inactive
        ("hotline", {"description": "  "}, 400, "description"),
        ("hotline", {"lat": "", "long": "", "address_string": ""}, 400, "address_string"),
        ("hotline", {"lat": "91", "long": "116"}, 400, "lat"),
        ("hotline", {"lat": "NaN", "long": "116"}, 400, "lat"),
        ("hotline", {"long": ""}, 400, "lat"),
        ("hotline", {"jurisdiction_id": "elsewhere"}, 400, "jurisdiction_id"),
        ("hotline", {"description": "长" * 4001}, 400, "description"),
    ],
)
def test_bad_posts_are_spec_errors_and_file_nothing(client, o311, key, fields, code, words):
    key = o311.hotline_key if key == "hotline" else key
    response = _post(client, key or "", **fields)
    assert response.status_code == code
    errors = response.json()
    assert isinstance(errors, list) and errors
    assert all(set(e) == {"code", "description"} and e["code"] == code for e in errors)
    assert any(words in e["description"] for e in errors)
    assert not Issue.objects.exists() and not ServiceRequest.objects.exists()


def test_error_xml_is_the_spec_errors_element(client, o311):
    response = client.post(f"{BASE}/requests.xml", {"api_key": "wrong"})
    assert response.status_code == 403
    root = _xml(response.content)
    assert root.tag == "errors"
    assert root.find("error/code").text == "403"
    assert "api_key" in root.find("error/description").text


def test_a_disabled_client_is_refused(client, o311):
    o311.hotline.is_active = False
    o311.hotline.save()
    assert _post(client, o311.hotline_key).status_code == 403


def test_get_by_id_follows_the_issue_without_personal_data(client, o311):
    # given a request filed by the hotline and triaged to the roads committee
    [created] = _post(client, o311.hotline_key).json()
    rid = created["service_request_id"]
    url = f"{BASE}/requests/{rid}.json"
    [row] = client.get(url, {"api_key": o311.hotline_key}).json()
    assert set(row) == REQUEST_FIELDS
    assert row["status"] == "open" and row["status_notes"] == "待分派"
    assert row["expected_datetime"] is None and row["agency_responsible"] == "清河镇"
    assert (row["lat"], row["long"]) == (40.0321, 116.3342)
    issue = Issue.objects.get(pk=rid)
    issue_transition(
        issue=issue, action="triage", actor=o311.staff, committee=o311.roads.pk, level="township"
    )
    # when the hotline follows it
    response = client.get(url, {"api_key": o311.hotline_key})
    # then it sees the committee responsible and the deadline, never the caller
    [row] = response.json()
    issue.refresh_from_db()
    assert row["status_notes"] == "已分派" and row["agency_responsible"] == "城建规划"
    assert row["service_name"] == "城建规划"
    due = dt.datetime.fromisoformat(row["expected_datetime"])
    assert due == issue.due_at.replace(microsecond=0) and due.utcoffset() == dt.timedelta(hours=8)
    assert dt.datetime.fromisoformat(row["requested_datetime"]) == issue.reported_at.replace(
        microsecond=0
    )
    text = response.content.decode()
    for personal in ("王", "建国", "13800138000", "wang@example.com"):
        assert personal not in text


def test_closed_when_the_result_is_in(client, o311):
    [created] = _post(client, o311.hotline_key).json()
    issue = Issue.objects.get(pk=created["service_request_id"])
    Issue.objects.filter(pk=issue.pk).update(status=Status.RESOLVED)  # the workflow's own tests
    [row] = (
        client.get(f"{BASE}/requests/{issue.pk}.xml", {"api_key": o311.hotline_key})
        and client.get(f"{BASE}/requests/{issue.pk}.json", {"api_key": o311.hotline_key}).json()
    )
    assert row["status"] == "closed" and row["status_notes"] == "已解决"


def test_another_clients_request_is_not_found(client, o311):
    [created] = _post(client, o311.hotline_key).json()
    rid = created["service_request_id"]
    response = client.get(f"{BASE}/requests/{rid}.json", {"api_key": o311.app_key})
    assert response.status_code == 404
    assert response.json()[0]["code"] == 404
    assert client.get(f"{BASE}/requests/{rid}.json").status_code == 403
    listed = client.get(f"{BASE}/requests.json", {"api_key": o311.app_key}).json()
    assert listed == []


def test_list_filters_by_id_code_status_and_dates(client, o311):
    key = o311.hotline_key
    a = _post(client, key).json()[0]["service_request_id"]
    b = _post(client, key, service_code="livelihood_culture").json()[0]["service_request_id"]
    old = _post(client, key).json()[0]["service_request_id"]
    Issue.objects.filter(pk=old).update(reported_at=timezone.now() - dt.timedelta(days=120))
    Issue.objects.filter(pk=b).update(status=Status.RATED)

    def ids(**params):
        response = client.get(f"{BASE}/requests.json", {"api_key": key, **params})
        assert response.status_code == 200, response.content
        return [r["service_request_id"] for r in response.json()]

    assert sorted(ids()) == sorted([a, b])  # the last 90 days by default
    assert ids(service_code="livelihood_culture") == [b]
    assert ids(status="open") == [a]
    assert ids(status="closed") == [b]
    assert sorted(ids(service_request_id=f"{a},{old}")) == sorted([a, old])
    start = (timezone.now() - dt.timedelta(days=200)).isoformat()
    end = (timezone.now() - dt.timedelta(days=100)).isoformat()
    assert ids(start_date=start, end_date=end) == [old]
    xml = _xml(client.get(f"{BASE}/requests.xml", {"api_key": key}).content)
    assert xml.tag == "service_requests" and len(xml.findall("request")) == 2


@pytest.mark.parametrize(
    "params",
    [{"status": "pending"}, {"start_date": "yesterday"}, {"service_request_id": "1,x"}],
)
def test_bad_list_filters_are_400s(client, o311, params):
    response = client.get(f"{BASE}/requests.json", {"api_key": o311.hotline_key, **params})
    assert response.status_code == 400
    assert response.json()[0]["code"] == 400


def test_unknown_format_is_not_routed(client, o311):
    assert client.get(f"{BASE}/services.html").status_code == 404


def test_posts_are_rate_limited_per_client(client, o311, settings):
    settings.OPEN311_THROTTLE_RATE = "2/min"
    assert _post(client, o311.hotline_key).status_code == 201
    assert _post(client, o311.hotline_key).status_code == 201
    response = _post(client, o311.hotline_key)
    assert response.status_code == 429
    assert response.json()[0]["code"] == 429
    # another client has its own allowance
    assert _post(client, o311.app_key).status_code == 201


def test_wrong_keys_are_rate_limited_by_address(client, o311, settings):
    settings.OPEN311_THROTTLE_RATE = "3/min"
    codes = [_post(client, f"guess-{n}").status_code for n in range(5)]
    assert codes[:3] == [403, 403, 403] and codes[3:] == [429, 429]


def test_json_body_is_accepted_too(client, o311):
    response = client.post(
        f"{BASE}/requests.json",
        json.dumps({"api_key": o311.hotline_key, "service_code": "urban_planning",
                    "address_string": "东村", "description": "路面积水"}),
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 201


def test_the_issue_page_names_the_client_in_the_timeline(client, o311):
    # the report event has no user behind it: the page names the channel instead of failing
    [created] = _post(client, o311.hotline_key).json()
    client.force_login(o311.staff)
    response = client.get(f"/issues/{created['service_request_id']}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "区12345热线" in html and "12345热线转办" in html


def test_the_list_costs_the_same_queries_whatever_its_length(client, o311):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(f"{BASE}/requests.json", {"api_key": o311.hotline_key})
        assert response.status_code == 200
        return len(captured)

    _post(client, o311.hotline_key)
    one = queries()
    for _n in range(4):
        _post(client, o311.hotline_key, service_code="livelihood_culture")
    assert queries() == one <= 4  # the client, its requests with their issues, the services
