"""No work without an owner (issue 15, item 5): a person escalating to the district names the
department; the overdue scan's automatic escalation lands on the dispatch queue of committee
staff and the admin until a department is set; every assignment alerts a person."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from dashboard.worklist import worklist_for
from issues.models import Issue, IssueAlert, Level
from issues.workflow import issue_transition
from tests.factories import CommitteeFactory


def _at_township(world, new_issue):
    issue = issue_transition(
        issue=new_issue(), action="triage", actor=world.users["staff"],
        committee=world.committee.pk, level="township",
    ).issue  # fmt: skip
    assert issue.level == Level.TOWNSHIP
    return issue


def _escalate(issue, actor, **data):
    return issue_transition(issue=issue, action="escalate", actor=actor, note="需区级协调", **data)


def test_escalating_to_the_district_needs_a_department(world, new_issue):
    issue = _at_township(world, new_issue)
    with pytest.raises(ValidationError) as exc:
        _escalate(issue, world.users["staff"])
    assert "department" in exc.value.message_dict
    assert Issue.objects.get(pk=issue.pk).level == Level.TOWNSHIP
    issue = _escalate(issue, world.users["staff"], department=world.department.pk).issue
    assert (issue.level, issue.department) == (Level.DISTRICT, world.department)
    assert issue.ack_due_at is not None


def test_escalating_to_the_township_needs_no_department(world, new_issue, advance):
    issue = advance(new_issue(), "triaged")
    issue = _escalate(issue, world.users["village"]).issue
    assert (issue.level, issue.department) == (Level.TOWNSHIP, None)


def test_the_department_rule_holds_at_the_page_and_the_api(client, world, new_issue):
    issue = _at_township(world, new_issue)
    client.force_login(world.users["staff"])
    url = reverse("issues:act", args=[issue.pk, "escalate"])
    response = client.post(url, {"escalate-note": "需区级协调"})
    assert response.status_code == 400
    assert "上报区级需要指定区级部门" in response.content.decode()
    api = APIClient()
    api.force_authenticate(world.users["staff"])
    response = api.post(
        f"/api/v1/issues/{issue.pk}/escalate/", {"note": "需区级协调"}, format="json"
    )
    assert response.status_code == 400
    assert "department" in response.json()
    assert Issue.objects.get(pk=issue.pk).level == Level.TOWNSHIP


def _auto_escalated(world, new_issue):
    issue = _at_township(world, new_issue)
    return issue_transition(
        issue=issue, action="escalate", actor=None, system=True, note="超期自动上报"
    ).issue


def test_automatic_escalation_lands_on_the_dispatch_queue(world, new_issue):
    issue = _auto_escalated(world, new_issue)
    assert (issue.level, issue.department) == (Level.DISTRICT, None)
    for who in ("staff", "admin"):
        sections = {s.code: s for s in worklist_for(world.users[who])}
        assert [i.pk for i in sections["dispatch"].rows] == [issue.pk], who
        elsewhere = [i.pk for s in sections.values() if s.code != "dispatch" for i in s.rows]
        assert issue.pk not in elsewhere, who  # listed once, where it waits
    assert "dispatch" not in {s.code for s in worklist_for(world.users["village"])}
    # naming the department ends it: the department's whistle starts
    issue = issue_transition(
        issue=issue, action="assign", actor=world.users["staff"], department=world.department.pk
    ).issue
    assert issue.department == world.department and issue.ack_due_at is not None
    sections = {s.code: s for s in worklist_for(world.users["staff"])}
    assert sections["dispatch"].rows == []
    sections = {s.code: s for s in worklist_for(world.users["dept"])}
    assert [i.pk for i in sections["whistle"].rows] == [issue.pk]


def test_assigning_a_district_issue_needs_the_department(world, new_issue):
    issue = _auto_escalated(world, new_issue)
    with pytest.raises(ValidationError) as exc:
        issue_transition(issue=issue, action="assign", actor=world.users["staff"])
    assert "department" in exc.value.message_dict


def _assigned_to(issue):
    return set(
        IssueAlert.objects.filter(issue=issue, kind="assigned").values_list("recipient", flat=True)
    )


def test_a_township_assignment_alerts_the_committee(
    world, new_issue, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        issue = _at_township(world, new_issue)
    assert _assigned_to(issue) == {world.users["staff"].pk}


def test_with_no_committee_member_the_admins_are_alerted(
    world, new_issue, django_capture_on_commit_callbacks
):
    lonely = CommitteeFactory(
        township=world.township, code="party_masses", name="党群工作", keywords="党员"
    )
    with django_capture_on_commit_callbacks(execute=True):
        issue = issue_transition(
            issue=new_issue(), action="triage", actor=world.users["admin"],
            committee=lonely.pk, level="township",
        ).issue  # fmt: skip
    assert _assigned_to(issue) == {world.users["admin"].pk}


def test_the_automatic_escalation_alerts_a_person(
    world, new_issue, django_capture_on_commit_callbacks
):
    issue = _at_township(world, new_issue)
    with django_capture_on_commit_callbacks(execute=True):
        issue = issue_transition(
            issue=issue, action="escalate", actor=None, system=True, note="超期自动上报"
        ).issue
    assert _assigned_to(issue) >= {world.users["staff"].pk}


def test_reassigning_the_handler_alerts_the_new_handler(
    world, new_issue, advance, django_capture_on_commit_callbacks
):
    issue = advance(new_issue(), "triaged")
    handler = world.users["village"].cadre
    with django_capture_on_commit_callbacks(execute=True):
        issue = issue_transition(
            issue=issue, action="assign", actor=world.users["staff"], handler=handler.pk
        ).issue
    assert issue.handler == handler
    event = issue.events.get(action="assign")
    assert IssueAlert.objects.filter(
        issue=issue, kind="assigned", recipient=world.users["village"], key__contains=str(event.pk)
    ).exists()


def test_demo_committees_all_have_a_member(db):
    from committees.models import Committee
    from demo.seed import seed_demo

    seed_demo(households=60)
    empty = Committee.objects.filter(memberships__isnull=True)
    assert Committee.objects.exists()
    assert list(empty) == []
