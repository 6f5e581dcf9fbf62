"""Fair rankings in a real browser (issue 19 part 3): the leader reads the village ranking with
each rate's n and Wilson interval, finds the small village listed apart as 样本不足 rather than
ranked last, and drills down from a ranked village to its issues; the group leader's phone."""

import pytest
from playwright.sync_api import expect

from tests.dashboard.conftest import build_town
from tests.dashboard.rankings_world import add_resolved
from tests.e2e.conftest import DESKTOP, PHONE, login, navigate, screenshot

PASSWORD = "Passw0rd!x"
MARCH = "/liaison/dashboard/?period=month&year=2025&month=3"


@pytest.fixture
def town(transactional_db, make_user):
    # 东村 has 10 finished issues in March 2025, 西村 a few: with the default minimum of 10,
    # one is ranked and one listed apart
    town = build_town(make_user)
    add_resolved(town, 7)
    return town


@pytest.mark.e2e
def test_leader_reads_a_fair_village_ranking_and_drills_down(new_page, town):
    page = new_page(viewport=DESKTOP)
    login(page, town.users["leader"].username, PASSWORD)
    page.goto(MARCH)
    ranking = page.locator("[data-testid=ranking-village]")
    first = ranking.locator("[data-testid=rank-row]").first
    expect(first).to_contain_text("东村")
    expect(first).to_contain_text("n=10 · 72.2–100.0%")
    expect(ranking.locator("[data-testid=rank-row]")).to_have_count(1)
    withheld = page.locator("[data-testid=withheld-village]")
    expect(withheld).to_contain_text("样本不足")
    expect(withheld).to_contain_text("西村（n=")
    page.locator("[data-testid=rankings]").scroll_into_view_if_needed()
    screenshot(page, "rankings-leader-desktop")

    # the printable report carries the same ranking
    page.goto(MARCH.replace("/dashboard/", "/dashboard/print/"))
    expect(page.locator("[data-testid=withheld-village]")).to_contain_text("西村（n=")
    screenshot(page, "rankings-print")
    page.goto(MARCH)

    navigate(page, first.locator("a[data-drill=village]"))
    assert f"village={town.v1.pk}" in page.url
    expect(page.locator("main")).to_contain_text("诉求A")
    expect(page.locator("main")).not_to_contain_text("诉求D")


@pytest.mark.e2e
def test_group_leader_sees_the_ranking_on_a_phone(new_page, town):
    page = new_page(viewport=PHONE)
    # 西村's group leader: the group and its village have a few finished issues, under the minimum
    login(page, town.users["lead2"].username, PASSWORD)
    page.goto(MARCH)
    expect(page.locator("[data-testid=withheld-workgroup]")).to_contain_text("西村工作组（n=")
    expect(page.locator("[data-testid=withheld-village]")).to_contain_text("西村（n=")
    expect(page.locator("[data-testid=ranking-village] [data-testid=rank-row]")).to_have_count(0)
    page.locator("[data-testid=rankings]").scroll_into_view_if_needed()
    screenshot(page, "rankings-grouplead-phone")
