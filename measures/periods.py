"""A period of time: a calendar year, or from one date to another, chosen in a small GET form."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django import forms
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

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
        month, last = self.start.replace(day=1), self.end.replace(day=1)
        months = []
        while month <= last:
            months.append(month)
            month = add_months(month, 1)
        return months


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


class PeriodForm(forms.Form):
    """``?year=2026``, or ``?start=2026-01-01&end=2026-06-30`` (the dates win over the year).

    Empty means ``default`` (None: no limit). ``years`` are the choices of the year select.
    """

    year = forms.TypedChoiceField(label=_lazy("Year"), coerce=int, required=False)
    start = forms.DateField(
        label=_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    max_months: int | None = None

    def __init__(self, data=None, *, years=None, default: Period | None = None, **kwargs):
        super().__init__(data, **kwargs)
        this_year = timezone.localdate().year
        years = years or range(this_year, 1999, -1)
        self.fields["year"].choices = [("", _("Choose a year")), *((y, str(y)) for y in years)]
        self.default = default
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs["class"] = css

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if bool(start) != bool(end) and not self.has_error("start") and not self.has_error("end"):
            missing = "end" if start else "start"
            self.add_error(missing, _("Fill in both dates, or choose a year instead."))
        elif start and end and end < start:
            self.add_error("end", _("The end date cannot be before the start date."))
        elif (
            start and end and self.max_months and len(Period(start, end).months()) > self.max_months
        ):
            self.add_error(
                "end",
                _("Choose a period of at most %(months)s months.") % {"months": self.max_months},
            )
        return data

    @property
    def period(self) -> Period | None:
        """The chosen period; only call after ``is_valid()``."""
        data = getattr(self, "cleaned_data", {})
        if data.get("start") and data.get("end"):
            return Period(data["start"], data["end"])
        if data.get("year"):
            return Period.year(data["year"])
        return self.default
