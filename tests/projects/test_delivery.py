"""Delivering a project answers every linked issue through the loop, exactly once, and each is
still rated on its own."""

import pytest

from issues.models import IssueEvent, Status
from issues.workflow import issue_transition
from projects.delivery import project_deliver
from projects.models import Project, ProjectEvent
from projects.services import milestone_complete, project_create, project_progress_set

pytestmark = pytest.mark.django_db


def _advance(town, issue, *actions):
    data = {"start": {}, "resolve": {"result": "已修好"},
            "reply": {"channel": "phone", "reply_text": "已电话告知"}}  # fmt: skip
    for action in actions:
        issue_transition(issue=issue, action=action, actor=town.users["admin"],
                         **data[action])  # fmt: skip
    issue.refresh_from_db()
    return issue


@pytest.fixture
def project(town):
    """The streetlight project, its four issues in four different states, plus one issue
    already answered before the project and a 待分派 one."""
    issues = town.issues["streetlight"]
    _advance(town, issues[1], "start")
    _advance(town, issues[2], "start", "resolve")
    answered_before = _advance(town, town.issues["water"][0], "start", "resolve", "reply")
    reported = town.issues["garbage"][0]
    return project_create(
        actor=town.users["leader"], title="路灯集中治理", owner_committee=town.committees["urban"],
        issues=[*issues, answered_before, reported], progress=10,
        milestones=[("排查", issues[0].reported_at.date())],
    )  # fmt: skip


def _replies(issue_ids):
    return IssueEvent.objects.filter(issue_id__in=issue_ids, action="reply")


def test_delivery_answers_every_linked_issue_once(town, project):
    leader = town.users["leader"]
    linked = list(project.links.values_list("issue_id", flat=True))
    before = _replies(linked).count()  # the one answered before the project
    # when the leader delivers
    result = project_deliver(actor=leader, project=project, reply_text="主路路灯已全部更换",
                             channel="sms")  # fmt: skip
    # then the five not yet answered get one reply each, through the loop, and the one already
    # answered is noted, not answered again
    assert len(result.answered) == 5 and len(result.skipped) == 1 and not result.failed
    assert _replies(linked).count() == before + 5
    for pk in result.answered:
        assert _replies([pk]).count() == 1
        event = _replies([pk]).get()
        assert event.actor == leader and "主路路灯已全部更换" in event.note
    project.refresh_from_db()
    assert project.status == Project.Status.DELIVERED and project.progress == 100
    assert project.links.filter(answered_at__isnull=False).count() == 5
    assert {link.issue.status for link in project.links.select_related("issue")} == {Status.REPLIED}
    # the 待分派 one was routed to the owner committee on the way
    reported = town.issues["garbage"][0]
    reported.refresh_from_db()
    assert reported.committee == town.committees["urban"] and reported.level == "township"


def test_a_second_delivery_answers_nobody_again(town, project):
    leader = town.users["leader"]
    project_deliver(actor=leader, project=project, reply_text="已更换", channel="sms")
    events = IssueEvent.objects.count()
    timeline = ProjectEvent.objects.count()
    again = project_deliver(actor=leader, project=project, reply_text="再说一遍", channel="sms")
    assert again.answered == [] and again.skipped == [] and again.failed == {}
    assert IssueEvent.objects.count() == events and ProjectEvent.objects.count() == timeline
    project.refresh_from_db()
    assert project.delivery_text == "已更换"


def test_each_answered_issue_is_still_rated_on_its_own(town, project):
    project_deliver(actor=town.users["leader"], project=project, reply_text="已更换",
                    channel="sms")  # fmt: skip
    first, second = [link.issue for link in project.links.filter(answered_at__isnull=False)[:2]]
    issue_transition(issue=first, action="rate", actor=town.users["cadre"],
                     satisfaction="satisfied")  # fmt: skip
    second.refresh_from_db()
    first.refresh_from_db()
    assert first.status == Status.RATED and second.status == Status.REPLIED


def test_only_managers_deliver_and_bad_input_is_a_field_error(town, project):
    from django.core.exceptions import PermissionDenied, ValidationError

    with pytest.raises(PermissionDenied):
        project_deliver(actor=town.users["staff2"], project=project, reply_text="x",
                        channel="sms")  # fmt: skip
    with pytest.raises(ValidationError) as exc:
        project_deliver(actor=town.users["staff"], project=project, reply_text=" ",
                        channel="pigeon")  # fmt: skip
    assert set(exc.value.message_dict) == {"reply_text", "channel"}
    assert not _replies(project.links.values("issue_id")).filter(actor=town.users["staff"])


def test_the_timeline_records_promises_and_what_was_done_by_whom(town, project):
    staff = town.users["staff"]
    milestone = project.milestones.get()
    milestone_complete(actor=staff, milestone=milestone)
    milestone_complete(actor=staff, milestone=milestone)  # a second click changes nothing
    project_progress_set(actor=staff, project=project, progress=60, note="换了一半")
    kinds = list(project.events.values_list("kind", "actor"))
    assert kinds == [
        ("created", town.users["leader"].pk),
        ("promised", town.users["leader"].pk),
        ("milestone_done", staff.pk),
        ("progress", staff.pk),
    ]
