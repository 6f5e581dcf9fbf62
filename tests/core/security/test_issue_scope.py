"""Issue #12, findings 4 and 13: every list of issues starts from the issues policy.

"Similar issues" (intake form, triage queue, issue page), the household page, the visit page and
the merge target are loaded through `issues.access.issues_visible_to`: nobody sees, finds or
writes on an issue they could not open, and an issue out of scope looks exactly like a number
that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from issues.access import issues_visible_to
from issues.models import Issue, IssueEvent, Status
from issues.selectors import similar_for_queue, similar_open_issues
from issues.services import issue_report
from issues.workflow import issue_transition
from liaison.roles import Role
from tests.factories import (
    CommitteeFactory,
    CommitteeMembershipFactory,
    HouseholdFactory,
    PairingFactory,
    VillageFactory,
    WorkGroupFactory,
)
from visits.models import Visit

TEXT = "村东头的路灯坏了，晚上看不见路"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@dataclass
class Town:
    admin: object
    staff: object  # committee staff of `mine`
    cadre: object  # paired with `paired` only
    grouplead: object
    paired: object  # household of the cadre, village V
    neighbour: object  # household of village V, not the cadre's
    mine: object  # committee of the staff
    theirs: object  # another committee
    village: object


@pytest.fixture
def town(db, make_user) -> Town:
    village = VillageFactory()
    township = village.township
    workgroup = WorkGroupFactory(village=village, township=township)
    mine = CommitteeFactory(township=township, code="social_governance", name="社会治理")
    theirs = CommitteeFactory(township=township, code="urban_planning", name="城建规划")
    admin = make_user(Role.ADMIN, workgroup=None, township=township)
    staff = make_user(Role.COMMITTEE_STAFF, workgroup=None, township=township)
    CommitteeMembershipFactory(committee=mine, cadre=staff.cadre)
    cadre = make_user(Role.CADRE, workgroup=workgroup, township=township)
    grouplead = make_user(Role.GROUP_LEADER, workgroup=workgroup, township=township)
    paired = HouseholdFactory(village=village, township=township)
    PairingFactory(cadre=cadre.cadre, household=paired)
    neighbour = HouseholdFactory(village=village, township=township)
    return Town(admin, staff, cadre, grouplead, paired, neighbour, mine, theirs, village)


def _report(town, household, text=TEXT, *, committee=None):
    """An open issue on `household`, triaged to `committee` when given."""
    issue = issue_report(actor=town.admin, household=household, description=text)
    if committee is not None:
        issue = issue_transition(
            issue=issue,
            action="triage",
            actor=town.admin,
            committee=committee.pk,
            level="village",
            village=town.village.pk,
        ).issue
    return issue


def _openable(user, issues) -> bool:
    visible = set(issues_visible_to(user).values_list("pk", flat=True))
    return all(i.pk in visible for i in issues)


# --- Finding 4: similar issues -----------------------------------------------------------------
def test_intake_similar_issues_never_list_a_neighbours_issue_to_a_cadre(client, town):
    # given: an open issue on the cadre's own household, and a similar one on a household of the
    # same village that is not the cadre's
    own = _report(town, town.paired)
    hidden = _report(town, town.neighbour)
    client.force_login(town.cadre)
    # when: the cadre submits the intake form for its own household without confirming
    response = client.post(
        reverse("issues:intake"),
        {
            "household": town.paired.pk,
            "description": TEXT,
            "source": "walk_in",
            "urgency": "normal",
        },
    )
    # then: nothing is created yet; the similar list holds the cadre's issue, not the neighbour's
    assert response.status_code == 200
    assert list(response.context["similar"]) == [own]
    assert f'data-similar="{hidden.pk}"' not in response.content.decode()
    assert Issue.objects.count() == 2


def test_issue_page_similar_list_is_scoped_for_the_cadre(client, town):
    # given: the cadre's issue and a similar one of the neighbour's household
    own = _report(town, town.paired)
    hidden = _report(town, town.neighbour)
    client.force_login(town.cadre)
    # when
    response = client.get(reverse("issues:detail", args=[own.pk]))
    # then
    assert response.status_code == 200
    assert hidden not in response.context["similar"]
    assert _openable(town.cadre, response.context["similar"])


def test_triage_queue_and_issue_page_similar_lists_are_scoped_for_committee_staff(client, town):
    # given: a reported issue (the staff sees every reported one) and, on the same household, an
    # issue already triaged to another committee (not the staff's to see)
    waiting = _report(town, town.neighbour)
    other_committee = _report(town, town.neighbour, committee=town.theirs)
    assert other_committee not in issues_visible_to(town.staff)
    client.force_login(town.staff)
    # when: the staff opens the triage queue and the waiting issue
    queue = client.get(reverse("issues:triage"))
    detail = client.get(reverse("issues:detail", args=[waiting.pk]))
    # then: neither shows the other committee's issue
    rows = {row["issue"].pk: row["similar"] for row in queue.context["rows"]}
    assert other_committee not in rows[waiting.pk]
    assert f'href="{other_committee.get_absolute_url()}"' not in queue.content.decode()
    assert other_committee not in detail.context["similar"]
    assert _openable(town.staff, detail.context["similar"])


def test_similar_selectors_take_the_user_and_start_from_the_policy(town):
    # given: one issue the staff may open (reported) and one it may not (another committee's)
    visible = _report(town, town.neighbour)
    hidden = _report(town, town.neighbour, committee=town.theirs)
    # when
    found = similar_open_issues(
        user=town.staff,
        township_id=town.village.township_id,
        description=TEXT,
        household_id=town.neighbour.pk,
        village_id=town.village.pk,
    )
    queue = similar_for_queue([visible], user=town.staff)
    # then
    assert found == [visible]
    assert queue[visible.pk] == []
    assert hidden not in found


def test_household_page_lists_only_the_issues_the_viewer_may_open(client, town):
    # given: the staff reads the household through its committee's issue; the household also
    # has an issue of another committee
    ours = _report(town, town.neighbour, "门前排水沟堵塞", committee=town.mine)
    theirs = _report(town, town.neighbour, "院墙开裂需要维修", committee=town.theirs)
    client.force_login(town.staff)
    # when
    response = client.get(reverse("households:detail", args=[town.neighbour.pk]))
    # then
    assert response.status_code == 200
    assert ours in response.context["issues"]
    assert theirs not in response.context["issues"]


def test_visit_page_lists_only_the_issues_the_viewer_may_open(client, town, make_user):
    # given: a cadre of the group paired with a household of a village outside the group logs a
    # visit there and raises an issue; the group leader reads the visit (its cadre is in the group)
    # but not the issue (not in the group's villages)
    elsewhere = VillageFactory(township=town.village.township)
    far = HouseholdFactory(village=elsewhere, township=elsewhere.township)
    PairingFactory(cadre=town.cadre.cadre, household=far)
    visit = Visit.objects.create(cadre=town.cadre.cadre, household=far, notes="走访了解情况")
    raised = issue_report(actor=town.cadre, household=far, description=TEXT, visit=visit)
    assert raised not in issues_visible_to(town.grouplead)
    client.force_login(town.grouplead)
    # when
    response = client.get(reverse("liaison:visit-detail", args=[visit.pk]))
    # then
    assert response.status_code == 200
    assert raised not in response.context["issues"]


# --- Finding 13: the merge target goes through the policy ---------------------------------------
def _merge_form(client, issue, into):
    return client.post(
        reverse("issues:act", args=[issue.pk, "merge"]), {"merge-into": into, "merge-note": "重复"}
    )


def test_merging_into_an_issue_out_of_scope_is_refused_like_a_missing_number(client, town):
    # given: a reported issue the staff may merge, and an issue of another committee
    dup = _report(town, town.neighbour)
    hidden = _report(town, town.neighbour, committee=town.theirs)
    events_before = IssueEvent.objects.filter(issue=hidden).count()
    client.force_login(town.staff)
    # when: the staff merges into the hidden issue, then into a number that does not exist
    out_of_scope = _merge_form(client, dup, hidden.pk)
    missing = _merge_form(client, dup, 987654)
    # then: both are the same field error, nothing is written on either issue
    assert out_of_scope.status_code == missing.status_code == 400
    assert out_of_scope.context["action_forms"]
    errors = {f.transition.action: f.errors for f in out_of_scope.context["action_forms"]}
    missing_errors = {f.transition.action: f.errors for f in missing.context["action_forms"]}
    assert errors["merge"] == missing_errors["merge"]
    assert "into" in errors["merge"]
    dup.refresh_from_db()
    assert (dup.status, dup.merged_into_id) == (Status.REPORTED, None)
    assert IssueEvent.objects.filter(issue=hidden).count() == events_before
    assert not IssueEvent.objects.filter(issue=hidden, action="merged_in").exists()


def test_api_merge_into_an_issue_out_of_scope_answers_as_for_a_missing_number(town):
    # given
    dup = _report(town, town.neighbour)
    hidden = _report(town, town.neighbour, committee=town.theirs)
    api = APIClient()
    api.force_authenticate(town.staff)
    url = f"/api/v1/issues/{dup.pk}/merge/"
    # when
    out_of_scope = api.post(url, {"into": hidden.pk, "note": "重复"}, format="json")
    missing = api.post(url, {"into": 987654, "note": "重复"}, format="json")
    # then: the same 400 body, and the hidden issue is untouched
    assert out_of_scope.status_code == missing.status_code == 400
    assert out_of_scope.json() == missing.json()
    assert "into" in out_of_scope.json()
    assert not IssueEvent.objects.filter(issue=hidden, action="merged_in").exists()
    dup.refresh_from_db()
    assert dup.status == Status.REPORTED


def test_merge_into_an_issue_in_scope_still_works_for_the_staff(town):
    # given: two reported issues (both visible to committee staff)
    dup = _report(town, town.neighbour)
    keep = _report(town, town.paired)
    # when
    dup = issue_transition(issue=dup, action="merge", actor=town.staff, into=keep.pk).issue
    # then
    assert dup.merged_into == keep
    assert keep.events.filter(action="merged_in", payload__from=dup.pk).exists()
