"""Time limits: working days of the Chinese calendar (holidays and make-up days are data in
CalendarDay) and the deadlines that follow from urgency and level."""

from __future__ import annotations

import datetime as dt

from .models import CalendarDay, IssueSettings, Level, Urgency

MAX_SPAN_DAYS = 120  # a result limit never spans more calendar days than this


def calendar_exceptions(start: dt.date, end: dt.date) -> dict[dt.date, str]:
    """The holidays and make-up days between two dates (one query): pass it to the functions
    below when computing many deadlines at once."""
    rows = CalendarDay.objects.filter(date__gte=start, date__lte=end).values_list("date", "kind")
    return dict(rows)


def is_working_day(day: dt.date, exceptions: dict[dt.date, str] | None = None) -> bool:
    if exceptions is None:
        exceptions = calendar_exceptions(day, day)
    kind = exceptions.get(day)
    if kind == CalendarDay.Kind.HOLIDAY:
        return False
    if kind == CalendarDay.Kind.WORKDAY:
        return True
    return day.weekday() < 5


def add_working_days(
    start: dt.datetime, days: int, *, exceptions: dict[dt.date, str] | None = None
) -> dt.datetime:
    """The same time of day on the `days`-th working day after `start` (one query, none when
    the calendar's `exceptions` covering the span are given)."""
    if exceptions is None:
        exceptions = calendar_exceptions(
            start.date(), start.date() + dt.timedelta(days=MAX_SPAN_DAYS)
        )
    day, counted = start.date(), 0
    while counted < days:
        day += dt.timedelta(days=1)
        if is_working_day(day, exceptions):
            counted += 1
    return start + dt.timedelta(days=(day - start.date()).days)


def contact_due(*, reported_at: dt.datetime, urgency: str, limits: IssueSettings) -> dt.datetime:
    hours = limits.urgent_first_action_hours if urgency == Urgency.URGENT else limits.contact_hours
    return reported_at + dt.timedelta(hours=hours)


def result_due(
    *,
    start: dt.datetime,
    urgency: str,
    level: str,
    limits: IssueSettings,
    exceptions: dict[dt.date, str] | None = None,
) -> dt.datetime:
    if urgency == Urgency.URGENT:
        return start + dt.timedelta(hours=limits.urgent_result_hours)
    days = {
        Level.VILLAGE: limits.village_days,
        Level.TOWNSHIP: limits.township_days,
        Level.DISTRICT: limits.district_days,
    }[level]
    return add_working_days(start, days, exceptions=exceptions)
