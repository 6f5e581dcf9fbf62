"""Intake in a large scope (issue 15 item 7): the staff member finds the household by the head's
name instead of typing a 户编号, registers the issue, and its page links to the household."""

import pytest
from playwright.sync_api import expect

from issues.forms import IntakeForm
from issues.models import Issue
from liaison.roles import Role
from tests.e2e.conftest import DESKTOP, login, navigate, screenshot
from tests.factories import HouseholdFactory, VillageFactory

PASSWORD = "Passw0rd!x"


@pytest.mark.e2e
def test_staff_find_the_household_by_name(new_page, transactional_db, make_user, monkeypatch):
    monkeypatch.setattr(IntakeForm, "SELECT_LIMIT", 0)  # the demo's 7,601 households: search
    village = VillageFactory(name="幸福村")
    township = village.township
    admin = make_user(Role.ADMIN, workgroup=None, township=township, name="管理员")
    household = HouseholdFactory(
        village=village, township=township, head_name="赵大爷", address="幸福路12号",
        phone="13800135678",
    )  # fmt: skip
    HouseholdFactory(village=village, township=township, head_name="钱二婶")

    page = new_page(viewport=DESKTOP)
    login(page, admin.username, PASSWORD)
    page.goto("/issues/new/")
    page.fill("[data-testid=household-q]", "5678")
    result = page.locator(f"[data-testid=household-results] [data-household='{household.pk}']")
    expect(result).to_contain_text("赵大爷")
    expect(page.locator("[data-testid=household-results] [data-household]")).to_have_count(1)
    screenshot(page, "intake-household-search")
    result.click()
    expect(page.locator("[data-testid=household-picked]")).to_contain_text("赵大爷")
    page.fill("#id_description", "屋顶漏雨，需要修缮")
    navigate(page, "[data-testid=intake-submit]")
    issue = Issue.objects.get()
    assert issue.household == household
    expect(page.locator("[data-testid=household-link]")).to_contain_text("赵大爷")
    expect(page.locator("[data-testid=contact-masked]")).to_have_text("138****5678")
    screenshot(page, "intake-issue-page-household-link")
