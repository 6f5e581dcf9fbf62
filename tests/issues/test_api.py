"""The issues API: the same workflow as the pages; 409 for an invalid transition, 400 for
field errors, 404 outside scope, never 500."""

import pytest
from rest_framework.test import APIClient

from issues.models import Issue, Status


@pytest.fixture
def api(world):
    def as_(role):
        client = APIClient()
        client.force_authenticate(world.users[role])
        return client

    return as_


def test_create_and_walk_the_loop(api, world):
    cadre = api("cadre")
    response = cadre.post(
        "/api/v1/issues/",
        {"household": world.household.pk, "description": "路灯坏了"},
        format="json",
    )
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    assert response.json()["status"] == "reported"
    steps = [
        ("staff", "triage", {"committee": world.committee.pk, "level": "village"}),
        ("village", "start", {}),
        ("village", "progress", {"note": "联系了供电所", "contacted": True}),
        ("village", "resolve", {"result": "已修复"}),
        ("cadre", "reply", {"channel": "phone", "reply_text": "已告知"}),
        ("cadre", "rate", {"satisfaction": "satisfied"}),
        ("staff", "archive", {}),
    ]
    for role, action, data in steps:
        response = api(role).post(f"/api/v1/issues/{pk}/{action}/", data, format="json")
        assert response.status_code == 200, (action, response.content)
    assert response.json()["status"] == "archived"


def test_invalid_transition_is_409_with_a_reason(api, new_issue):
    issue = new_issue()
    response = api("staff").post(f"/api/v1/issues/{issue.pk}/archive/", {}, format="json")
    assert response.status_code == 409
    assert "不能执行" in response.json()["detail"]


def test_missing_fields_are_400(api, new_issue):
    issue = new_issue()
    response = api("staff").post(
        f"/api/v1/issues/{issue.pk}/triage/", {"level": "nowhere"}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"committee", "level"}
    response = api("staff").post(
        f"/api/v1/issues/{issue.pk}/triage/", {"committee": "abc"}, format="json"
    )
    assert response.status_code == 400


def test_role_without_the_action_gets_403_and_outsiders_404(api, world, new_issue):
    issue = new_issue()
    response = api("leader").post(
        f"/api/v1/issues/{issue.pk}/triage/",
        {"committee": world.committee.pk, "level": "village"},
        format="json",
    )
    assert response.status_code == 403
    assert api("dept").get(f"/api/v1/issues/{issue.pk}/").status_code == 404
    assert Issue.objects.get(pk=issue.pk).status == Status.REPORTED


def test_list_is_scoped_and_filterable(api, new_issue):
    new_issue()
    assert api("cadre").get("/api/v1/issues/?status=reported").json()["count"] == 1
    assert api("dept").get("/api/v1/issues/").json()["count"] == 0


def test_create_bad_input_is_400(api, world):
    response = api("cadre").post("/api/v1/issues/", {"description": ""}, format="json")
    assert response.status_code == 400
    response = api("cadre").post(
        "/api/v1/issues/", {"household": 999999, "description": "x"}, format="json"
    )
    assert response.status_code == 400
    assert (
        api("leader").post("/api/v1/issues/", {"description": "x"}, format="json").status_code
        == 403
    )


def test_no_update_or_delete(api, new_issue):
    issue = new_issue()
    assert api("admin").delete(f"/api/v1/issues/{issue.pk}/").status_code == 405
    assert (
        api("admin").patch(f"/api/v1/issues/{issue.pk}/", {"status": "archived"}).status_code == 405
    )


def test_committees_are_read_only(api, world):
    response = api("staff").get("/api/v1/committees/")
    assert response.status_code == 200
    assert [c["id"] for c in response.json()["results"]] == [world.committee.pk]
    assert api("admin").post("/api/v1/committees/", {"name": "x"}).status_code == 405
