"""Who sees which issue and who may do what, per role."""

import pytest
from django.http import Http404

from households.access import households_visible_to
from issues.access import access_issue, issue_household_ids_for, issues_visible_to, may_act
from issues.workflow import issue_transition
from liaison.roles import Role
from tests.factories import HouseholdFactory


@pytest.fixture
def two_issues(world, new_issue):
    mine = new_issue()  # the cadre's paired household, in the group's village
    stranger = HouseholdFactory(village=world.other_village, township=world.township)
    other = new_issue("别村的诉求", household=stranger, actor="staff")
    return mine, other


VISIBLE = {
    "admin": {"mine", "other"},
    "leader": {"mine", "other"},
    "staff": {"mine", "other"},  # the untriaged queue of their township
    "grouplead": {"mine"},
    "cadre": {"mine"},
    "village": {"mine"},
    "dept": set(),
}


@pytest.mark.parametrize("role", list(VISIBLE))
def test_visibility_per_role(world, two_issues, role):
    mine, other = two_issues
    names = {mine.pk: "mine", other.pk: "other"}
    seen = {names[i.pk] for i in issues_visible_to(world.users[role])}
    assert seen == VISIBLE[role]


def test_out_of_scope_is_404(world, two_issues):
    _mine, other = two_issues
    with pytest.raises(Http404):
        access_issue(world.users["cadre"], other.pk)
    with pytest.raises(Http404):
        access_issue(world.users["cadre"], "not-a-number")


def test_staff_lose_issues_triaged_to_another_committee(world, two_issues):
    from tests.factories import CommitteeFactory

    _mine, other = two_issues
    economy = CommitteeFactory(
        township=world.township, code="economic_development", name="经济发展"
    )
    issue_transition(
        issue=other,
        action="triage",
        actor=world.users["admin"],
        committee=economy.pk,
        level="township",
    )
    assert not issues_visible_to(world.users["staff"]).filter(pk=other.pk).exists()


ACT = {
    # role -> may triage a reported issue in their township
    "admin": True,
    "leader": False,
    "staff": True,
    "grouplead": False,
    "cadre": False,
    "village": False,
    "dept": False,
}


@pytest.mark.parametrize("role", list(ACT))
def test_triage_permission_per_role(world, two_issues, role):
    mine, _other = two_issues
    assert may_act(world.users[role], mine, "triage") is ACT[role]


def test_village_handler_acts_only_at_village_level_in_their_village(world, two_issues, advance):
    mine, other = two_issues
    mine = advance(mine, "triaged")
    other = advance(other, "triaged")
    handler = world.users["village"]
    assert may_act(handler, mine, "start")
    assert not may_act(handler, other, "start")
    mine = issue_transition(issue=mine, action="escalate", actor=handler, note="需乡级协调").issue
    assert mine.level == "township"
    assert not may_act(handler, mine, "start")
    assert issues_visible_to(handler).filter(pk=mine.pk).exists()  # still readable


def test_department_liaison_acts_on_their_department_at_district_level(world, two_issues):
    mine, _ = two_issues
    dept = world.users["dept"]
    mine = issue_transition(
        issue=mine, action="triage", actor=world.users["staff"], committee=world.committee.pk,
        level="district", department=world.department.pk,
    ).issue  # fmt: skip
    assert mine.ack_due_at is not None
    assert issues_visible_to(dept).filter(pk=mine.pk).exists()
    assert may_act(dept, mine, "acknowledge")
    mine = issue_transition(issue=mine, action="acknowledge", actor=dept).issue
    assert mine.acked_at is not None
    assert may_act(dept, mine, "start")
    assert not may_act(world.users["village"], mine, "start")
    # and they read the household the issue concerns
    ids = set(issue_household_ids_for(dept, {Role.DEPARTMENT_LIAISON}))
    assert ids == {mine.household_id}
    assert households_visible_to(dept).filter(pk=mine.household_id).exists()


def test_cadre_may_reply_and_rate_but_not_resolve(world, two_issues, advance):
    mine, _ = two_issues
    cadre = world.users["cadre"]
    mine = advance(mine, "in_progress")
    assert not may_act(cadre, mine, "resolve")
    mine = advance(mine, "resolved")
    assert may_act(cadre, mine, "reply")
    mine = advance(mine, "replied")
    assert may_act(cadre, mine, "rate")
    assert not may_act(world.users["leader"], mine, "rate")
