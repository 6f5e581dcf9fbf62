"""The committees page: workload per committee, members, departments; constant queries."""

import pytest
from django.urls import reverse

from issues.services import issue_report
from issues.workflow import issue_transition
from issues.workload import committees_overview, departments_overview
from liaison.roles import Role
from tests.factories import (
    CommitteeFactory,
    CommitteeMembershipFactory,
    DepartmentFactory,
    HouseholdFactory,
)


@pytest.fixture
def setup(db, make_user, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    household = HouseholdFactory()
    township = household.township
    governance = CommitteeFactory(township=township)
    economy = CommitteeFactory(township=township, code="economic_development", name="经济发展")
    staff = make_user(Role.COMMITTEE_STAFF, workgroup=None, township=township)
    CommitteeMembershipFactory(committee=governance, cadre=staff.cadre, is_head=True)
    department = DepartmentFactory(name="区水务局")
    return township, governance, economy, staff, household, department


def _issues(n, township, staff, household, committee, department=None):
    for k in range(n):
        issue = issue_report(actor=staff, household=household, description=f"诉求{k}")
        data = {"committee": committee.pk, "level": "village"}
        if department:
            data.update(level="district", department=department.pk)
        issue_transition(issue=issue, action="triage", actor=staff, **data)


def test_workload_counts_per_committee(setup):
    township, governance, economy, staff, household, department = setup
    _issues(3, township, staff, household, governance)
    _issues(1, township, staff, household, economy, department)
    rows = {r["committee"].code: r for r in committees_overview(township_id=township.pk)}
    assert rows["social_governance"]["open"] == 3
    assert rows["economic_development"]["open"] == 1
    assert [m.cadre for m in rows["social_governance"]["members"]] == [staff.cadre]
    water = next(d for d in departments_overview(township_id=township.pk) if d.pk == department.pk)
    assert (water.open_issues, water.awaiting_ack) == (1, 1)


def test_query_count_is_constant(setup, django_assert_num_queries):
    township, governance, economy, staff, household, department = setup
    _issues(2, township, staff, household, governance)
    with django_assert_num_queries(2):
        committees_overview(township_id=township.pk)
    _issues(5, township, staff, household, economy)
    with django_assert_num_queries(2):
        committees_overview(township_id=township.pk)
    with django_assert_num_queries(2):
        list(departments_overview(township_id=None))


def test_page_for_staff_not_for_cadres(setup, client, make_user):
    township, *_rest = setup
    staff = setup[3]
    client.force_login(staff)
    response = client.get(reverse("issues:committees"))
    assert response.status_code == 200
    assert 'data-committee="social_governance"' in response.content.decode()
    client.force_login(make_user(Role.CADRE))
    assert client.get(reverse("issues:committees")).status_code == 403
