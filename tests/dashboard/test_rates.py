"""The three rates of DESIGN.md on the hand-built township of conftest.py."""

import datetime as dt

import time_machine

from dashboard import assessment, selectors
from dashboard.access import dashboard_scope_of
from dashboard.coverage import coverage
from dashboard.cube import issue_cube
from dashboard.periods import month_period
from liaison.models import Pairing
from liaison.services import pairings_close

from .conftest import PERIOD


def test_headline_rates_worked_out_by_hand(town):
    # given the leader's scope (the whole township) and March 2025
    scope = dashboard_scope_of(town.users["leader"])
    # when
    h = selectors.issue_headline(scope, PERIOD)
    # then: A B C D E F I count (G merged, H in April)
    assert h["total"] == 7
    assert h["open"] == 2  # E in progress, F triaged
    # overdue at read time (issues/readtime.py): E past its result limit, F never contacted
    # and past its contact limit (the scan's flag is not read)
    assert h["overdue"] == 2
    # response: contacted in time A B D I = 4 of 7 (F never contacted, its limit has passed)
    assert h["response_rate"] == round(100 * 4 / 7, 1) == 57.1
    # resolution: resolved (confirmed) A B I = 3 / (3 + explained D 1 + overdue E F 2) = 50%
    # (C has a result but the resident is unsatisfied: not resolved)
    assert h["resolution_rate"] == 50.0
    # satisfaction: satisfied or basic A B I = 3 of rated A B C I = 4
    assert h["satisfaction_rate"] == 75.0
    # composite 30/35/35: (57.1*30 + 50*35 + 75*35) / 100
    assert h["score"] == round((57.1 * 30 + 50.0 * 35 + 75.0 * 35) / 100, 1)


def test_rates_per_committee_and_village(town):
    scope = dashboard_scope_of(town.users["leader"])
    by_committee = {r["label"]: r for r in selectors.breakdown(scope, PERIOD, "committee")}
    # C1: A B E I -> resolved 3 / (3 + 0 + overdue 1) = 75%; rated A B I all good = 100%
    assert by_committee["社会治理"]["total"] == 4
    assert by_committee["社会治理"]["resolution_rate"] == 75.0
    assert by_committee["社会治理"]["satisfaction_rate"] == 100.0
    # C2: C D F -> resolved 0 / (0 + explained 1 + 0) = 0%; rated C unsatisfied = 0%
    assert by_committee["城建规划"]["total"] == 3
    assert by_committee["城建规划"]["resolution_rate"] == 0.0
    assert by_committee["城建规划"]["satisfaction_rate"] == 0.0
    by_village = {r["label"]: r for r in selectors.breakdown(scope, PERIOD, "village")}
    assert by_village["东村"]["total"] == 4  # A B C I
    assert by_village["西村"]["total"] == 3  # D E F
    assert by_village["西村"]["filters"] == {"village": town.v2.pk}
    # the ranking puts the better resolution first: 东村 3/3 = 100% before 西村 0/2
    assert [r["label"] for r in selectors.ranking(list(by_village.values()))] == ["东村", "西村"]


def test_breakdowns_by_status_level_source(town):
    scope = dashboard_scope_of(town.users["leader"])
    status = {r["key"]: r["total"] for r in selectors.breakdown(scope, PERIOD, "status")}
    assert status == {"rated": 3, "archived": 1, "explained": 1, "in_progress": 1, "triaged": 1}
    level = {r["key"]: r["total"] for r in selectors.breakdown(scope, PERIOD, "level")}
    assert level == {"village": 5, "township": 2}
    source = {r["key"]: r["total"] for r in selectors.breakdown(scope, PERIOD, "source")}
    assert source == {"visit": 5, "phone": 1, "hotline": 1}


def test_no_issues_means_no_rate_not_zero(town):
    scope = dashboard_scope_of(town.users["leader"])
    h = selectors.issue_headline(scope, month_period(2024, 1))
    assert h["total"] == 0
    assert h["response_rate"] is None and h["resolution_rate"] is None
    assert h["score"] is None


def test_monthly_trend_counts_reported_and_closed(town):
    scope = dashboard_scope_of(town.users["leader"])
    trend = {r["label"]: r for r in selectors.monthly_trend(scope, month_period(2025, 4))}
    assert len(trend) == 12  # twelve months ending with the period
    assert trend["2025-03"]["reported"] == 7
    assert trend["2025-03"]["closed"] == 5  # A B C D I closed two days after reporting
    assert trend["2025-04"]["reported"] == 1  # H
    assert trend["2025-04"]["closed"] == 1
    assert trend["2024-05"]["reported"] == 0


def test_coverage_and_assessment(town, campaign):
    scope = dashboard_scope_of(town.users["leader"])
    cov = coverage(scope, dt.date(2025, 3, 1), dt.date(2025, 3, 31))
    assert (cov["households"], cov["visited"], cov["coverage"]) == (3, 1, 33.3)
    summary = selectors.dashboard_summary(scope, PERIOD, today=dt.date(2025, 3, 20))
    groups = {r["label"]: r for r in summary["by_workgroup"]}
    assert groups["东村工作组"]["coverage"] == 50.0
    assert groups["西村工作组"]["coverage"] == 0.0
    # this month (March 2025 on the 20th) and the campaign (all March): 1 of 3 households
    assert summary["coverage_month"]["coverage"] == 33.3
    assert summary["coverage_campaign"]["coverage"] == 33.3
    cadres = {r["name"]: r for r in assessment.assessment_by_cadre(scope, PERIOD)}
    one = cadres["张一"]
    # two visits to h1 in March count once against 2 households x 1 month
    assert (one["paired"], one["expected"], one["visit_count"], one["effective"]) == (2, 2, 2, 1)
    assert one["visit_rate"] == 50.0
    # raised A and B, both closed and rated good
    assert (one["raised"], one["closed"], one["satisfaction_rate"]) == (2, 2, 100.0)
    assert cadres["李二"]["visit_rate"] == 0.0
    per_group = {r["name"]: r for r in assessment.assessment_by_group(scope, PERIOD)}
    assert per_group["东村工作组"]["expected"] == 2
    assert per_group["东村工作组"]["raised"] == 2
    # a quarter expects one visit per household per month
    from dashboard.periods import quarter_period

    q1 = {r["name"]: r for r in assessment.assessment_by_cadre(scope, quarter_period(2025, 1))}
    assert q1["张一"]["expected"] == 6
    assert q1["张一"]["visit_rate"] == round(100 / 6, 1)


def test_survey_index(town, survey):
    from dashboard.surveys import survey_index, survey_index_by

    scope = dashboard_scope_of(town.users["leader"])
    index = survey_index(scope, PERIOD)
    # satisfied 3, basic 1, unsatisfied 1, 不了解 1 (does not rate): 4 / 5
    assert (index["satisfied"], index["basic"], index["unsatisfied"], index["unknown"]) == (
        3,
        1,
        1,
        1,
    )
    assert index["index"] == 80.0
    per_cadre = survey_index_by(scope, PERIOD, "response__cadre_id")
    assert per_cadre[town.cadres["cadre1"].pk]["index"] == 66.7
    assert per_cadre[town.cadres["cadre2"].pk]["index"] == 100.0


def test_trend_reads_the_rollup_for_past_months_and_stays_exact(town):
    from dashboard.models import IssueMonthStat
    from dashboard.rollup import issue_month_stats_refresh
    from issues.models import Issue

    from .conftest import at

    scope = dashboard_scope_of(town.users["leader"])
    now = at(15, month=5)  # 15 May 2025: March and April are past months
    Issue.objects.update(
        updated_at=at(1, month=5)
    )  # the hand-built issues were last changed before
    with time_machine.travel(now, tick=False):
        live = selectors.monthly_trend(scope, month_period(2025, 4))
        # given the roll-up
        assert issue_month_stats_refresh() > 0
        assert IssueMonthStat.objects.filter(month=dt.date(2025, 3, 1)).exists()
        # then the trend is the same, read from the roll-up
        cube = issue_cube(scope, month_period(2025, 4))
        assert dt.date(2025, 3, 1) in cube.rolled_months
        assert selectors.monthly_trend(scope, month_period(2025, 4)) == live
        # and a committee's trend sums its own rows only
        staff = dashboard_scope_of(town.users["staff"])
        march = {r["label"]: r for r in selectors.monthly_trend(staff, PERIOD)}["2025-03"]
        assert (march["reported"], march["resolution_rate"]) == (4, 75.0)
    # a change after the roll-up counts at once, through the delta rows written in its own
    # transaction (issues/workflow.py's hook): a new issue this month, a March one resolved
    from issues.services import issue_report
    from issues.workflow import issue_transition

    with time_machine.travel(now + dt.timedelta(minutes=5), tick=False):
        issue_report(actor=town.users["admin"], household=town.households["h1"],
                     description="本月", source="phone")  # fmt: skip
        march = town.issues["E"]  # in progress
        issue_transition(issue=march, action="resolve", actor=None, system=True, result="已办")
        cube = issue_cube(scope, month_period(2025, 5))
        assert {dt.date(2025, 3, 1), dt.date(2025, 5, 1)} <= set(cube.rolled_months)
        trend = {r["label"]: r for r in selectors.monthly_trend(scope, month_period(2025, 5))}
        assert trend["2025-03"]["reported"] == 7
        assert trend["2025-05"]["reported"] == 1
        assert trend["2025-05"]["closed"] == 1  # E, closed today
        assert IssueMonthStat.objects.filter(delta=True).exists()
        issue_month_stats_refresh()
        assert not IssueMonthStat.objects.filter(delta=True).exists()  # folded in
        assert trend == {
            r["label"]: r for r in selectors.monthly_trend(scope, month_period(2025, 5))
        }


def test_dashboard_figures_equal_the_grouped_ones(town):
    # the dashboard folds its figures from one cube; each must equal its own live GROUP BY
    scope = dashboard_scope_of(town.users["leader"])
    figures = selectors.issue_figures(scope, PERIOD)
    for key in ("status", "level", "source", "committee", "village"):
        assert figures[key] == selectors.breakdown(scope, PERIOD, key)
    headline = selectors.issue_headline(scope, PERIOD)
    assert selectors.headline_from(figures["totals"]) == headline


def test_a_past_campaigns_coverage_counts_the_pairings_in_force_then(town, campaign):
    """Ending a pairing after the mass visit (a cadre taken off duty, say) leaves its figure as
    it was: 1 of the 3 households paired in March 2025 was visited then."""
    scope = dashboard_scope_of(town.users["leader"])
    before = selectors.dashboard_summary(scope, PERIOD, today=dt.date(2025, 4, 20))
    assert before["coverage_campaign"]["coverage"] == 33.3
    ended = Pairing.objects.filter(household=town.households["h3"]).values_list("pk", flat=True)
    pairings_close(ended, on=dt.date(2025, 4, 10), replaced=False)
    after = selectors.dashboard_summary(scope, PERIOD, today=dt.date(2025, 4, 20))
    assert after["coverage_campaign"]["households"] == 3
    assert after["coverage_campaign"]["coverage"] == 33.3
