"""The leader's dashboard in a real browser: change the period, read the figures, drill down from
a chart and from its table view to the filtered issue list; the group leader's scoped version on
a phone."""

import pytest

from tests.dashboard.conftest import build_campaign, build_survey, build_town
from tests.e2e.conftest import DESKTOP, PHONE, login, navigate, screenshot

PASSWORD = "Passw0rd!x"


@pytest.fixture
def town(transactional_db, make_user):
    """The hand-built township of tests/dashboard/conftest.py, with a campaign and a survey."""
    town = build_town(make_user)
    build_campaign(town)
    build_survey(town)
    return town


def _choose_march_2025(page):
    page.select_option("select[name=period]", "month")
    page.fill("input[name=year]", "2025")
    page.select_option("select[name=month]", "3")
    navigate(page, "[data-testid=period-apply]")


@pytest.mark.e2e
def test_leader_changes_period_and_drills_down(new_page, town):
    page = new_page(viewport=DESKTOP)
    login(page, town.users["leader"].username, PASSWORD)
    navigate(page, "[data-nav='liaison:dashboard']")
    assert page.locator("[data-testid=dashboard-title]").is_visible()

    # the leader switches to March 2025
    _choose_march_2025(page)
    assert page.inner_text("[data-testid=period-label]") == "2025年3月"
    assert page.inner_text("[data-stat=total]").strip() == "7"
    # E and F overdue at read time (tests/dashboard/test_rates.py): 3 / (3 + 1 + 2)
    assert page.inner_text("[data-stat=resolution_rate]").strip() == "50.0%"
    assert page.inner_text("[data-stat=satisfaction_rate]").strip() == "75.0%"
    assert page.inner_text("[data-stat=survey_index]").strip() == "80.0%"
    page.wait_for_selector("#chart-committee[data-chart-ready='1'] svg")
    page.wait_for_selector("#chart-trend[data-chart-ready='1'] svg")
    # a quarter hides the month field (and shows the quarter one)
    page.select_option("select[name=period]", "quarter")
    assert not page.locator("select[name=month]").is_visible()
    assert page.locator("select[name=quarter]").is_visible()
    page.select_option("select[name=period]", "month")
    screenshot(page, "dashboard-leader-desktop")

    # drill down from the committee chart: click the first bar (社会治理, 4 issues)
    page.locator("#chart-committee").scroll_into_view_if_needed()
    x, y = page.evaluate(
        """() => {
            const chart = window.lxDashboardCharts["chart-committee"];
            const bar = chart.getModel().getSeriesByIndex(0).getData().getItemLayout(0);
            const box = document.getElementById("chart-committee").getBoundingClientRect();
            return [box.left + bar.x + bar.width / 2, box.top + bar.y + bar.height / 2];
        }"""
    )
    page.mouse.click(x, y)
    page.wait_for_url("**/issues/?**")
    page.wait_for_load_state("networkidle")
    assert f"committee={town.c1.pk}" in page.url and "date_from=2025-03-01" in page.url
    listed = page.inner_text("main")
    for shown in ("诉求A", "诉求B", "诉求E", "诉求I"):
        assert shown in listed
    for hidden in ("诉求C", "诉求D", "诉求F", "诉求H"):
        assert hidden not in listed
    screenshot(page, "dashboard-drilldown-chart")

    # and from the table view of the status chart: 已分派 -> F only
    page.go_back()
    page.wait_for_load_state("networkidle")
    page.click("[data-testid=tableview-status] summary")
    navigate(page, "[data-testid=table-status] a[data-drill=status]:text('已分派')")
    assert "status=triaged" in page.url
    listed = page.inner_text("main")
    assert "诉求F" in listed and "诉求A" not in listed
    screenshot(page, "dashboard-drilldown-table")

    # the printable report of the same period
    page.go_back()
    page.wait_for_load_state("networkidle")
    navigate(page, "[data-testid=to-print]")
    assert "联系服务群众工作统计报表" in page.inner_text("[data-testid=print-report]")
    page.emulate_media(media="print")
    screenshot(page, "dashboard-print")


@pytest.mark.e2e
def test_group_leader_dashboard_on_a_phone(new_page, town):
    page = new_page(viewport=PHONE)
    login(page, town.users["lead2"].username, PASSWORD)
    page.goto("/liaison/dashboard/?period=month&year=2025&month=3")
    page.wait_for_load_state("networkidle")
    assert "本工作组" in page.inner_text("[data-testid=dashboard-title]")
    assert page.inner_text("[data-stat=total]").strip() == "3"
    page.wait_for_selector("#chart-status[data-chart-ready='1'] svg")
    screenshot(page, "dashboard-group-leader-phone")
    navigate(page, "[data-testid=to-assessment]")
    assert "李二" in page.inner_text("[data-testid=assessment-cadres]")
    assert "张一" not in page.inner_text("[data-testid=assessment-cadres]")
    screenshot(page, "dashboard-assessment-phone")


@pytest.mark.e2e
def test_cadre_records_a_phone_survey(new_page, town):
    from dashboard.models import Survey, SurveyResponse

    survey = Survey.objects.get()
    SurveyResponse.objects.filter(household=town.households["h2"]).delete()
    page = new_page(viewport=PHONE)
    login(page, town.users["cadre1"].username, PASSWORD)
    page.goto("/liaison/dashboard/surveys/")
    navigate(page, f"[data-testid=survey-answer-{survey.pk}]")
    page.select_option("select[name=household]", str(town.households["h2"].pk))
    page.select_option("select[name=channel]", "phone")
    page.fill("input[name=respondent]", "王大妈")
    for question in survey.questions.filter(kind="satisfaction"):
        page.check(f"input[name=q{question.pk}][value=basic]")
    screenshot(page, "survey-answer-phone")
    navigate(page, "[data-testid=survey-form] button[type=submit]")
    assert "已记录" in page.inner_text("main")
    saved = SurveyResponse.objects.get(household=town.households["h2"])
    assert saved.channel == "phone" and saved.respondent == "王大妈"
