"""A campaign's coverage comes from the pairings in force during the campaign, not today's
(issue 15, item 13): households paired at some time in its window that someone visited in it,
over those households; in SQL, a constant number of queries."""

import datetime as dt

import pytest
from django.urls import reverse

from liaison import accounts
from liaison.models import Pairing
from liaison.roles import Role
from liaison.services import pairing_assign
from tests.factories import HouseholdFactory, PairingFactory
from visits.models import Visit, VisitCampaign
from visits.selectors import campaigns_with_coverage, coverage
from visits.services import visit_months_rebuild

SPRING = (dt.date(2025, 3, 1), dt.date(2025, 3, 31))


def _visit(cadre, household, day):
    """A visit of 2025, past the service's back-dating limit: loaded as the demo seeder does."""
    visit = Visit.objects.create(cadre=cadre, household=household, visited_on=day, notes="走访")
    visit_months_rebuild()
    return visit


def _campaign(township, name="2025年春季集中走访", dates=SPRING):
    return VisitCampaign.objects.create(
        township=township, name=name, start_date=dates[0], end_date=dates[1]
    )


@pytest.fixture
def spring(group):
    """The group's five pairings began before the spring campaign."""
    Pairing.objects.update(start_date=dt.date(2024, 6, 1))
    return _campaign(group["workgroup"].township)


def _coverage_of(campaign, **kwargs):
    rows = dict(campaigns_with_coverage(campaign.township_id, **kwargs))
    return rows[campaign]


def test_a_pairing_ended_after_the_campaign_still_counts(group, spring, make_user):
    a = group["a"]
    first, second, _third = group["households"]["a"]
    _visit(a, first, dt.date(2025, 3, 10))
    _visit(a, second, dt.date(2025, 4, 2))  # after the campaign: not covered by it
    admin = make_user(Role.ADMIN, township=a.township, workgroup=None)
    # later, the cadre leaves and nobody takes the households over
    accounts.cadre_deactivate(actor=admin, cadre=a, on=dt.date(2025, 6, 1))
    assert not Pairing.objects.current().filter(cadre=a).exists()

    cov = _coverage_of(spring)
    assert (cov.households, cov.visited, cov.coverage) == (5, 1, 20.0)


def test_a_pairing_begun_after_the_campaign_does_not_count(group, spring):
    a = group["a"]
    late = HouseholdFactory(village=group["workgroup"].village)
    PairingFactory(cadre=a, household=late, start_date=dt.date(2025, 4, 1))
    _visit(a, late, dt.date(2025, 3, 20))  # visited, but nobody's household then
    _visit(a, group["households"]["a"][0], dt.date(2025, 3, 5))

    cov = _coverage_of(spring)
    assert (cov.households, cov.visited) == (5, 1)


def test_a_pairing_that_ended_before_the_campaign_does_not_count(group, spring):
    household = group["households"]["b"][0]
    Pairing.objects.filter(household=household).update(end_date=dt.date(2025, 2, 28))
    cov = _coverage_of(spring)
    assert cov.households == 4


def test_a_household_re_paired_during_the_campaign_counts_once(group, spring, make_user):
    a, b = group["a"], group["b"]
    household = group["households"]["a"][0]
    admin = make_user(Role.ADMIN, township=a.township, workgroup=None)
    pairing_assign(actor=admin, cadre=b, household_ids=[household.pk], on=dt.date(2025, 3, 15))
    _visit(b, household, dt.date(2025, 3, 16))
    cov = _coverage_of(spring)
    assert (cov.households, cov.visited) == (5, 1)
    # the work group's view: the same rule, limited to the group's cadres
    assert _coverage_of(spring, workgroup_id=group["workgroup"].pk).households == 5


def test_coverage_of_a_period_uses_the_pairings_in_force_then(group, spring):
    Pairing.objects.filter(cadre=group["b"]).update(start_date=dt.date(2025, 5, 1))
    _visit(group["a"], group["households"]["a"][0], dt.date(2025, 3, 3))
    cov = coverage(start=SPRING[0], end=SPRING[1], workgroup_id=group["workgroup"].pk)
    assert (cov.households, cov.visited) == (3, 1)


def test_campaign_list_is_one_query_whatever_the_number_of_campaigns(
    group, spring, django_assert_num_queries
):
    township = group["workgroup"].township
    with django_assert_num_queries(1):
        assert len(campaigns_with_coverage(township.pk)) == 1
    for year in (2023, 2024):
        _campaign(township, f"{year}年秋季", (dt.date(year, 10, 1), dt.date(year, 10, 31)))
    _visit(group["a"], group["households"]["a"][0], dt.date(2024, 10, 9))
    with django_assert_num_queries(1):
        rows = campaigns_with_coverage(township.pk)
    figures = {c.name: (cov.households, cov.visited) for c, cov in rows}
    assert figures == {
        "2025年春季集中走访": (5, 0),
        "2024年秋季": (5, 1),
        "2023年秋季": (0, 0),  # before any pairing
    }


def test_the_campaign_page_shows_the_past_figure(client, group, spring, make_user):
    a = group["a"]
    _visit(a, group["households"]["a"][0], dt.date(2025, 3, 5))
    admin = make_user(Role.ADMIN, township=a.township, workgroup=None)
    accounts.cadre_deactivate(actor=admin, cadre=a, on=dt.date(2025, 9, 1))
    client.force_login(admin)
    body = client.get(reverse("liaison:campaigns")).content.decode()
    item = body.split(f'data-campaign="{spring.pk}"')[1]
    assert "20.0%" in item and "已走访 1 / 5 户" in item
    assert 'data-testid="coverage-rule"' in body
