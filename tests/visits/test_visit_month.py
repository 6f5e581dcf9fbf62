"""The monthly roll-up of visits (VisitMonth) that coverage is counted from: every door that writes
a visit keeps it equal to a recount of the visits, in the same transaction (visits/services.py),
and the households it finds visited in any window are those the visits give."""

import datetime as dt
import random
from collections import defaultdict

import pytest
from django.utils import timezone

from demo.seed import seed_demo
from tests.factories import PairingFactory
from tests.visits.test_visit_dates import DOORS, door_client, log, paired, send  # noqa: F401
from visits.models import Visit, VisitMonth
from visits.selectors import visited_households, window_coverage
from visits.services import visit_months_rebuild


def recounted() -> dict:
    """{(household, month): (visits, days bits)} counted from the visits."""
    expected: dict = defaultdict(lambda: [0, 0])
    for household, day in Visit.objects.values_list("household_id", "visited_on"):
        row = expected[(household, day.replace(day=1))]
        row[0] += 1
        row[1] |= 1 << (day.day - 1)
    return {key: tuple(value) for key, value in expected.items()}


def rolled() -> dict:
    rows = VisitMonth.objects.filter(visits__gt=0)
    return {(r.household_id, r.month): (r.visits, r.days) for r in rows}


@pytest.mark.parametrize("door", DOORS)
def test_every_door_keeps_the_rollup_equal_to_the_visits(door, paired, client):  # noqa: F811
    user, household = paired["user"], paired["old"]
    today = timezone.localdate()
    earlier = today - dt.timedelta(days=3)
    visit = log(user, household) if door == "admin" else None  # the admin only edits
    status, error = send(door, door_client(door, user, client), household, earlier, visit=visit)
    assert status in (201, 302) and not error
    assert Visit.objects.filter(household=household, visited_on=earlier).exists()
    assert rolled() == recounted() and rolled()


def test_a_date_moved_to_another_month_moves_the_count(paired):  # noqa: F811
    user, household = paired["user"], paired["old"]
    today = timezone.localdate()
    visit = log(user, household)
    log(user, household)  # two visits today: one row, count 2
    assert rolled() == {(household.pk, today.replace(day=1)): (2, 1 << (today.day - 1))}
    last_month = today.replace(day=1) - dt.timedelta(days=1)
    day = max(last_month, today - dt.timedelta(days=25))
    from visits.services import visit_update

    visit_update(actor=user, visit=visit, visited_on=day)
    assert rolled() == recounted()
    assert len(rolled()) == (2 if day.month != today.month else 1)


def test_the_demo_seeder_fills_the_rollup(db):
    seed_demo(households=120, seed=3)
    assert rolled() == recounted() and rolled()


def test_the_visited_households_of_any_window_are_those_the_visits_give(db):
    """Whole months by their rows, partial months by their days: 200 random windows."""
    rng = random.Random(5)
    pairings = PairingFactory.create_batch(12, start_date=dt.date(2024, 1, 1))
    Visit.objects.bulk_create(
        Visit(cadre=p.cadre, household=p.household,
              visited_on=dt.date(2025, 1, 1) + dt.timedelta(days=rng.randrange(180)))
        for p in pairings for _ in range(6)
    )  # fmt: skip
    visit_months_rebuild()
    assert rolled() == recounted()
    for _ in range(200):
        start = dt.date(2024, 12, 20) + dt.timedelta(days=rng.randrange(200))
        end = start + dt.timedelta(days=rng.choice([0, 1, 5, 20, 31, 45, 90]))
        visits = Visit.objects.filter(visited_on__range=(start, end))
        expected = set(visits.values_list("household_id", flat=True))
        assert set(visited_households(start, end).values_list("household_id", flat=True)) == (
            expected
        ), (start, end)
        households, visited = window_coverage(start=start, end=end)
        assert (households, visited) == (12, len(expected))
