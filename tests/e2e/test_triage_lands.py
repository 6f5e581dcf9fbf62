"""Committee staff triage an issue to another committee, the suggested one, and land on the
triage queue with the message, not on a page they may no longer open (issue 15 item 2)."""

import pytest
from playwright.sync_api import expect

from issues.models import Status
from issues.services import issue_report
from liaison.roles import Role
from tests.e2e.conftest import DESKTOP, login, navigate, screenshot
from tests.factories import (
    CommitteeFactory,
    CommitteeMembershipFactory,
    HouseholdFactory,
    PairingFactory,
    VillageFactory,
    WorkGroupFactory,
)

PASSWORD = "Passw0rd!x"


@pytest.mark.e2e
def test_staff_triage_to_another_committee_lands_on_the_queue(
    new_page, transactional_db, make_user
):
    village = VillageFactory(name="幸福村")
    township = village.township
    workgroup = WorkGroupFactory(village=village, township=township)
    mine = CommitteeFactory(township=township, name="民生文化", code="livelihood_culture")
    other = CommitteeFactory(
        township=township, name="城建规划", code="urban_planning", keywords="路灯、道路"
    )
    staff = make_user(Role.COMMITTEE_STAFF, workgroup=None, township=township, name="李干事")
    CommitteeMembershipFactory(committee=mine, cadre=staff.cadre, is_head=True)
    cadre = make_user(Role.CADRE, workgroup=workgroup, township=township, name="刘干部")
    household = HouseholdFactory(village=village, township=township, head_name="赵大爷")
    PairingFactory(cadre=cadre.cadre, household=household)
    issue = issue_report(
        actor=cadre, household=household, description="村口路灯坏了，晚上出行不安全", source="visit"
    )

    page = new_page(viewport=DESKTOP)
    login(page, staff.username, PASSWORD)
    page.goto(f"/issues/{issue.pk}/")
    expect(page.locator("[data-testid=suggested]")).to_contain_text("城建规划")
    page.select_option("#id_triage-committee", str(other.pk))
    page.select_option("#id_triage-level", "village")
    navigate(page, "button[data-action=triage]")
    assert page.url.endswith("/issues/triage/")
    expect(page.locator(".alert-success[role=alert]")).to_contain_text("已分派")
    expect(page.locator(".alert-info[role=alert]")).to_contain_text(f"#{issue.pk}")
    expect(page.locator(f"[data-testid=triage-list] [data-issue='{issue.pk}']")).to_have_count(0)
    screenshot(page, "triage-lands-on-queue")
    issue.refresh_from_db()
    assert (issue.status, issue.committee) == (Status.TRIAGED, other)
