# ruff: noqa: F811 (the issue tests' fixtures are imported below and requested by name)
"""Every role's home is a worklist of what needs them now, by deadline (issue 15, item 6)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dashboard.worklist import worklist_for
from issues.models import Issue, Level, Status
from issues.services import issue_report
from issues.workflow import issue_transition

# the small township of the issue tests, one user per role
from tests.issues.conftest import _fast_passwords, advance, new_issue, world  # noqa: F401


def _sections(user):
    return {s.code: s for s in worklist_for(user)}


def _in_progress_bulk(world, n, *, due):
    """n issues of the handler's village already in progress (set up directly: the workflow
    has its own tests), due at `due`."""
    pks = [
        issue_report(
            actor=world.users["cadre"], description=f"积水 {i}", household=world.household
        ).pk
        for i in range(n)
    ]
    Issue.objects.filter(pk__in=pks).update(
        status=Status.IN_PROGRESS,
        level=Level.VILLAGE,
        village=world.village,
        committee=world.committee,
        due_at=due,
    )
    return pks


def _home(client, user):
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def test_a_new_assignment_is_on_the_village_handler_home(client, world, new_issue, advance):
    # 21 older issues due sooner used to push a new assignment off the bare list of 20
    _in_progress_bulk(world, 21, due=timezone.now() + dt.timedelta(days=2))
    issue = advance(new_issue("村口路灯坏了"), "triaged")
    html = _home(client, world.users["village"])
    new = html.split('data-section="new"')[1].split('data-section="')[0]
    assert f'data-issue="{issue.pk}"' in new
    assert [i.pk for i in _sections(world.users["village"])["new"].rows] == [issue.pk]


def test_each_open_issue_appears_once_by_deadline(world, new_issue, advance):
    now = timezone.now()
    late = _in_progress_bulk(world, 2, due=now - dt.timedelta(hours=3))
    Issue.objects.filter(pk=late[1]).update(due_at=now - dt.timedelta(days=2))
    today = timezone.localtime(now).replace(hour=23, minute=59)
    soon = _in_progress_bulk(world, 1, due=today) if today > now else []
    later = _in_progress_bulk(world, 1, due=now + dt.timedelta(days=5))
    sections = _sections(world.users["village"])
    assert [i.pk for i in sections["overdue"].rows] == [late[1], late[0]]
    assert all(i.late for i in sections["overdue"].rows)
    assert [i.pk for i in sections["due_today"].rows] == soon
    assert [i.pk for i in sections["in_progress"].rows] == later
    seen = [i.pk for s in sections.values() for i in s.rows]
    assert len(seen) == len(set(seen))


def test_awaiting_reply_and_callback(world, new_issue, advance):
    issue = advance(new_issue(), "resolved")
    assert [i.pk for i in _sections(world.users["village"])["awaiting_reply"].rows] == [issue.pk]
    assert [i.pk for i in _sections(world.users["cadre"])["awaiting_reply"].rows] == [issue.pk]
    issue = advance(issue, "replied")
    # after the reply someone is prompted to call back, until a rating exists
    for who in ("cadre", "staff", "grouplead", "admin"):
        callback = _sections(world.users[who])["awaiting_callback"]
        assert [i.pk for i in callback.rows] == [issue.pk], who
    assert "awaiting_callback" not in _sections(world.users["village"])  # may not rate
    advance(issue, "rated")
    assert _sections(world.users["cadre"])["awaiting_callback"].rows == []


def test_staff_home_lists_the_triage_queue(client, world, new_issue):
    issue = new_issue("下水道堵了")
    html = _home(client, world.users["staff"])
    triage = html.split('data-section="triage"')[1].split('data-section="')[0]
    assert f'data-issue="{issue.pk}"' in triage


def _whistled(world, new_issue):
    issue = issue_transition(
        issue=new_issue(), action="triage", actor=world.users["staff"],
        committee=world.committee.pk, level="district", department=world.department.pk,
    ).issue  # fmt: skip
    assert issue.ack_due_at is not None
    return issue


def test_department_acknowledges_from_the_home(client, world, new_issue):
    issue = _whistled(world, new_issue)
    html = _home(client, world.users["dept"])
    assert f'data-testid="ack-{issue.pk}"' in html
    assert "报到时限" in html
    response = client.post(reverse("issues:act", args=[issue.pk, "acknowledge"]))
    assert response.status_code == 302
    html = _home(client, world.users["dept"])
    assert f'data-testid="ack-{issue.pk}"' not in html
    acked = html.split(f'data-testid="acked-{issue.pk}"')[1].split("</span>")[0]
    assert "已报到" in acked
    assert world.users["dept"].cadre.name in acked
    assert timezone.localtime(Issue.objects.get(pk=issue.pk).acked_at).strftime("%m-%d") in acked


def _home_queries(client, user):
    client.force_login(user)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("home")).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("who", ["village", "dept", "staff", "cadre", "admin", "leader"])
def test_home_queries_do_not_grow_with_the_work(
    client, world, new_issue, who, django_assert_max_num_queries
):
    _whistled(world, new_issue)
    _in_progress_bulk(world, 2, due=timezone.now() - dt.timedelta(hours=1))
    few = _home_queries(client, world.users[who])
    _whistled(world, new_issue)
    _in_progress_bulk(world, 12, due=timezone.now() - dt.timedelta(hours=1))
    _in_progress_bulk(world, 5, due=timezone.now() + dt.timedelta(days=3))
    many = _home_queries(client, world.users[who])
    assert many == few
    with django_assert_max_num_queries(40):
        client.get(reverse("home"))


def test_the_village_handler_home_lists_only_what_they_may_act_on(world, new_issue, advance):
    """A township-level issue of the handler's village is readable but not theirs to work on:
    it is not on their home's work sections (the township's handlers have it)."""
    village_level = advance(new_issue("村口路灯坏了"), "triaged")
    township_level = issue_transition(
        issue=new_issue("镇级道路塌陷"),
        action="triage",
        actor=world.users["staff"],
        committee=world.committee.pk,
        level="township",
    ).issue
    listed = {i.pk for s in worklist_for(world.users["village"]) for i in s.rows}
    assert village_level.pk in listed and township_level.pk not in listed
