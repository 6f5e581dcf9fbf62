"""The leader's assessment and survey journey (issue 15 items 10 and 15) in a real browser:
at 1366×768 the leader pages, sorts and filters the assessment table and opens the survey's
results; at 390×844 the dashboard's charts keep their labels apart; in English the period
pickers name months and quarters in English."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from dashboard import assessment_views
from tests.dashboard.conftest import _issue, build_campaign, build_survey, build_town
from tests.e2e.conftest import PHONE, login, navigate, screenshot
from tests.factories import PairingFactory, VillageFactory, WorkGroupFactory
from visits.models import Visit

PASSWORD = "Passw0rd!x"
LAPTOP = {"width": 1366, "height": 768}
MARCH = "period=month&year=2025&month=3"
# villages with names as long as the model township's (金盏佳园社区, 和谐家园社区…)
VILLAGES = [
    "金盏佳园社区",
    "和谐家园社区",
    "望花园社区",
    "清河湾社区",
    "东辛庄村",
    "西辛庄村",
    "马泉营村",
    "草场地村",
    "大望京村",
    "何各庄村",
    "善各庄村",
    "北皋村",
]


@pytest.fixture
def town(transactional_db, make_user):
    """The hand-built township of tests/dashboard/conftest.py, with a survey, a campaign and
    twelve more villages, each with its work group, a cadre who visited in March and an issue."""
    town = build_town(make_user)
    build_campaign(town)
    build_survey(town)
    for i, name in enumerate(VILLAGES):
        village = VillageFactory(township=town.township, name=name)
        group = WorkGroupFactory(village=village, township=town.township, name=f"{name}工作组")
        pairing = PairingFactory(
            cadre__workgroup=group,
            cadre__township=town.township,
            cadre__name=f"干部{i:02d}",
            household__village=village,
            household__township=town.township,
        )
        Visit.objects.create(
            cadre=pairing.cadre, household=pairing.household, visited_on=dt.date(2025, 3, 4)
        )
        _issue(f"V{i}", village=village, committee=town.c2, status="triaged", day=4 + i)
    return town


def _cadre_names(page) -> list[str]:
    rows = page.locator("[data-testid=assessment-cadres] [data-testid=cadre-row] th")
    return [name.split()[0] for name in rows.all_inner_texts()]


@pytest.mark.e2e
def test_leader_pages_sorts_and_filters_the_assessment(new_page, town, monkeypatch):
    monkeypatch.setattr(assessment_views, "PAGE_SIZE", 5)  # 15 cadres: three pages
    page = new_page(viewport=LAPTOP)
    login(page, town.users["leader"].username, PASSWORD)
    page.goto(f"/liaison/dashboard/?{MARCH}")
    navigate(page, "[data-testid=to-assessment]")
    expect(page.locator("[data-testid=assessment-title]")).to_contain_text("2025年3月")
    count = page.locator("[data-testid=assessment-count]")
    expect(count).to_contain_text("共 15 名干部")
    expect(count).to_contain_text("第 1 / 3 页")
    assert len(_cadre_names(page)) == 5

    # sort by the visit rate, lowest first: 李二 (0%) then 张一 (50%), the others 100%
    navigate(page, "[data-testid=cadres-sort-visit_rate]")
    assert "sort=visit_rate" in page.url
    assert _cadre_names(page)[:2] == ["李二", "张一"]
    expect(page.locator("th[aria-sort=ascending]").first).to_contain_text("完成率")
    # the pages keep the order and the period
    navigate(page, "[data-testid=page-next]")
    assert "sort=visit_rate" in page.url and "month=3" in page.url and "page=2" in page.url
    expect(count).to_contain_text("第 2 / 3 页")
    # again: highest first; the cadre with no household (no rate) stays last
    navigate(page, "[data-testid=cadres-sort-visit_rate]")
    assert "sort=-visit_rate" in page.url and "page=" not in page.url
    assert "李二" not in _cadre_names(page)
    screenshot(page, "assessment-1-sorted-laptop", full_page=False)

    # filter: the 西村 work group keeps the order, the 张 search narrows to one
    page.select_option("select[name=workgroup]", label="西村工作组")
    navigate(page, "[data-testid=assessment-filter-apply]")
    assert "sort=-visit_rate" in page.url
    names = _cadre_names(page)
    assert names[0] == "李二" and "张一" not in names
    expect(page.locator("[data-testid=assessment-groups] tbody tr")).to_have_count(1)
    navigate(page, "[data-testid=assessment-filter-clear]")
    page.fill("input[name=q]", "张")
    navigate(page, "[data-testid=assessment-filter-apply]")
    assert _cadre_names(page) == ["张一"]
    expect(count).to_contain_text("共 1 名干部")
    # changing the period keeps the search
    page.select_option("select[name=period]", "quarter")
    page.fill("input[name=year]", "2025")
    page.select_option("select[name=quarter]", "1")
    navigate(page, "[data-testid=period-apply]")
    expect(page.locator("[data-testid=assessment-title]")).to_contain_text("2025年第1季度")
    assert _cadre_names(page) == ["张一"]
    screenshot(page, "assessment-2-filtered-laptop")

    # the survey page: the spring survey's figures per question
    page.goto(f"/liaison/dashboard/?{MARCH}")
    navigate(page, "[data-testid=to-surveys]")
    expect(page.locator("main")).to_contain_text("2025年春季满意度测评")
    navigate(page, "main a:has-text('查看结果')")
    results = page.locator("main table")
    # q1: 满意 2, 基本满意 1 -> 100%; q2: 满意 1, 不满意 1 (不了解 does not rate) -> 50%
    expect(results).to_contain_text("100.0%")
    expect(results).to_contain_text("50.0%")
    screenshot(page, "assessment-3-survey-results-laptop")


def _overlapping_labels(page, chart_id: str) -> list:
    """Pairs of texts of a chart's SVG whose boxes overlap (more than a pixel each way)."""
    return page.evaluate(
        """(id) => {
            const texts = [...document.querySelectorAll(`#${id} svg text`)]
                .filter((t) => t.textContent.trim())
                .map((t) => ({text: t.textContent, box: t.getBoundingClientRect()}));
            const pairs = [];
            for (let i = 0; i < texts.length; i++) {
                for (let j = i + 1; j < texts.length; j++) {
                    const a = texts[i].box, b = texts[j].box;
                    const x = Math.min(a.right, b.right) - Math.max(a.left, b.left);
                    const y = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
                    if (x > 1 && y > 1) { pairs.push([texts[i].text, texts[j].text]); }
                }
            }
            return pairs;
        }""",
        chart_id,
    )


def _outside(page, chart_id: str) -> list:
    """Texts of a chart drawn (partly) outside its box: cut off on the page."""
    return page.evaluate(
        """(id) => {
            const box = document.getElementById(id).getBoundingClientRect();
            return [...document.querySelectorAll(`#${id} svg text`)]
                .filter((t) => t.textContent.trim())
                .filter((t) => {
                    const b = t.getBoundingClientRect();
                    return b.left < box.left - 1 || b.right > box.right + 1
                        || b.top < box.top - 1 || b.bottom > box.bottom + 1;
                })
                .map((t) => t.textContent);
        }""",
        chart_id,
    )


CHARTS = [
    "chart-trend",
    "chart-status",
    "chart-committee",
    "chart-level",
    "chart-source",
    "chart-village",
    "chart-workgroup",
]


@pytest.mark.e2e
def test_leader_reads_the_charts_on_a_phone(new_page, town):
    page = new_page(viewport=PHONE)
    login(page, town.users["leader"].username, PASSWORD)
    page.goto(f"/liaison/dashboard/?{MARCH}")
    for chart in CHARTS:
        page.wait_for_selector(f"#{chart}[data-chart-ready='1'] svg")
    # the bars lie down on a phone, one village per row, every village named
    expect(page.locator("#chart-village")).to_have_attribute("data-chart-layout", "narrow")
    village_labels = page.eval_on_selector_all(
        "#chart-village svg text", "(texts) => texts.map((t) => t.textContent)"
    )
    assert "金盏佳园社区" in village_labels and "东村" in village_labels
    for chart in CHARTS:
        assert _overlapping_labels(page, chart) == [], chart
        assert _outside(page, chart) == [], chart
    screenshot(page, "assessment-4-dashboard-charts-phone")
    # turned sideways (wider than the phone limit), the bars stand up again, labels still apart
    page.set_viewport_size({"width": 844, "height": 390})
    expect(page.locator("#chart-village")).to_have_attribute("data-chart-layout", "wide")
    assert _overlapping_labels(page, "chart-committee") == []


@pytest.mark.e2e
def test_the_english_switch_shows_english_pickers(new_page, town):
    page = new_page(viewport=LAPTOP)
    login(page, town.users["leader"].username, PASSWORD)
    page.goto(f"/liaison/dashboard/?{MARCH}")
    with page.expect_navigation(wait_until="load"):
        page.select_option("[data-testid=language]", "en")  # data-autosubmit
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("[data-testid=period-label]")).to_have_text("2025-03")
    months = page.locator("select[name=month] option").all_inner_texts()
    assert months[:3] == ["January", "February", "March"]
    page.select_option("select[name=period]", "quarter")
    assert page.locator("select[name=quarter] option").all_inner_texts() == ["Q1", "Q2", "Q3", "Q4"]
    expect(page.locator("label[for=id_quarter]")).to_have_text("Quarter")
    screenshot(page, "assessment-5-english-pickers-laptop", full_page=False)
    navigate(page, "[data-testid=period-apply]")
    navigate(page, "[data-testid=to-assessment]")
    expect(page.locator("[data-testid=assessment-count]")).to_contain_text("15 cadres")
    screenshot(page, "assessment-6-english-assessment-laptop", full_page=False)
