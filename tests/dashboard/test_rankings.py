"""Fair rankings (issue 19 part 3): Wilson intervals against published values, small samples
withheld, the order by the interval's lower end, and the same rankings on the page, the API, the
print view and the export."""

from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from dashboard import selectors
from dashboard.access import dashboard_scope_of
from dashboard.fairness import fair_ranking, wilson_interval, with_intervals

from .conftest import PERIOD
from .rankings_world import add_resolved

MARCH = "?period=month&year=2025&month=3"


@pytest.mark.parametrize(
    ("successes", "n", "low", "high"),
    [
        # Newcombe (1998), "Two-sided confidence intervals for the single proportion",
        # Statistics in Medicine 17:857-872, table II, method 3 (Wilson score, no correction)
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_interval_matches_newcombes_published_values(successes, n, low, high):
    interval = wilson_interval(successes, n)
    assert (round(interval[0], 4), round(interval[1], 4)) == (low, high)


def test_wilson_interval_edges():
    assert wilson_interval(0, 0) is None
    low, high = wilson_interval(10, 10)
    assert round(high, 9) == 1.0 and round(low, 4) == 0.7225  # all successes: the upper end is 100%


def _row(label, resolved, finished, *, rated=0, satisfied=0, overdue=0):
    """A breakdown row with `finished` = resolved + explained + overdue."""
    return {
        "key": label,
        "label": label,
        "total": finished,
        "open": overdue,
        "overdue": overdue,
        "contact_counted": 0,
        "contacted_in_time": 0,
        "resolved": resolved,
        "explained": finished - resolved - overdue,
        "rated": rated,
        "satisfied": satisfied,
        "resolution_rate": round(100 * resolved / finished, 1) if finished else None,
        "satisfaction_rate": round(100 * satisfied / rated, 1) if rated else None,
    }


def test_a_small_sample_is_withheld_with_its_n_not_ranked_last():
    # given a village with one bad month of three issues beside two with enough issues
    rows = [_row("大村", 40, 50), _row("小村", 0, 3), _row("中村", 9, 12)]
    # when ranked with the minimum of 10
    ranking = fair_ranking(rows, minimum=10)
    # then the small village is listed apart, with its sample, and nobody's rank is its
    assert [r["label"] for r in ranking["ranked"]] == ["大村", "中村"]
    assert [r["rank"] for r in ranking["ranked"]] == [1, 2]
    [small] = ranking["withheld"]
    assert (small["label"], small["sample"], small["rank"]) == ("小村", 3, None)
    assert small["resolution_rate_ci"] == (0.0, 56.1)
    assert ranking["min_sample"] == 10


def test_order_is_by_the_lower_end_of_the_interval():
    # 90% of 10 has a lower end of 59.6%, 80% of 100 one of 71.1%: the larger sample ranks first
    rows = [_row("十件", 9, 10), _row("百件", 80, 100)]
    ranking = fair_ranking(rows, minimum=10)
    assert [r["label"] for r in ranking["ranked"]] == ["百件", "十件"]
    assert ranking["ranked"][1]["resolution_rate_ci"] == (59.6, 98.2)
    assert ranking["ranked"][0]["resolution_rate_ci"] == (71.1, 86.7)


def test_ties_fall_to_satisfaction_then_fewest_overdue_then_name():
    rows = [
        _row("乙", 10, 12, overdue=2, rated=10, satisfied=9),
        _row("甲", 10, 12, overdue=1, rated=10, satisfied=9),
        _row("丙", 10, 12, overdue=1, rated=10, satisfied=10),
    ]
    assert [r["label"] for r in fair_ranking(rows, minimum=10)["ranked"]] == ["丙", "甲", "乙"]


def test_rows_not_routed_to_a_unit_are_neither_ranked_nor_withheld():
    unrouted = {**_row("（未分派）", 20, 20), "key": None}
    ranking = fair_ranking([unrouted, _row("村", 5, 10)], minimum=10)
    assert [r["label"] for r in ranking["ranked"]] == ["村"] and ranking["withheld"] == []


def test_every_rate_carries_its_sample_and_interval():
    row = with_intervals({**_row("村", 3, 4, rated=2, satisfied=1),
                          "contact_counted": 5, "contacted_in_time": 5})  # fmt: skip
    assert (row["resolution_rate_n"], row["satisfaction_rate_n"], row["response_rate_n"]) == (
        4,
        2,
        5,
    )
    assert row["satisfaction_rate_ci"] == (9.5, 90.5)
    assert row["response_rate_ci"][1] == 100.0


def test_the_setting_decides_the_minimum(town, settings):
    # given 东村 with 10 finished issues in March 2025 (A B I and 7 more) and 西村 with a few
    add_resolved(town, 7)
    scope = dashboard_scope_of(town.users["leader"])
    # by default (10) 东村 is ranked and 西村 listed apart with its sample
    summary = selectors.dashboard_summary(scope, PERIOD)
    village = summary["rankings"]["village"]
    assert [(r["label"], r["sample"], r["rank"]) for r in village["ranked"]] == [("东村", 10, 1)]
    assert summary["rankings"]["village"]["ranked"] == village["ranked"]
    [west] = village["withheld"]
    assert west["label"] == "西村" and 0 < west["sample"] < 10 and west["rank"] is None
    # with a minimum of 11, neither is ranked
    settings.RANKING_MIN_SAMPLE = 11
    village = selectors.dashboard_summary(scope, PERIOD)["rankings"]["village"]
    assert village["ranked"] == []
    assert [r["label"] for r in village["withheld"]] == ["东村", "西村"]


def test_departments_are_ranked_from_their_issues(town, settings):
    from issues.models import Issue
    from tests.factories import DepartmentFactory

    department = DepartmentFactory(name="区水务局")
    Issue.objects.filter(description__in=["诉求A", "诉求B", "诉求C"]).update(department=department)
    settings.RANKING_MIN_SAMPLE = 2
    scope = dashboard_scope_of(town.users["leader"])
    ranking = selectors.dashboard_summary(scope, PERIOD)["rankings"]["department"]
    [row] = ranking["ranked"]
    # A B resolved and confirmed; C has a result the resident did not confirm: 2 of 2
    assert (row["label"], row["sample"], row["resolution_rate"]) == ("区水务局", 2, 100.0)


def _get(client, user, name, query=MARCH):
    client.force_login(user)
    return client.get(reverse(name) + query)


def test_the_page_and_the_print_view_rank_and_withhold(town, client):
    add_resolved(town, 7)
    for name in ("liaison:dashboard", "liaison:dashboard-print"):
        response = _get(client, town.users["leader"], name)
        assert response.status_code == 200
        html = response.content.decode()
        # 东村: 10 of 10 resolved -> 100%, Wilson 72.2–100
        assert "n=10 · 72.2–100.0%" in html
        assert 'data-testid="withheld-village"' in html and "西村（n=" in html
        assert "样本不足" in html


def test_the_api_gives_the_same_rankings(town, client):
    add_resolved(town, 7)
    client.force_login(town.users["leader"])
    data = client.get("/api/v1/dashboard/summary/" + MARCH).json()
    village = data["rankings"]["village"]
    assert village["min_sample"] == 10
    [first] = village["ranked"]
    assert (first["label"], first["rank"], first["sample"]) == ("东村", 1, 10)
    assert first["resolution_rate_ci"] == [72.2, 100.0]
    assert [(r["label"], r["rank"]) for r in village["withheld"]] == [("西村", None)]
    assert data["rankings"]["workgroup"] is not None


def test_the_export_marks_withheld_units(town, client):
    add_resolved(town, 7)
    response = _get(client, town.users["leader"], "liaison:dashboard-export")
    book = load_workbook(BytesIO(response.content))
    rows = list(book["村（社区）排名"].iter_rows(values_only=True))
    assert rows[0][:3] == ("名次", "村（社区）", "诉求数")
    assert rows[0][5] == "解决率样本数"
    assert [(r[0], r[1]) for r in rows[1:]] == [(1, "东村"), ("样本不足（n<10）", "西村")]
    assert rows[1][5] == 10 and rows[2][5] < 10
    assert "区级部门排名" in book.sheetnames and "工作组排名" in book.sheetnames
