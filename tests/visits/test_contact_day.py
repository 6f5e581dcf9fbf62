"""The contact-day rule (first Wednesday on or after the 1st), per-township settings and an
admin's per-month overrides, all read through one function."""

import datetime as dt

import pytest

from dashboard.headlines import township_contact_day as home_contact_day
from tests.factories import TownshipFactory
from visits.contact_day import (
    contact_day_of,
    contact_days_for,
    next_township_contact_day,
    township_contact_day,
)
from visits.models import ContactDay


def test_rule_over_five_years_of_months():
    # given every month of 2024..2028, when the default rule runs,
    # then the day is a Wednesday within the first seven days of that month
    for year in range(2024, 2029):
        for month in range(1, 13):
            day = contact_day_of(year, month)
            assert day.weekday() == 2
            assert day.month == month
            assert 1 <= day.day <= 7
            # no earlier Wednesday in the month
            assert all(dt.date(year, month, d).weekday() != 2 for d in range(1, day.day))


@pytest.mark.parametrize(
    ("year", "month", "expected"),
    [
        (2025, 1, dt.date(2025, 1, 1)),  # January 2025 starts on a Wednesday: the 1st
        (2026, 4, dt.date(2026, 4, 1)),  # April 2026 starts on a Wednesday
        (2025, 5, dt.date(2025, 5, 7)),  # May 2025 starts on a Thursday: the 7th
        (2026, 1, dt.date(2026, 1, 7)),  # January 2026 starts on a Thursday
        (2025, 10, dt.date(2025, 10, 1)),
        (2026, 2, dt.date(2026, 2, 4)),  # starts on a Sunday
        (2026, 12, dt.date(2026, 12, 2)),  # starts on a Tuesday
    ],
)
def test_known_months(year, month, expected):
    assert dt.date(year, month, 1).weekday() in range(7)
    assert contact_day_of(year, month) == expected


def test_month_starting_on_wednesday_and_thursday_are_what_the_rule_says():
    assert dt.date(2025, 1, 1).weekday() == 2
    assert dt.date(2025, 5, 1).weekday() == 3


def test_weekday_and_week_are_configurable_per_township(db):
    friday_second_week = TownshipFactory(contact_day_weekday=4, contact_day_week=2)
    assert township_contact_day(friday_second_week, 2025, 5) == dt.date(2025, 5, 9)
    default = TownshipFactory()
    assert township_contact_day(default, 2025, 5) == dt.date(2025, 5, 7)


def test_override_moves_one_month_only(db):
    township = TownshipFactory()
    ContactDay.objects.create(
        township=township, year=2025, month=10, date=dt.date(2025, 10, 9), reason="国庆假期"
    )
    assert township_contact_day(township, 2025, 10) == dt.date(2025, 10, 9)
    assert township_contact_day(township, 2025, 11) == dt.date(2025, 11, 5)
    other = TownshipFactory()
    assert township_contact_day(other, 2025, 10) == dt.date(2025, 10, 1)


def test_batch_form_is_two_queries(db, django_assert_num_queries):
    townships = [TownshipFactory() for _ in range(5)]
    ContactDay.objects.create(township=townships[0], year=2025, month=10, date=dt.date(2025, 10, 9))
    with django_assert_num_queries(2):  # the overrides, the holiday calendar
        days = contact_days_for(townships, 2025, 10)
    assert days[townships[0].pk] == dt.date(2025, 10, 9)
    assert days[townships[1].pk] == dt.date(2025, 10, 1)


def test_next_contact_day_and_the_home_page_use_the_override(db):
    township = TownshipFactory()
    ContactDay.objects.create(township=township, year=2025, month=10, date=dt.date(2025, 10, 9))
    # On Oct 2 the default day (Oct 1) has passed, but the moved day (Oct 9) has not.
    assert next_township_contact_day(township, dt.date(2025, 10, 2)) == dt.date(2025, 10, 9)
    assert home_contact_day(township, dt.date(2025, 10, 2)) == dt.date(2025, 10, 9)
    assert next_township_contact_day(township, dt.date(2025, 10, 10)) == dt.date(2025, 11, 5)
    assert next_township_contact_day(township, dt.date(2025, 12, 31)) == dt.date(2026, 1, 7)
