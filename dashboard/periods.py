"""Reporting periods: a month, a quarter, a year or a custom range of dates."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date  # inclusive
    kind: str = "custom"

    @property
    def label(self) -> str:
        if self.kind == "month":
            return _("%(y)d年%(m)d月") % {"y": self.start.year, "m": self.start.month}
        if self.kind == "quarter":
            return _("%(y)d年第%(q)d季度") % {
                "y": self.start.year,
                "q": (self.start.month - 1) // 3 + 1,
            }
        if self.kind == "year":
            return _("%(y)d年") % {"y": self.start.year}
        return f"{self.start:%Y-%m-%d} ~ {self.end:%Y-%m-%d}"

    @property
    def months(self) -> int:
        """Calendar months touched by the period (the expected visits count one per month)."""
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """Aware datetimes [start, end + 1 day) in the local time zone: index-friendly ranges."""
        tz = timezone.get_current_timezone()
        low = dt.datetime.combine(self.start, dt.time.min, tzinfo=tz)
        high = dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
        return low, high

    def as_query(self) -> dict[str, str]:
        """The issues list's date filter for this period."""
        return {"date_from": self.start.isoformat(), "date_to": self.end.isoformat()}


def month_period(year: int, month: int) -> Period:
    last = calendar.monthrange(year, month)[1]
    return Period(dt.date(year, month, 1), dt.date(year, month, last), "month")


def quarter_period(year: int, quarter: int) -> Period:
    first = 3 * (quarter - 1) + 1
    last = calendar.monthrange(year, first + 2)[1]
    return Period(dt.date(year, first, 1), dt.date(year, first + 2, last), "quarter")


def year_period(year: int) -> Period:
    return Period(dt.date(year, 1, 1), dt.date(year, 12, 31), "year")


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def trend_months(period: Period, *, span: int = 12) -> list[dt.date]:
    """First days of the months of the trend: the period's months, at least `span` of them
    ending with the period's last month."""
    last = period.end.replace(day=1)
    first = min(period.start.replace(day=1), add_months(last, -(span - 1)))
    count = (last.year - first.year) * 12 + last.month - first.month + 1
    return [add_months(first, i) for i in range(count)]
