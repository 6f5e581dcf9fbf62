"""The closed loop driven through the API alone: tokens from /api/v1/auth/token/, then
report → triage → start → progress → resolve → reply → rate → archive, each by the role that does
it in the township, the satisfaction callback by someone other than the handler."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from issues.models import IssueEvent

from .conftest import PASSWORD


@pytest.fixture
def as_role(world):
    """as_role("staff") -> an APIClient holding a token obtained through the API itself."""
    clients = {}

    def get(role):
        if role not in clients:
            client = APIClient()
            response = client.post(
                "/api/v1/auth/token/",
                {"username": world.users[role].username, "password": PASSWORD},
                format="json",
            )
            assert response.status_code == 200, response.content
            client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
            clients[role] = client
        return clients[role]

    return get


def _post(client, url, data=None, expect=200):
    response = client.post(url, data or {}, format="json")
    assert response.status_code == expect, response.json()
    return response.json()


def test_the_whole_loop_through_the_api(world, as_role):
    # 有记录: the cadre reports a demand of a paired household
    issue = _post(
        as_role("cadre"),
        "/api/v1/issues/",
        {"household": world.own.household.pk, "description": "村口路灯坏了，晚上看不见路"},
        expect=201,
    )
    url = f"/api/v1/issues/{issue['id']}"
    assert issue["status"] == "reported"

    # the committee triages it to the village
    issue = _post(
        as_role("staff"),
        f"{url}/triage/",
        {"committee": world.own.committee.pk, "level": "village", "note": "村里可以解决"},
    )
    assert (issue["status"], issue["level"]) == ("triaged", "village")
    assert issue["village"] == world.own.village.pk and issue["due_at"]

    # 有实施 / 有结果: the village handler works on it and resolves it
    village = as_role("village")
    assert _post(village, f"{url}/start/")["status"] == "in_progress"
    progress = _post(village, f"{url}/progress/", {"note": "已联系电工", "contacted": True})
    assert progress["status"] == "in_progress" and progress["first_contact_at"]
    issue = _post(village, f"{url}/resolve/", {"result": "已更换灯泡"})
    assert (issue["status"], issue["outcome"], issue["result"]) == (
        "resolved",
        "resolved",
        "已更换灯泡",
    )

    # 有反馈: the reply to the resident
    issue = _post(village, f"{url}/reply/", {"channel": "visit", "reply_text": "已上门告知"})
    assert issue["status"] == "replied" and issue["replied_at"]

    # 满意程度: the handler may not make the callback; the paired cadre does
    assert (
        village.post(f"{url}/rate/", {"satisfaction": "satisfied"}, format="json").status_code
        == 403
    )
    issue = _post(
        as_role("cadre"), f"{url}/rate/", {"satisfaction": "satisfied", "comment": "很满意"}
    )
    assert (issue["status"], issue["satisfaction"]) == ("rated", "satisfied")

    # 有档案
    issue = _post(as_role("staff"), f"{url}/archive/", {"note": "六有齐全"})
    assert issue["status"] == "archived" and issue["archived_at"]

    # the timeline shows who did each step
    events = IssueEvent.objects.filter(issue_id=issue["id"]).order_by("at", "pk")
    who = {e.action: e.actor.username for e in events}
    assert who["report"] == world.users["cadre"].username
    assert who["triage"] == world.users["staff"].username
    assert who["resolve"] == world.users["village"].username
    assert who["rate"] == world.users["cadre"].username != who["resolve"]
    assert who["archive"] == world.users["staff"].username
    assert as_role("leader").get(f"{url}/").json()["status"] == "archived"


def test_the_handler_cannot_rate_their_own_work(world, as_role):
    """An admin may both handle and call back, but never on the same issue: 409 with the reason."""
    admin = as_role("admin")
    issue = world.issue("own", "resolved")  # resolved by another admin (the setup user)
    url = f"/api/v1/issues/{issue.pk}"
    _post(admin, f"{url}/reply/", {"channel": "phone", "reply_text": "已电话告知"})
    issue.refresh_from_db()
    issue.closed_by = world.users["admin"]  # as if the admin had resolved it
    issue.save(update_fields=["closed_by"])

    answer = _post(admin, f"{url}/rate/", {"satisfaction": "satisfied"}, expect=409)
    assert answer["code"] == "invalid_transition" and "承办人以外" in answer["detail"]
    assert _post(as_role("staff"), f"{url}/rate/", {"satisfaction": "basic"})["status"] == "rated"


def test_an_invalid_transition_is_409_with_the_reason(world, as_role):
    issue = world.issue("own", "reported")
    answer = _post(as_role("staff"), f"/api/v1/issues/{issue.pk}/archive/", expect=409)
    assert answer["detail"] and answer["code"] == "invalid_transition"
    issue.refresh_from_db()
    assert issue.status == "reported"


def test_archiving_without_the_six_haves_is_409_naming_what_is_missing(world, as_role):
    issue = world.issue("own", "rated", satisfaction="unsatisfied")  # no 有考评
    answer = _post(as_role("staff"), f"/api/v1/issues/{issue.pk}/archive/", expect=409)
    assert "有考评" in answer["detail"]


@pytest.mark.parametrize(
    ("action", "status", "data", "field"),
    [
        ("triage", "reported", {"level": "village"}, "committee"),
        ("triage", "reported", {"committee": "abc", "level": "village"}, "committee"),
        ("triage", "reported", {"committee": 1, "level": "galaxy"}, "level"),
        ("resolve", "in_progress", {}, "result"),
        ("explain", "in_progress", {"explanation": "  "}, "explanation"),
        ("reply", "resolved", {"channel": "pigeon", "reply_text": "已告知"}, "channel"),
        ("rate", "replied", {"satisfaction": "unsatisfied"}, "comment"),
    ],
)
def test_bad_input_is_400_with_field_errors(world, as_role, action, status, data, field):
    issue = world.issue("own", status)
    answer = _post(as_role("admin"), f"/api/v1/issues/{issue.pk}/{action}/", data, expect=400)
    assert field in answer and answer[field]
    issue.refresh_from_db()
    assert issue.status == status


def test_a_report_without_description_is_400(world, as_role):
    answer = _post(
        as_role("cadre"),
        "/api/v1/issues/",
        {"household": world.own.household.pk, "description": ""},
        expect=400,
    )
    assert "description" in answer


def test_someone_elses_issue_is_404_for_a_cadre(world, as_role):
    issue = world.issue("other", "triaged")
    assert as_role("cadre").get(f"/api/v1/issues/{issue.pk}/").status_code == 404
    _post(as_role("cadre"), f"/api/v1/issues/{issue.pk}/start/", expect=404)
