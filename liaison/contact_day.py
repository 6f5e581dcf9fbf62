"""The contact day (联系群众日): by default the Wednesday of the first week of each month.

"First week" is defined as the first such weekday on or after the 1st, so the contact day of a
month that starts on a Wednesday is the 1st and of one that starts on a Thursday is the 7th.
A township may choose another weekday or week; an admin may move one month's date (the
visits issue adds those overrides as data).
"""

from __future__ import annotations

import datetime as dt

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
