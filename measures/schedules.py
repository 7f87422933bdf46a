"""When measures are held: the sessions their time slots make, in words and in code.

The rules, the same on the public pages, in the calendar feeds and in "planned vs reported":

- A time slot runs on its weekdays, from its start to its end time in Oslo time (summer and
  winter time as the clock on the wall shows them), from the first day of its season to the
  last (or until further notice), and only while its measure runs: not before the measure's
  start date nor after its end date, when those are set.
- Norway's public holidays (``holidays.Norway``: 1 January, Easter, 1 and 17 May, Ascension,
  Whit Monday, Christmas …) have no sessions.
- A slot that follows the school calendar has no sessions in its community's school holidays,
  nor in those entered for the whole municipality (``HolidayPeriod``).
- A cancelled date of a slot has no session; an added date has one, at the slot's times,
  whatever the rules above say.

Every function here reads what it is given (slots with their measure and changes, and a
``HolidayCalendar``): the callers load those in a fixed number of queries.
"""

from __future__ import annotations

import datetime
import functools
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import holidays
from django.utils.translation import gettext as _

from measures.models import Measure, ScheduleChange, TimeSlot, Weekday
from measures.periods import Period
from partnerships.models import Community, HolidayPeriod

OSLO = ZoneInfo("Europe/Oslo")
DAY = datetime.timedelta(days=1)
WEEK = datetime.timedelta(days=7)


@functools.cache
def public_holidays(year: int) -> dict[datetime.date, str]:
    """Norway's public holidays of ``year`` with their Norwegian names. The same for every
    request, and building them loads the package's translations: computed once a year per
    process (a few years, a few hundred bytes)."""
    return dict(holidays.Norway(years=year, language="no"))


class HolidayCalendar:
    """The days without sessions: Norway's public holidays, and school holidays."""

    def __init__(self, periods: Iterable[HolidayPeriod] = ()):
        self.school: dict[datetime.date, str] = {}
        for period in sorted(periods, key=lambda p: (p.first_day, p.pk or 0)):
            day = period.first_day
            while day <= period.last_day:
                self.school.setdefault(day, period.name)
                day += DAY

    @classmethod
    def for_community(cls, community: Community) -> HolidayCalendar:
        """The community's and its municipality's school holidays: one query."""
        return cls(HolidayPeriod.objects.for_community(community))

    def public_holiday(self, day: datetime.date) -> str | None:
        return public_holidays(day.year).get(day)

    def school_holiday(self, day: datetime.date) -> str | None:
        return self.school.get(day)

    def closed(self, day: datetime.date, slot: TimeSlot) -> str | None:
        """Why ``slot`` has no session on ``day`` (None if it has one)."""
        return self.public_holiday(day) or (
            self.school_holiday(day) if slot.pauses_in_school_holidays else None
        )


@dataclass(frozen=True)
class Session:
    """One session of a measure: a date and time a resident can come."""

    slot: TimeSlot
    day: datetime.date
    added: bool = False
    cancelled: bool = False
    note: str = ""

    @property
    def measure(self) -> Measure:
        return self.slot.measure

    @property
    def start(self) -> datetime.datetime:
        return at(self.day, self.slot.starts_at)

    @property
    def end(self) -> datetime.datetime:
        return at(self.day, self.slot.ends_at)

    @property
    def place(self) -> str:
        return self.slot.place


def at(day: datetime.date, time: datetime.time) -> datetime.datetime:
    """``time`` on ``day`` on an Oslo wall clock (summer or winter time as that day has it)."""
    return datetime.datetime.combine(day, time, tzinfo=OSLO)


@dataclass
class SlotDates:
    """A slot's dates in a window: the sessions, the weekdays skipped (with why), the extras."""

    regular: list[datetime.date] = field(default_factory=list)
    skipped: dict[datetime.date, str] = field(default_factory=dict)
    cancelled: dict[datetime.date, str] = field(default_factory=dict)
    added: dict[datetime.date, str] = field(default_factory=dict)

    @property
    def sessions(self) -> list[datetime.date]:
        return sorted([*self.regular, *self.added])


def slot_span(slot: TimeSlot) -> tuple[datetime.date, datetime.date | None]:
    """The first and last day the slot can run (None: until further notice)."""
    measure = slot.measure
    first = max(filter(None, [slot.season_start, measure.started_on]))
    ends = [day for day in (slot.season_end, measure.ended_on) if day]
    return first, min(ends) if ends else None


def slot_dates(
    slot: TimeSlot,
    first: datetime.date,
    last: datetime.date,
    calendar: HolidayCalendar,
    weekdays: Sequence[int] | None = None,
) -> SlotDates:
    """The slot's dates from ``first`` to ``last`` (both included), on ``weekdays`` only if
    given. Reads the slot's changes from ``change_list`` (``slots_of``) if it has one."""
    listed = getattr(slot, "change_list", None)
    changes = {c.date: c for c in (slot.changes.all() if listed is None else listed)}
    days = [day for day in slot.weekdays if weekdays is None or day in weekdays]
    span_first, span_last = slot_span(slot)
    low = max(first, span_first)
    high = min(last, span_last) if span_last else last
    result = SlotDates()
    for weekday in days:
        day = low + datetime.timedelta(days=(weekday - low.isoweekday()) % 7)
        while day <= high:
            change = changes.get(day)
            reason = calendar.closed(day, slot)
            if change is not None and change.kind == ScheduleChange.Kind.ADDED:
                result.added[day] = change.note  # held whatever the calendar says
            elif change is not None:
                result.cancelled[day] = change.note
                result.skipped[day] = change.note
            elif reason:
                result.skipped[day] = reason
            else:
                result.regular.append(day)
            day += WEEK
    for day, change in changes.items():
        wanted = weekdays is None or day.isoweekday() in weekdays
        if change.kind == ScheduleChange.Kind.ADDED and first <= day <= last and wanted:
            result.added[day] = change.note
    result.regular.sort()
    return result


def sessions(
    slots: Iterable[TimeSlot],
    first: datetime.date,
    last: datetime.date,
    calendar: HolidayCalendar,
    *,
    weekdays: Sequence[int] | None = None,
    with_cancelled: bool = False,
) -> list[Session]:
    """Every session of ``slots`` from ``first`` to ``last``, in time order; with the
    cancelled ones too (marked) if asked, so that a page can say so."""
    found = []
    for slot in slots:
        dates = slot_dates(slot, first, last, calendar, weekdays)
        found += [Session(slot, day) for day in dates.regular]
        found += [Session(slot, day, added=True, note=note) for day, note in dates.added.items()]
        if with_cancelled:
            found += [
                Session(slot, day, cancelled=True, note=note)
                for day, note in dates.cancelled.items()
            ]
    return sorted(found, key=lambda s: (s.start, s.measure.title, s.slot.pk))


def planned_sessions(
    slots: Iterable[TimeSlot],
    period: Period,
    calendar: HolidayCalendar,
    *,
    until: datetime.date | None = None,
) -> Counter:
    """How many sessions the schedule planned, per ``(measure id, first of month)``, in
    ``period`` up to ``until`` (sessions still to come are not yet missing)."""
    last = min(period.end, until) if until else period.end
    counts: Counter = Counter()
    if last < period.start:
        return counts
    for slot in slots:
        for day in slot_dates(slot, period.start, last, calendar).sessions:
            counts[(slot.measure_id, day.replace(day=1))] += 1
    return counts


def planned_per_measure(
    slots: Sequence[TimeSlot], period: Period, calendar: HolidayCalendar, *, until: datetime.date
) -> dict[int, int]:
    """Planned sessions in ``period`` up to ``until`` per measure that has time slots."""
    totals = dict.fromkeys((slot.measure_id for slot in slots), 0)
    for (measure_id, _month), count in planned_sessions(
        slots, period, calendar, until=until
    ).items():
        totals[measure_id] += count
    return totals


@dataclass(frozen=True)
class PlannedReported:
    """One month: the sessions the schedule planned up to today, and the sessions reported."""

    month: datetime.date
    planned: int
    reported: int

    @property
    def missing(self) -> int:
        return max(self.planned - self.reported, 0)


def planned_vs_reported(
    measure: Measure,
    slots: Iterable[TimeSlot],
    months: list[dict],
    period: Period,
    calendar: HolidayCalendar,
    *,
    today: datetime.date,
) -> list[PlannedReported]:
    """Per month of ``period``: planned sessions beside the sessions of the reports that start
    in it (``months`` is ``ReportQuerySet.monthly``'s rows, counted by its rules)."""
    planned = planned_sessions(slots, period, calendar, until=today)
    return [
        PlannedReported(row["month"], planned.get((measure.pk, row["month"]), 0), row["sessions"])
        for row in months
    ]


def week_of(day: datetime.date) -> datetime.date:
    """The Monday of ``day``'s week (weeks run Monday to Sunday in Norway)."""
    return day - datetime.timedelta(days=day.isoweekday() - 1)


def weekday_names(days: Iterable[int]) -> list[str]:
    return [str(Weekday(day).label) for day in days]


def weekdays_text(days: Iterable[int]) -> str:
    """“tirsdag og onsdag”, “mandag, onsdag og fredag”."""
    names = weekday_names(days)
    if len(names) < 2:
        return "".join(names)
    return _("%(first)s and %(last)s") % {"first": ", ".join(names[:-1]), "last": names[-1]}


def slots_of(measures) -> list[TimeSlot]:
    """The time slots of ``measures`` (a queryset or a list) with their measure, and their
    changed days in ``change_list``: always two queries, whether there are slots or not."""
    slots = list(
        TimeSlot.objects.filter(measure__in=measures)
        .select_related("measure__community")
        .order_by("measure__title", "measure_id", "season_start", "starts_at", "pk")
    )
    changes: dict[int, list[ScheduleChange]] = {}
    for change in ScheduleChange.objects.filter(slot__measure__in=measures).order_by("date", "pk"):
        changes.setdefault(change.slot_id, []).append(change)
    for slot in slots:
        slot.change_list = changes.get(slot.pk, [])
    return slots
