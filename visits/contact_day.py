"""The contact day (联系群众日): by default the Wednesday of the first week of each month.

"First week" is defined as the first such weekday on or after the 1st, so the contact day of a
month that starts on a Wednesday is the 1st and of one that starts on a Thursday is the 7th.
A township may choose another weekday or week; an admin may move one month's date (the
visits issue adds those overrides as data).
"""

from __future__ import annotations

import datetime as dt

from visits.models import ContactDay, Visit, VisitCampaign

WEDNESDAY = 2


def contact_day_of(year: int, month: int, *, weekday: int = WEDNESDAY, week: int = 1) -> dt.date:
    first = dt.date(year, month, 1)
    offset = (weekday - first.weekday()) % 7
    return first + dt.timedelta(days=offset + 7 * (week - 1))


def next_contact_day(today: dt.date, *, weekday: int = WEDNESDAY, week: int = 1) -> dt.date:
    """The contact day of this month if it is today or later, else next month's."""
    this_month = contact_day_of(today.year, today.month, weekday=weekday, week=week)
    if this_month >= today:
        return this_month
    year, month = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
    return contact_day_of(year, month, weekday=weekday, week=week)


# --- The one function every consumer uses ------------------------------------------------------
def township_contact_day(township, year: int, month: int) -> dt.date:
    """The contact day of a township in a month: an admin's override (holidays) if there is one,
    else the township's weekday/week rule. Every page, reminder and report asks this function
    (or `contact_days_for`, its batch form)."""
    if township is None:
        return contact_day_of(year, month)
    return contact_days_for([township], year, month)[township.pk]


def contact_days_for(townships, year: int, month: int) -> dict[int, dt.date]:
    """township pk → contact day for one month, in one query (the overrides)."""

    townships = list(townships)
    moved = dict(
        ContactDay.objects.filter(
            township__in=[t.pk for t in townships], year=year, month=month
        ).values_list("township_id", "date")
    )
    return {
        t.pk: moved.get(t.pk)
        or contact_day_of(year, month, weekday=t.contact_day_weekday, week=t.contact_day_week)
        for t in townships
    }


def next_township_contact_day(township, today: dt.date) -> dt.date:
    """This month's contact day if it is today or later, else next month's (overrides included)."""
    this_month = township_contact_day(township, today.year, today.month)
    if this_month >= today:
        return this_month
    year, month = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
    return township_contact_day(township, year, month)


def visit_kind_for(township, day: dt.date) -> str:
    """The visit type a new visit on `day` defaults to: 联系群众日走访 only on the township's
    contact day, 集中走访 inside one of its campaigns, else 日常走访 (the cadre may change it)."""
    if township is not None and day == township_contact_day(township, day.year, day.month):
        return Visit.Kind.CONTACT_DAY
    if VisitCampaign.objects.filter(
        township=township, start_date__lte=day, end_date__gte=day
    ).exists():
        return Visit.Kind.MASS_VISIT
    return Visit.Kind.AD_HOC


def shift_month(year: int, month: int, delta: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + delta
    return index // 12, index % 12 + 1
