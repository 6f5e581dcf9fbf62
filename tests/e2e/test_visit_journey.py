"""Phone-sized journey (390×844): a cadre logs a contact-day visit and raises an issue from it;
the group leader's coverage figure for the month moves."""

import pytest
from playwright.sync_api import expect

from liaison.roles import Role
from tests.e2e.conftest import PHONE, login, navigate, screenshot
from tests.factories import (
    CadreFactory,
    HouseholdFactory,
    PairingFactory,
    TownshipFactory,
    UserFactory,
    VillageFactory,
    WorkGroupFactory,
)
from visits.models import Visit

pytestmark = [pytest.mark.e2e]


@pytest.fixture
def world(transactional_db):
    township = TownshipFactory(code="qx", name="青溪镇")
    village = VillageFactory(township=township, name="东村")
    group = WorkGroupFactory(township=township, village=village, name="东村工作组")
    leader = CadreFactory(
        user=UserFactory(username="zuzhang", roles=[Role.GROUP_LEADER]),
        township=township, workgroup=group, name="李组长",
    )  # fmt: skip
    group.leader = leader
    group.save()
    cadre = CadreFactory(
        user=UserFactory(username="wang", roles=[Role.CADRE]),
        township=township, workgroup=group, name="王干部",
    )  # fmt: skip
    for n in range(1, 5):
        household = HouseholdFactory(
            township=township, village=village, code=f"E{n:03d}", head_name=f"赵{n}",
            address=f"东村幸福路{n}号",
        )  # fmt: skip
        PairingFactory(cadre=cadre, household=household)
    return {"cadre": cadre, "leader": leader}


def month_coverage(page) -> str:
    page.goto("/")
    return page.locator("[data-stat=month-coverage]").inner_text().strip()


def test_cadre_logs_visit_raises_issue_and_coverage_moves(world, new_page):
    from issues.models import Issue

    leader_page = new_page(viewport=PHONE)
    login(leader_page, "zuzhang", "Passw0rd!x")
    assert month_coverage(leader_page) == "0.0%"
    screenshot(leader_page, "visits-01-leader-before")

    page = new_page(viewport=PHONE)
    login(page, "wang", "Passw0rd!x")
    assert page.locator("[data-testid=month-status]").inner_text().startswith("本月已走访 0 / 4")
    screenshot(page, "visits-02-cadre-home")
    navigate(page, "[data-testid=log-visit]")
    page.fill("[data-testid=household-search]", "赵3")
    page.click("[data-testid=pick-E003]")
    assert "赵3" in page.locator("[data-testid=picked-household]").inner_text()
    page.fill("#id_met_with", "户主本人")
    page.fill("#id_notes", "老人腿脚不便，门口台阶太高，希望加装扶手。")
    page.click("label[for=tag-elderly]")
    page.click("label[for=tag-housing]")
    page.check("#id_raise_issue")
    page.fill("#id_issue_description", "门口台阶太高，申请加装扶手")
    screenshot(page, "visits-03-form-filled")
    navigate(page, "[data-testid=save-visit]")
    assert "诉求已登记" in page.content()
    assert "门口台阶太高，申请加装扶手" in page.locator("[data-testid=visit-issues]").inner_text()
    screenshot(page, "visits-04-visit-saved")

    visit = Visit.objects.get()
    assert visit.household.code == "E003" and visit.tag_list == ["housing", "elderly"]
    issue = Issue.objects.get()
    assert issue.visit_id == visit.pk and issue.status == "reported"

    page.goto("/")
    assert page.locator("[data-testid=month-status]").inner_text().startswith("本月已走访 1 / 4")
    page.goto("/liaison/visits/")
    assert "赵3" in page.locator("[data-testid=diary]").inner_text()
    screenshot(page, "visits-05-diary")

    assert month_coverage(leader_page) == "25.0%"
    assert "王干部" in leader_page.locator("[data-testid=laggards]").inner_text()
    screenshot(leader_page, "visits-06-leader-after")


def test_group_leader_pairs_unpaired_households_by_filter(world, new_page):
    from liaison.models import Pairing

    village = world["cadre"].workgroup.village
    for n in range(5, 8):
        HouseholdFactory(township=village.township, village=village, code=f"E{n:03d}")
    page = new_page()
    login(page, "zuzhang", "Passw0rd!x")
    navigate(page, "[data-nav='liaison:pairings']")
    assert "3 户尚无联系干部" in page.locator("[data-testid=warn-unpaired]").inner_text()
    navigate(page, "[data-testid=warn-unpaired] a")
    page.select_option("#id_cadre", label="王干部 · 东村工作组")
    page.check("#id_by_filter")
    screenshot(page, "visits-07-pairing-by-filter")
    navigate(page, "[data-testid=assign]")
    assert "已分配 3 户" in page.content()
    expect(page.locator("[data-testid=warn-unpaired]")).to_have_count(0)
    assert Pairing.objects.current().filter(cadre=world["cadre"]).count() == 7
