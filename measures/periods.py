"""A period of time: a calendar year, or from one date to another (chosen with ``PeriodForm``)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone
from django.utils.formats import date_format

MONTHS_SHOWN = 12


@dataclass(frozen=True)
class Period:
    """From ``start`` to ``end``, both days included."""

    start: datetime.date
    end: datetime.date

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(datetime.date(year, 1, 1), datetime.date(year, 12, 31))

    @classmethod
    def last_months(cls, months: int = MONTHS_SHOWN, *, today=None) -> Period:
        """The last ``months`` calendar months, this month included."""
        this_month = (today or timezone.localdate()).replace(day=1)
        end = add_months(this_month, 1) - datetime.timedelta(days=1)
        return cls(add_months(this_month, -(months - 1)), end)

    @property
    def is_calendar_year(self) -> bool:
        return (
            self.start.year == self.end.year
            and (self.start.month, self.start.day) == (1, 1)
            and (self.end.month, self.end.day) == (12, 31)
        )

    def __str__(self) -> str:
        if self.is_calendar_year:
            return str(self.start.year)
        start = date_format(self.start, "DATE_FORMAT")
        return f"{start}–{date_format(self.end, 'DATE_FORMAT')}"

    def months(self) -> list[datetime.date]:
        """The first day of every month the period touches."""
        first, last = self.start.replace(day=1), self.end.replace(day=1)
        count = (last.year - first.year) * 12 + last.month - first.month + 1
        return [add_months(first, index) for index in range(count)]


# A community's reporting frequency (``Community.ReportingFrequency``): months per period.
MONTHS_PER_PERIOD = {"monthly": 1, "quarterly": 3, "yearly": 12}


def last_completed_period(frequency: str, today: datetime.date) -> Period:
    """The last whole reporting period before ``today``: last month, last quarter or last year."""
    months = MONTHS_PER_PERIOD[frequency]
    this_month = today.replace(day=1)
    # Periods start in January, April, July, October (quarters) or January (years).
    current_start = add_months(this_month, -((this_month.month - 1) % months))
    start = add_months(current_start, -months)
    return Period(start, current_start - datetime.timedelta(days=1))


def add_months(first_of_month: datetime.date, months: int) -> datetime.date:
    index = first_of_month.year * 12 + first_of_month.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)
