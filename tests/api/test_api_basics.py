"""Authentication, throttling, error answers, masking and the documentation of the API."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from rest_framework.test import APIClient, APIRequestFactory

from core.api.exceptions import api_exception_handler
from core.models import AuditEntry
from households import identity
from issues.transitions import TransitionNotAllowed

from .conftest import PASSWORD


# --- Authentication ---------------------------------------------------------------------------
def test_anonymous_gets_401_with_the_token_scheme(world):
    response = APIClient().get("/api/v1/households/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_token_obtained_with_the_password_opens_the_api(world):
    client = APIClient()
    answer = client.post(
        "/api/v1/auth/token/",
        {"username": world.users["leader"].username, "password": PASSWORD},
        format="json",
    )
    assert answer.status_code == 200
    client.credentials(HTTP_AUTHORIZATION=f"Token {answer.json()['token']}")
    assert client.get("/api/v1/households/").json()["count"] == 2


def test_a_wrong_password_gets_no_token_and_a_field_error(world):
    answer = APIClient().post(
        "/api/v1/auth/token/",
        {"username": world.users["leader"].username, "password": "nope"},
        format="json",
    )
    assert answer.status_code == 400
    assert answer.json()["non_field_errors"]
    assert "token" not in answer.json()


def test_a_bad_token_is_401(world):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0000000000000000000000000000000000000000")
    assert client.get("/api/v1/households/").status_code == 401


def test_session_login_works_too(client, world):
    client.force_login(world.users["cadre"])
    answer = client.get("/api/v1/households/")
    assert answer.status_code == 200
    assert [h["id"] for h in answer.json()["results"]] == [world.own.household.pk]


def test_session_writes_need_the_csrf_token(world):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(world.users["admin"])
    answer = client.patch(
        f"/api/v1/households/{world.own.household.pk}/", {"note": "x"}, format="json"
    )
    assert answer.status_code == 403
    assert "CSRF" in answer.json()["detail"]


# --- Throttling -------------------------------------------------------------------------------
def _rates(settings, **rates):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "1000/min", "user": "1000/min", "token": "1000/min"}
        | rates,
    }


def test_anonymous_requests_are_throttled(settings, world):
    """What an anonymous client can reach (the token endpoint, the schema) is throttled by
    address; everything else answers 401 before any work is done."""
    _rates(settings, anon="3/min")
    client = APIClient()
    data = {"username": world.users["leader"].username, "password": PASSWORD}
    codes = [client.post("/api/v1/auth/token/", data, format="json").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert client.get("/api/schema/").status_code == 429


def test_users_are_throttled_per_user(settings, world):
    _rates(settings, user="3/min")
    codes = [world.client("cadre").get("/api/v1/issues/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert "Retry-After" in world.client("cadre").get("/api/v1/issues/")
    assert world.client("leader").get("/api/v1/issues/").status_code == 200  # someone else


def test_password_guesses_at_the_token_endpoint_are_throttled(settings, world):
    _rates(settings, token="2/min")
    client = APIClient()
    data = {"username": world.users["leader"].username, "password": "guess"}
    codes = [client.post("/api/v1/auth/token/", data, format="json").status_code for _ in range(3)]
    assert codes == [400, 400, 429]


# --- Error answers: 400 with field errors, 409 with a reason, never a 500 --------------------
def _handle(exc):
    request = APIRequestFactory().post("/api/v1/x/")
    return api_exception_handler(exc, {"request": request, "view": None})


def test_a_django_validation_error_becomes_400_with_field_errors():
    response = _handle(DjangoValidationError({"phone": ["号码有误"], "__all__": ["整体有误"]}))
    assert response.status_code == 400
    assert response.data == {"phone": ["号码有误"], "non_field_errors": ["整体有误"]}
    plain = _handle(DjangoValidationError("有误"))
    assert (plain.status_code, plain.data) == (400, {"non_field_errors": ["有误"]})


def test_a_transition_error_becomes_409_with_the_reason():
    response = _handle(TransitionNotAllowed("只有群众不满意的诉求才能重新办理。"))
    assert response.status_code == 409
    assert response.data == {
        "detail": "只有群众不满意的诉求才能重新办理。",
        "code": "invalid_transition",
    }


def test_an_integrity_error_becomes_409():
    response = _handle(IntegrityError("UNIQUE constraint failed"))
    assert response.status_code == 409 and response.data["code"] == "conflict"


def test_a_duplicate_household_code_is_a_409_not_a_500(world):
    answer = world.client("admin").post(
        "/api/v1/households/",
        {
            "code": world.own.household.code,
            "village": world.own.village.pk,
            "address": "新村路1号",
            "head_name": "重复",
        },
        format="json",
    )
    assert answer.status_code in (400, 409), answer.content
    assert answer.json()


def test_a_404_says_not_found_in_chinese_without_naming_the_model(world):
    answer = world.client("cadre").get("/api/v1/issues/999999/")
    assert answer.status_code == 404
    assert answer.json() == {"detail": "未找到。"}


def test_an_unknown_api_path_is_a_json_404(world):
    answer = world.client("admin").post("/api/v1/issues/0.5/start/", {}, format="json")
    assert answer.status_code == 404
    assert answer.json()["detail"]


@pytest.mark.parametrize("query", ["page=0", "page=abc", "ordering=nonsense", "status=galaxy"])
def test_odd_list_parameters_are_never_a_500(world, query):
    answer = world.client("admin").get(f"/api/v1/issues/?{query}")
    assert answer.status_code in (200, 400, 404)


# --- Masking: the API shows what the pages show --------------------------------------------
def test_phone_and_id_numbers_are_masked_as_in_the_ui(world):
    household, resident = world.own.household, world.own.resident
    resident.phone = "13712345678"
    resident.save(update_fields=["phone"])
    for role in ("admin", "leader", "staff", "grouplead", "cadre", "village", "dept"):
        client = world.client(role)
        h = client.get(f"/api/v1/households/{household.pk}/").json()
        assert h["phone"] == household.masked_phone == identity.mask_phone(household.phone)
        r = client.get(f"/api/v1/residents/{resident.pk}/")
        assert r.json()["id_masked"] == resident.masked_id_number
        assert r.json()["phone"] == "137****5678"
        assert resident.id_number not in r.content.decode()
        assert household.phone not in json.dumps(h)


def test_reveal_is_for_those_the_policy_allows_and_is_audited(world):
    resident = world.own.resident
    url = f"/api/v1/residents/{resident.pk}/?reveal=1"
    leader = world.client("leader").get(url).json()
    assert "id_number_full" not in leader  # leaders see masks (may_reveal_identity)
    cadre = world.client("cadre").get(url).json()
    assert cadre["id_number_full"] == resident.id_number
    assert AuditEntry.objects.filter(
        action=AuditEntry.Action.REVEAL, actor=world.users["cadre"]
    ).exists()


# --- Documentation ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def openapi():
    raw = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(raw))


def _operations(openapi):
    for path, item in openapi["paths"].items():
        for method, op in item.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                yield f"{method.upper()} {path}", op


def _has_example(op) -> bool:
    bodies = [op.get("requestBody", {})] + list(op.get("responses", {}).values())
    return any(
        media.get("examples") or media.get("example")
        for body in bodies
        for media in body.get("content", {}).values()
    )


def test_every_operation_is_documented_with_an_example(openapi):
    missing = [name for name, op in _operations(openapi) if not _has_example(op)]
    assert missing == []


def test_every_operation_has_a_summary_and_a_tag(openapi):
    for name, op in _operations(openapi):
        assert op.get("tags"), name
        assert op.get("summary") or op.get("description"), name


def test_fields_carry_the_chinese_labels_of_the_pages(openapi):
    household = openapi["components"]["schemas"]["Household"]["properties"]
    assert household["head_name"]["title"] == "户主姓名"
    assert household["phone"]["title"] == "联系电话"
    issue = openapi["components"]["schemas"]["Issue"]["properties"]
    assert issue["status"]["title"] == "状态"
    assert {t["name"] for t in openapi["tags"]} >= {"households", "issues", "dashboard"}


def test_the_schema_and_the_docs_pages_are_served(client, world):
    assert client.get("/api/schema/").status_code == 200
    for url in ("/api/docs/", "/api/redoc/"):
        page = client.get(url)
        assert page.status_code == 200
        html = page.content.decode()
        assert "/static/drf_spectacular_sidecar/" in html  # vendored, no CDN
        assert "cdn." not in html and "unpkg" not in html and "jsdelivr" not in html


RESOURCES = ["Household", "Resident", "WorkGroup", "Cadre", "Pairing", "Visit", "Issue",
             "Committee", "IssueCreateRequest", "TransitionRequest", "VisitRequest",
             "ResidentRequest", "HouseholdRequest", "PairingAssignRequest"]  # fmt: skip


@pytest.mark.parametrize("component", RESOURCES)
def test_every_field_has_a_chinese_title(openapi, component):
    properties = openapi["components"]["schemas"][component]["properties"]
    untitled = [name for name, spec in properties.items() if name != "id" and not spec.get("title")]
    assert untitled == []
    titles = [spec["title"] for name, spec in properties.items() if name != "id"]
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in title) for title in titles), titles
