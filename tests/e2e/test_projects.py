"""The leader's 每月一题 journey in a real browser at 1366x768: open the month's 高频诉求, run
the analysis, read the ranked demands, make a project of the top one, publish it and open its
public page."""

import pytest
from playwright.sync_api import expect

from projects.models import Project
from tests.e2e.conftest import login, navigate, screenshot
from tests.projects.conftest import build_town

PASSWORD = "Passw0rd!x"
LEADER_VIEWPORT = {"width": 1366, "height": 768}


@pytest.fixture
def town(transactional_db, make_user):
    return build_town(make_user)


@pytest.mark.e2e
def test_leader_sees_the_months_demands_and_makes_a_project(new_page, town):
    page = new_page(viewport=LEADER_VIEWPORT)
    login(page, town.users["leader"].username, PASSWORD)

    # the leader opens 高频诉求 from the navigation: nothing analysed yet this month
    navigate(page, "[data-nav='projects:demands']")
    expect(page.get_by_test_id("no-run")).to_be_visible()
    # and runs the analysis now
    navigate(page, "[data-testid=run-now]")
    clusters = page.get_by_test_id("cluster")
    expect(clusters).to_have_count(4)
    expect(page.get_by_test_id("run-info")).to_contain_text("4")
    first = clusters.first
    expect(first).to_contain_text("东村")
    expect(first.get_by_test_id("trend")).to_be_visible()
    screenshot(page, "projects-demands-leader-desktop")

    # the streetlight demand becomes a project
    streetlight = clusters.filter(has_text="路灯")
    navigate(page, streetlight.get_by_test_id("make-project"))
    expect(page.locator("[data-testid=issue-choices] input:checked")).to_have_count(4)
    page.fill("#id_title", "路灯不亮集中治理")
    page.fill("#id_summary", "一个月内修好主路路灯")
    page.select_option("#id_owner_committee", label="城建规划")
    page.fill("#id_m-0-title", "排查损坏路灯")
    page.fill("#id_m-0-due_date", "2026-12-15")
    screenshot(page, "projects-new-leader-desktop")
    navigate(page, "[data-testid=create-project]")

    # the project page: its promise on the timeline, its four issues
    expect(page.get_by_test_id("project-title")).to_have_text("路灯不亮集中治理")
    expect(page.get_by_test_id("timeline")).to_contain_text("排查损坏路灯")
    expect(page.locator("[data-testid=links] li")).to_have_count(4)
    project = Project.objects.get()
    assert project.issues.count() == 4 and project.cluster is not None

    # published, its public page opens without a login and names nobody
    navigate(page, "[data-testid=publish]")
    expect(page.get_by_test_id("public-link")).to_be_visible()
    screenshot(page, "projects-detail-leader-desktop")
    public = new_page(viewport=LEADER_VIEWPORT)
    public.goto(f"/projects/public/{project.public_key}/")
    expect(public.get_by_test_id("project-title")).to_have_text("路灯不亮集中治理")
    expect(public.get_by_test_id("village-counts")).to_contain_text("东村")
    assert "王东村" not in public.content()
    screenshot(public, "projects-public-desktop")
