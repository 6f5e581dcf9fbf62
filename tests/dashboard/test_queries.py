"""The dashboard costs the same number of queries whatever the data size."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dashboard import assessment, selectors
from dashboard.access import dashboard_scope_of
from dashboard.rollup import issue_month_stats_refresh
from issues.models import Issue
from tests.factories import HouseholdFactory, PairingFactory, VillageFactory, WorkGroupFactory
from visits.models import Visit
from visits.services import visit_months_rebuild

from .conftest import PERIOD, at

# Besides the issue figures: weights 1 + overdue list 1 + overdue count 1 + work groups 1 +
# campaign 1 + coverage by group 3 (the pairings; the visited of the period and of this month,
# a semi-join each, one when the two ranges are the same) + survey 1 = 9.
# Issue figures without a roll-up: its build time 1 + live (committee, village, month) 1 +
# live (status, level, source) 1 + the trend's other months 1 + closed per month 1 + names of
# the committees and villages counted 2 = 7.
# With a roll-up (its rows plus the delta rows of the changes since): build time 1 + roll-up rows
# for the trend (reported and closed per month) 1, the period per (committee, village) 1, per
# status, level, source 1 + overdue and running contact limits of the open issues
# (dashboard/clock.py) by committee × village × month 1 and by status, level, source 1 = 6
# (nothing else is counted live); the first of these also counts the overdue issues now, so the
# overdue count above is not made: 6 - 1.
# The fair rankings (dashboard.fairness) add the issues per district department, counted live: 1.
# The mass visit's coverage, from the pairings in force during it (visits.selectors): 2 (its
# households; the visited among them, a semi-join).
LEADER_QUERIES = {False: 9 + 7 + 1 + 2, True: 9 + 6 - 1 + 1 + 2}


def _grow(town, n: int) -> None:
    """n more villages, groups, households, pairings, visits and issues."""
    for i in range(n):
        village = VillageFactory(township=town.township, name=f"新村{i}")
        group = WorkGroupFactory(village=village, township=town.township, name=f"新组{i}")
        pairing = PairingFactory(
            cadre__workgroup=group, cadre__township=town.township, household__village=village
        )
        Visit.objects.create(
            cadre=pairing.cadre, household=pairing.household, visited_on=dt.date(2025, 3, 2)
        )
        Issue.objects.bulk_create(
            Issue(
                township=town.township,
                village=village,
                committee=town.c2,
                description="x",
                source="phone",
                reported_at=at(3 + i % 20),
                raised_by=pairing.cadre,
            )
            for _ in range(3)
        )
    HouseholdFactory.create_batch(n, village=town.v1, township=town.township)
    visit_months_rebuild()


@pytest.mark.parametrize("rolled_up", [False, True])
@pytest.mark.parametrize("extra", [0, 12])
def test_summary_query_count_is_constant(
    town, campaign, survey, extra, rolled_up, django_assert_num_queries
):
    _grow(town, extra)
    if rolled_up:
        issue_month_stats_refresh()
    scope = dashboard_scope_of(town.users["leader"])
    with django_assert_num_queries(LEADER_QUERIES[rolled_up]):
        data = selectors.dashboard_summary(scope, PERIOD, today=dt.date(2025, 3, 20))
    assert data["headline"]["total"] == 7 + 3 * extra
    assert len(data["by_workgroup"]) == 2 + extra


@pytest.mark.parametrize("extra", [0, 12])
def test_assessment_query_count_is_constant(town, survey, extra, django_assert_num_queries):
    _grow(town, extra)
    scope = dashboard_scope_of(town.users["leader"])
    with django_assert_num_queries(1):  # every figure a correlated subquery: sortable in SQL
        cadres = assessment.assessment_by_cadre(scope, PERIOD)
    with django_assert_num_queries(3):
        groups = assessment.assessment_by_group(scope, PERIOD)
    assert len(cadres) == 3 + extra  # the group members: cadre1, cadre2, lead2
    assert len(groups) == 2 + extra


def test_dashboard_page_query_count_does_not_grow(town, campaign, survey, client):
    client.force_login(town.users["leader"])
    url = reverse("liaison:dashboard") + "?period=month&year=2025&month=3"
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    _grow(town, 15)
    with CaptureQueriesContext(connection) as large:
        assert client.get(url).status_code == 200
    assert len(large) == len(small)
