"""The contact day (联系群众日): by default the Wednesday of the first week of each month.

"First week" is defined as the first such weekday on or after the 1st, so the contact day of a
month that starts on a Wednesday is the 1st and of one that starts on a Thursday is the 7th.
A township may choose another weekday or week; an admin may move one month's date (the
visits issue adds those overrides as data).

Holidays (issue 15, item 14): the township's calendar of public holidays and make-up working days
(issues.CalendarDay, which the deadlines read too) decides. A contact day the rule would put on a
day off moves by itself to the next working day of the same weekday (2026-10-07, 国庆节 →
2026-10-14). An admin who moves a month onto a day off is warned, with that proposal, and must
confirm it (`contact_day_holiday_check`): the page, the admin and any later door share the form.
A day off is a holiday, or a weekend not made a working day (调休) — unless the township holds
its contact day on that weekday (a Saturday contact day is not a mistake every month).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from issues.deadlines import calendar_exceptions
from issues.limits import CalendarDay
from visits.models import ContactDay, Visit, VisitCampaign

WEDNESDAY = 2
WEEKS_SEARCHED = 8  # a proposal further than this is no proposal (a calendar full of holidays)
WEEKDAY_NAMES = (
    gettext_lazy("星期一"),
    gettext_lazy("星期二"),
    gettext_lazy("星期三"),
    gettext_lazy("星期四"),
    gettext_lazy("星期五"),
    gettext_lazy("星期六"),
    gettext_lazy("星期日"),
)


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
@dataclass(frozen=True)
class _DefaultRule:
    """The rule of a user with no township (district level): the first Wednesday."""

    pk: None = None
    contact_day_weekday: int = WEDNESDAY
    contact_day_week: int = 1


def township_contact_day(township, year: int, month: int) -> dt.date:
    """The contact day of a township in a month: an admin's override (holidays) if there is one,
    else the township's weekday/week rule moved off holidays. Every page, reminder and report
    asks this function (or `contact_days_for`, its batch form)."""
    township = township if township is not None else _DefaultRule()
    return contact_days_for([township], year, month)[township.pk]


def contact_days_for(townships, year: int, month: int) -> dict[int, dt.date]:
    """township pk → contact day for one month, in two queries (the overrides, the calendar)."""
    return contact_days_for_months(townships, [(year, month)])[(year, month)]


def contact_days_for_months(townships, months) -> dict[tuple[int, int], dict[int, dt.date]]:
    """(year, month) → township pk → contact day, for several months in two queries: an admin's
    override as it is, else the rule's day moved off holidays (see the module's docstring)."""
    townships = list(townships)
    months = list(dict.fromkeys(months))
    in_months = Q()
    for year, month in months:
        in_months |= Q(year=year, month=month)
    pks = [t.pk for t in townships if t.pk is not None]
    days = (
        {
            (year, month, pk): date
            for pk, year, month, date in ContactDay.objects.filter(
                in_months, township__in=pks
            ).values_list("township_id", "year", "month", "date")
        }
        if pks
        else {}
    )
    ruled = {
        (year, month, t.pk): (
            contact_day_of(year, month, weekday=t.contact_day_weekday, week=t.contact_day_week),
            t.contact_day_weekday,
        )
        for year, month in months
        for t in townships
        if (year, month, t.pk) not in days
    }
    if ruled:
        first = min(day for day, _weekday in ruled.values())
        last = max(day for day, _weekday in ruled.values())
        calendar = calendar_exceptions(first, last + dt.timedelta(weeks=WEEKS_SEARCHED))
        for key, (day, weekday) in ruled.items():
            if is_day_off(day, calendar, weekday=weekday):
                day = next_working_weekday(day, calendar, weekday=weekday) or day
            days[key] = day
    return {
        (year, month): {t.pk: days[(year, month, t.pk)] for t in townships}
        for year, month in months
    }


def next_township_contact_day(township, today: dt.date) -> dt.date:
    """This month's contact day if it is today or later, else next month's (overrides and
    holidays included). Two queries."""
    township = township if township is not None else _DefaultRule()
    months = [(today.year, today.month), shift_month(today.year, today.month, 1)]
    days = contact_days_for_months([township], months)
    this_month, next_month = (days[m][township.pk] for m in months)
    return this_month if this_month >= today else next_month


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


# --- Holidays ------------------------------------------------------------------------------------
def is_day_off(day: dt.date, calendar: dict[dt.date, str], *, weekday: int = WEDNESDAY) -> bool:
    """A holiday, or a weekend day not made a working day, unless the township's contact day
    is on that weekday. `calendar` is `issues.deadlines.calendar_exceptions` of the span."""
    kind = calendar.get(day)
    if kind == CalendarDay.Kind.HOLIDAY:
        return True
    if kind == CalendarDay.Kind.WORKDAY:
        return False
    return day.weekday() >= 5 and day.weekday() != weekday


def next_working_weekday(
    day: dt.date, calendar: dict[dt.date, str], *, weekday: int = WEDNESDAY
) -> dt.date | None:
    """The first day after `day` on `weekday` that is not a day off, within a few weeks."""
    candidate = day + dt.timedelta(days=(weekday - day.weekday()) % 7 or 7)
    for _week in range(WEEKS_SEARCHED):
        if not is_day_off(candidate, calendar, weekday=weekday):
            return candidate
        candidate += dt.timedelta(weeks=1)
    return None


@dataclass(frozen=True)
class DayOff:
    """Why a date is no day for a contact day, and which day to take instead."""

    date: dt.date
    name: str  # the holiday's name, or the weekday's
    proposed: dt.date | None


def contact_day_off(day: dt.date, *, township=None) -> DayOff | None:
    """None if `day` suits a contact day; else what it is and the proposal (the next working day
    on the township's contact weekday). Two queries at most."""
    weekday = township.contact_day_weekday if township is not None else WEDNESDAY
    calendar = calendar_exceptions(day, day + dt.timedelta(weeks=WEEKS_SEARCHED + 1))
    if not is_day_off(day, calendar, weekday=weekday):
        return None
    holiday = CalendarDay.objects.filter(date=day).values_list("name", flat=True).first()
    name = holiday or str(WEEKDAY_NAMES[day.weekday()])
    return DayOff(day, name, next_working_weekday(day, calendar, weekday=weekday))


def contact_day_holiday_check(*, date, township=None, confirmed: bool = False) -> None:
    """The rule of every door that sets a month's contact day: a day off is refused with the
    proposal unless the admin confirmed it (a field error on `date`)."""
    if date is None or confirmed:
        return
    off = contact_day_off(date, township=township)
    if off is None:
        return
    if off.proposed is not None:
        message = _(
            "%(date)s 是%(name)s，不是工作日。建议改为 %(proposed)s（%(weekday)s）；"
            "如确需当天开展，请勾选“仍在节假日开展”后保存。"
        ) % {
            "date": off.date.isoformat(),
            "name": off.name,
            "proposed": off.proposed.isoformat(),
            "weekday": WEEKDAY_NAMES[off.proposed.weekday()],
        }
    else:
        message = _(
            "%(date)s 是%(name)s，不是工作日；如确需当天开展，请勾选“仍在节假日开展”后保存。"
        ) % {"date": off.date.isoformat(), "name": off.name}
    raise ValidationError({"date": ValidationError(message, code="day_off")})
