"""The transition table, exercised from the table itself: every allowed (state, action) pair
applies, every other pair is refused with TransitionNotAllowed."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from issues.access import may_act
from issues.models import Issue, IssueEvent, Status
from issues.transitions import ACTIONS, TRANSITIONS, TransitionNotAllowed
from issues.workflow import issue_transition
from liaison.roles import Role

# A valid payload and an allowed actor for each action, from the world fixture.
PAYLOAD = {
    "triage": ("staff", lambda w: {"committee": w.committee.pk, "level": "village"}),
    "merge": ("staff", None),  # filled in the test: needs another issue
    "start": ("village", lambda w: {}),
    "contact": ("village", lambda w: {"contact_channel": "phone"}),
    "assign": ("staff", lambda w: {"handler": w.users["village"].cadre.pk}),
    "acknowledge": ("dept", lambda w: {}),
    "progress": ("village", lambda w: {"note": "已到现场查看"}),
    "escalate": ("village", lambda w: {"note": "材料已整理"}),
    "resolve": ("village", lambda w: {"result": "已修复"}),
    "explain": ("village", lambda w: {"explanation": "不属于本级职责，已说明"}),
    "reply": ("cadre", lambda w: {"channel": "visit", "reply_text": "上门告知"}),
    "rate": ("cadre", lambda w: {"satisfaction": "basic"}),
    "reopen": ("cadre", lambda w: {"note": "群众仍不满意"}),
    "archive": ("staff", lambda w: {}),
}
STATES = list(Status.values)


def _issue_in(status, world, new_issue, advance):
    """An issue sitting in `status`, reached through the workflow itself."""
    issue = new_issue()
    if status == Status.REPORTED:
        return issue
    if status == Status.MERGED:
        other = new_issue("另一件")
        return issue_transition(
            issue=issue, action="merge", actor=world.users["staff"], into=other.pk
        ).issue
    if status == Status.EXPLAINED:
        issue = advance(issue, "in_progress")
        return issue_transition(
            issue=issue, action="explain", actor=world.users["village"], explanation="已解释"
        ).issue
    return advance(issue, status)


def _prepare_for(action, issue, world):
    """Some allowed pairs need a precondition the table's guards check."""
    if action == "acknowledge":
        Issue.objects.filter(pk=issue.pk).update(level="district", department=world.department)
    if action == "reopen":
        Issue.objects.filter(pk=issue.pk).update(satisfaction="unsatisfied")
    issue.refresh_from_db()
    return issue


@pytest.mark.parametrize(("status", "action"), sorted(TRANSITIONS))
def test_every_allowed_transition_applies_and_records_an_event(
    status, action, world, new_issue, advance
):
    issue = _issue_in(status, world, new_issue, advance)
    issue = _prepare_for(action, issue, world)
    who, payload = PAYLOAD[action]
    data = payload(world) if payload else {"into": new_issue("目标诉求").pk}
    events_before = IssueEvent.objects.filter(issue=issue).count()

    result = issue_transition(issue=issue, action=action, actor=world.users[who], **data).issue

    assert result.status == TRANSITIONS[(status, action)].target
    last = IssueEvent.objects.filter(issue=issue).order_by("-id").first()
    assert IssueEvent.objects.filter(issue=issue).count() == events_before + 1
    assert (last.action, last.from_status, last.to_status) == (action, status, result.status)
    assert last.actor == world.users[who]


FORBIDDEN = [(s, a) for s in STATES for a in ACTIONS if (s, a) not in TRANSITIONS]


@pytest.mark.parametrize(("status", "action"), FORBIDDEN)
def test_every_forbidden_transition_is_refused(status, action, world, new_issue, advance):
    issue = _issue_in(status, world, new_issue, advance)
    events_before = IssueEvent.objects.filter(issue=issue).count()

    with pytest.raises(TransitionNotAllowed):
        issue_transition(issue=issue, action=action, actor=world.users["admin"], note="x")

    issue.refresh_from_db()
    assert issue.status == status
    assert IssueEvent.objects.filter(issue=issue).count() == events_before


def test_unknown_action_is_refused(world, new_issue):
    with pytest.raises(TransitionNotAllowed):
        issue_transition(issue=new_issue(), action="delete", actor=world.users["admin"])


def test_missing_fields_are_field_errors(world, new_issue):
    with pytest.raises(ValidationError) as exc:
        issue_transition(issue=new_issue(), action="triage", actor=world.users["staff"])
    assert set(exc.value.message_dict) == {"committee", "level"}


def test_district_triage_needs_a_department(world, new_issue):
    with pytest.raises(ValidationError) as exc:
        issue_transition(
            issue=new_issue(),
            action="triage",
            actor=world.users["staff"],
            committee=world.committee.pk,
            level="district",
        )
    assert "department" in exc.value.message_dict


def test_committee_of_another_township_is_rejected(world, new_issue):
    from tests.factories import CommitteeFactory

    foreign = CommitteeFactory()
    with pytest.raises(ValidationError) as exc:
        issue_transition(
            issue=new_issue(),
            action="triage",
            actor=world.users["staff"],
            committee=foreign.pk,
            level="village",
        )
    assert "committee" in exc.value.message_dict


def test_a_role_outside_the_table_is_denied(world, new_issue):
    with pytest.raises(PermissionDenied):
        issue_transition(
            issue=new_issue(),
            action="triage",
            actor=world.users["leader"],
            committee=world.committee.pk,
            level="village",
        )


def test_events_are_append_only(world, new_issue):
    event = new_issue().events.get()
    event.note = "changed"
    with pytest.raises(ValueError, match="append-only"):
        event.save()
    with pytest.raises(ValueError, match="append-only"):
        event.delete()


def test_the_callback_is_by_someone_other_than_the_handler(world, new_issue, advance):
    issue = advance(new_issue(), "in_progress")
    issue = issue_transition(
        issue=issue, action="resolve", actor=world.users["staff"], result="已处理"
    ).issue
    issue = issue_transition(
        issue=issue, action="reply", actor=world.users["staff"], channel="sms", reply_text="已告知"
    ).issue
    with pytest.raises(TransitionNotAllowed, match="承办人以外"):
        issue_transition(
            issue=issue, action="rate", actor=world.users["staff"], satisfaction="satisfied"
        )
    issue = issue_transition(
        issue=issue, action="rate", actor=world.users["cadre"], satisfaction="satisfied"
    ).issue
    assert issue.rated_by == world.users["cadre"]
    assert issue.closed_by == world.users["staff"]


def test_merge_closes_the_duplicate_and_notes_it_on_the_other(world, new_issue):
    keep, dup = new_issue(), new_issue("村口路灯不亮")
    dup = issue_transition(
        issue=dup, action="merge", actor=world.users["staff"], into=keep.pk
    ).issue
    assert dup.status == Status.MERGED
    assert dup.merged_into == keep
    assert keep.events.filter(action="merged_in", payload__from=dup.pk).exists()
    assert Issue.objects.filter(pk=dup.pk).exists()  # never deleted


def test_merge_into_itself_is_a_field_error(world, new_issue):
    issue = new_issue()
    with pytest.raises(ValidationError) as exc:
        issue_transition(issue=issue, action="merge", actor=world.users["staff"], into=issue.pk)
    assert "into" in exc.value.message_dict


ROLE_USERS = {
    Role.ADMIN: "admin",
    Role.LEADER: "leader",
    Role.COMMITTEE_STAFF: "staff",
    Role.GROUP_LEADER: "grouplead",
    Role.CADRE: "cadre",
    Role.VILLAGE_HANDLER: "village",
    Role.DEPARTMENT_LIAISON: "dept",
}


@pytest.mark.parametrize(("status", "action"), sorted(TRANSITIONS))
def test_action_permission_per_role_follows_the_table(status, action, world, new_issue, advance):
    """Every role, on an issue squarely in its scope, may act exactly when the table says so."""
    issue = _issue_in(status, world, new_issue, advance)
    if status != Status.REPORTED:
        Issue.objects.filter(pk=issue.pk).update(committee=world.committee)
    for role, name in ROLE_USERS.items():
        level = "district" if role == Role.DEPARTMENT_LIAISON else "village"
        Issue.objects.filter(pk=issue.pk).update(level=level, department=world.department)
        issue.refresh_from_db()
        expected = role in TRANSITIONS[(status, action)].roles
        assert may_act(world.users[name], issue, action) is expected, (role, status, action)
