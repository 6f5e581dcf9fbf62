"""Every door that reports or moves an issue keeps the dashboard's roll-up exact (parity).

The roll-up (dashboard/rollup.py) is rebuilt every quarter hour; between rebuilds, the changes
reach it as delta rows written by the workflow's listener. Given a built roll-up, each door — the
intake page, the API with a token, the action page, the API actions, the admin's archive action —
is used once, and the leader's dashboard for this month (served from the roll-up plus the deltas)
must equal the same figures counted live from the issues."""

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from dashboard.access import dashboard_scope_of
from dashboard.cube import issue_cube
from dashboard.models import IssueMonthChoiceStat, IssueMonthStat
from dashboard.periods import month_period
from dashboard.rollup import issue_month_stats_refresh, stored_count_expressions, stored_counts
from dashboard.selectors import issue_figures
from issues.models import Issue, Status


def _figures(scope, period) -> dict:
    return {k: v for k, v in issue_figures(scope, period).items() if k != "cube"}


def _assert_rolled_up_equals_live(world):
    scope = dashboard_scope_of(world.users["leader"])
    today = timezone.localdate()
    period = month_period(today.year, today.month)
    assert issue_cube(scope, period).rolled, "the roll-up must serve this month"
    shown = _figures(scope, period)
    IssueMonthStat.objects.all().delete()
    IssueMonthChoiceStat.objects.all().delete()
    assert issue_cube(scope, period).rolled == ()
    assert shown == _figures(scope, period)


def _token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


@pytest.fixture
def built(world, new_issue):
    """One issue reported before the roll-up was built, so that it has rows to serve."""
    issue = new_issue("路灯不亮")
    issue_month_stats_refresh()
    return issue


def test_intake_page(client, world, built):
    client.force_login(world.users["cadre"])
    data = {"household": world.household.pk, "description": "屋顶漏雨", "urgency": "normal",
            "source": "phone", "confirm_new": "on"}  # fmt: skip
    assert client.post(reverse("issues:intake"), data).status_code == 302
    assert Issue.objects.count() == 2
    _assert_rolled_up_equals_live(world)


def test_api_create_with_a_token(world, built):
    response = _token_client(world.users["cadre"]).post(
        "/api/v1/issues/", {"household": world.household.pk, "description": "屋顶漏雨"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    _assert_rolled_up_equals_live(world)


def test_action_page(client, world, built):
    client.force_login(world.users["staff"])
    url = reverse("issues:act", args=[built.pk, "triage"])
    response = client.post(url, {"triage-committee": world.committee.pk, "triage-level": "village"})
    assert response.status_code == 302
    built.refresh_from_db()
    assert built.status == Status.TRIAGED
    _assert_rolled_up_equals_live(world)


def test_api_actions_with_a_token(world, built):
    steps = [
        ("staff", "triage", {"committee": world.committee.pk, "level": "village"}),
        ("village", "start", {}),
        ("village", "resolve", {"result": "已修复"}),
        ("cadre", "reply", {"channel": "phone", "reply_text": "已告知"}),
        ("cadre", "rate", {"satisfaction": "satisfied"}),
    ]
    for role, action, data in steps:
        client = _token_client(world.users[role])
        response = client.post(f"/api/v1/issues/{built.pk}/{action}/", data, format="json")
        assert response.status_code == 200, (action, response.content)
    _assert_rolled_up_equals_live(world)


def test_admin_archive_action(client, world, built, advance):
    advance(built, "rated")
    issue_month_stats_refresh()  # rated before the roll-up: only the archive is a delta
    admin_user = world.users["admin"]
    admin_user.is_staff = True
    admin_user.save(update_fields=["is_staff"])
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:issues_issue_changelist"),
        {"action": "archive_selected", "_selected_action": [built.pk]},
    )
    assert response.status_code in (200, 302)
    built.refresh_from_db()
    assert built.status == Status.ARCHIVED
    _assert_rolled_up_equals_live(world)


def test_the_delta_of_one_issue_is_what_the_rollup_counts(world, new_issue, advance):
    """`stored_counts` (Python, for the deltas) is the twin of `stored_count_expressions` (SQL,
    for the rebuild): one issue at every step of the loop counts the same both ways."""
    issue = new_issue("路灯不亮")
    for step in ["triaged", "in_progress", "resolved", "replied", "rated", "archived"]:
        issue = advance(issue, step)
        counted = Issue.objects.filter(pk=issue.pk).aggregate(**stored_count_expressions())
        assert stored_counts(issue) == counted, step
