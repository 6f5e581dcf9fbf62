"""A district leader compares townships in a real browser: one row per township with its issues,
rates and visit coverage, a township ranking, a drill-down into one township's dashboard (its
villages, committees and work groups) for the same period, and the way back."""

import pytest
from playwright.sync_api import expect

from liaison.roles import Role
from tests.dashboard.conftest import build_town
from tests.e2e.conftest import DESKTOP, login, navigate, screenshot
from tests.factories import UserFactory

PASSWORD = "Passw0rd!x"
MARCH = "/liaison/dashboard/?period=month&year=2025&month=3"


@pytest.fixture
def district(transactional_db, make_user):
    town = build_town(make_user)
    other = build_town(make_user)
    other.township.name = "第二镇"
    other.township.save()
    chief = UserFactory(username="quling", roles=[Role.LEADER])
    return town, other, chief


@pytest.mark.e2e
def test_district_leader_compares_townships_and_drills_into_one(new_page, district):
    town, other, chief = district
    page = new_page(viewport=DESKTOP)
    login(page, chief.username, PASSWORD)
    page.goto(MARCH)
    expect(page.get_by_test_id("dashboard-title")).to_contain_text("全区统计分析")
    rows = page.locator("[data-testid=townships] tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="第二镇")).to_contain_text("7")
    expect(page.get_by_test_id("ranking-township")).to_be_attached()
    expect(page.locator("#chart-village")).to_have_count(0)
    screenshot(page, "district-dashboard-desktop")

    navigate(page, rows.filter(has_text="第二镇").locator("a[data-drill=township]"))
    assert f"township={other.township.pk}" in page.url
    expect(page.get_by_test_id("dashboard-title")).to_contain_text("第二镇统计分析")
    expect(page.get_by_test_id("period-label")).to_contain_text("2025")
    expect(page.get_by_test_id("table-village")).to_contain_text("西村")
    screenshot(page, "district-drilldown-desktop")

    # the period form keeps the township: switching to the quarter stays in 第二镇
    page.locator("#id_period").select_option("quarter")
    navigate(page, page.get_by_test_id("period-apply"))
    assert f"township={other.township.pk}" in page.url and "period=quarter" in page.url
    expect(page.get_by_test_id("dashboard-title")).to_contain_text("第二镇统计分析")

    navigate(page, page.get_by_test_id("to-district"))
    expect(page.get_by_test_id("dashboard-title")).to_contain_text("全区统计分析")
    assert "township=" not in page.url
