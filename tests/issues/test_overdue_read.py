"""Overdue at read time (issue 15 item 3): pages, the API, the leader's 当前超期 and the queues'
age and time left follow the deadlines even when the scan has never run."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from dashboard.access import dashboard_scope_of
from dashboard.selectors import overdue_count, overdue_issues
from demo.jobs import jobs_run_due
from issues.models import Issue
from issues.selectors import headline_figures, overdue_filter, with_overdue
from issues.workflow import issue_transition

TZ = ZoneInfo("Asia/Shanghai")
MONDAY = dt.datetime(2026, 3, 2, 9, 0, tzinfo=TZ)
LATER = dt.datetime(2026, 3, 20, 9, 0, tzinfo=TZ)  # past both limits; no scan has run


@pytest.fixture
def late(world, new_issue):
    """One issue past its result limit, one never contacted past its contact limit, one on
    time (reported later), one closed: none flagged by the scan."""
    with time_machine.travel(MONDAY, tick=False):
        past_due = new_issue(description="村口路灯坏了")
        past_due = issue_transition(
            issue=past_due, action="triage", actor=world.users["staff"],
            committee=world.committee.pk, level="village",
        ).issue  # fmt: skip
        Issue.objects.filter(pk=past_due.pk).update(first_contact_at=MONDAY)
        uncontacted = new_issue(description="垃圾没人清运")
        Issue.objects.filter(pk=uncontacted.pk).update(due_at=None)
    with time_machine.travel(LATER - dt.timedelta(hours=1), tick=False):
        fresh = new_issue(description="下水道堵了")
    return {"due": past_due.pk, "contact": uncontacted.pk, "fresh": fresh.pk}


@pytest.fixture
def at_later():
    with time_machine.travel(LATER, tick=False):
        yield


def test_model_property_and_queryset_agree(late, at_later):
    assert not Issue.objects.filter(is_overdue=True).exists()  # the scan never ran
    rows = {i.pk: i for i in with_overdue(Issue.objects.all())}
    for key, expected in (("due", True), ("contact", True), ("fresh", False)):
        issue = rows[late[key]]
        assert issue.overdue_now is expected and issue.late is expected, key
    assert set(overdue_filter(Issue.objects.all()).values_list("pk", flat=True)) == {
        late["due"],
        late["contact"],
    }
    fresh = rows[late["fresh"]]
    assert fresh.age == dt.timedelta(hours=1)
    assert fresh.due_text.startswith("剩余") and rows[late["due"]].due_text.startswith("超期")


def test_the_list_filter_and_the_badge(client, world, late, at_later):
    client.force_login(world.users["admin"])
    html = client.get(reverse("issues:list"), {"overdue": "on"}).content.decode()
    for key in ("due", "contact"):
        assert f'data-issue="{late[key]}"' in html
    assert f'data-issue="{late["fresh"]}"' not in html
    assert html.count("data-overdue>") == 2
    assert 'data-testid="age"' in html and 'data-overdue-now="1"' in html


def test_the_api_field_and_filter(client, world, late, at_later):
    client.force_login(world.users["admin"])
    for param in ("is_overdue", "overdue"):
        rows = client.get("/api/v1/issues/", {param: "1"}).json()["results"]
        assert {r["id"] for r in rows} == {late["due"], late["contact"]}
        assert all(r["is_overdue"] for r in rows)
    rows = client.get("/api/v1/issues/", {"is_overdue": "0"}).json()["results"]
    assert {r["id"] for r in rows} == {late["fresh"]}


def test_the_leaders_figures(world, late, at_later):
    scope = dashboard_scope_of(world.users["leader"])
    assert overdue_count(scope) == 2
    assert {i.pk for i in overdue_issues(scope)} == {late["due"], late["contact"]}
    assert headline_figures(township_id=world.township.pk)["issues_overdue"] == 2


def test_the_triage_queue_shows_age_and_time_left(client, world, late, at_later):
    client.force_login(world.users["staff"])
    html = client.get(reverse("issues:triage")).content.decode()
    assert 'data-testid="age"' in html and "已登记1小时" in html
    assert 'data-testid="due-in"' in html


def test_the_demo_runs_the_beat_schedule_in_process(late):
    PeriodicTask.objects.exclude(task="issues.scan_overdue").update(enabled=False)
    scan = PeriodicTask.objects.get(task="issues.scan_overdue")
    PeriodicTask.objects.filter(pk=scan.pk).update(last_run_at=None)
    with time_machine.travel(LATER - dt.timedelta(minutes=5), tick=False):
        assert jobs_run_due() == []  # never run: like beat, it waits for its first slot
    scan.refresh_from_db()
    assert scan.last_run_at == LATER - dt.timedelta(minutes=5)
    with time_machine.travel(LATER - dt.timedelta(minutes=2), tick=False):
        assert jobs_run_due() == []  # ran at 8:55, next slot 9:00 (every 15 minutes)
    with time_machine.travel(LATER, tick=False):
        assert jobs_run_due() == [scan.name]
        assert jobs_run_due() == []  # recorded like beat: once per slot
    assert set(Issue.objects.filter(is_overdue=True).values_list("pk", flat=True)) == {
        late["due"],
        late["contact"],
    }
