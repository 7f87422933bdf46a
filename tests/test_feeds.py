"""The calendar feed round trip: an independent reader (``recurring-ical-events``) expands the
feed, and gets exactly the portal's own sessions for a year that crosses both DST changes and
every school holiday."""

import datetime
import re
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events

from measures.feeds import build_feed, oslo_timezone
from measures.models import ScheduleChange
from measures.schedules import HolidayCalendar, sessions, slots_of
from tests.factories import (
    MeasureFactory,
    ScheduleChangeFactory,
    TimeSlotFactory,
)
from tests.test_schedules import YEAR, add_school_year

D = datetime.date
T = datetime.time
NOW = datetime.datetime(2026, 8, 10, 12, tzinfo=datetime.UTC)


@pytest.fixture
def schedules(community):
    """Åpen hall on Fridays and on Tuesdays and Wednesdays, seniors on Mondays and Thursdays
    (through the school holidays), a Sunday walk on both DST days, a measure that ends in
    February; a cancelled day, an added day in the autumn break and an added Saturday."""
    add_school_year(community)
    hall = MeasureFactory(
        community=community, title="Åpen hall", slug="apen-hall", venue="Konnerudhallen"
    )
    friday = TimeSlotFactory(measure=hall)
    weekdays = TimeSlotFactory(
        measure=hall,
        weekdays=(2, 3),
        starts_at=T(14),
        ends_at=T(16),
        venue="Krokstadelva skole",
        season_end=D(2027, 6, 18),
    )
    ScheduleChangeFactory(slot=friday, date=D(2026, 11, 13), note="Eksamen")
    ScheduleChangeFactory(slot=friday, date=D(2026, 10, 2), kind=ScheduleChange.Kind.ADDED)
    ScheduleChangeFactory(slot=weekdays, date=D(2027, 6, 12), kind=ScheduleChange.Kind.ADDED)
    senior = MeasureFactory(community=community, title="Aktiv senior")
    TimeSlotFactory(
        measure=senior,
        weekdays=(1, 4),
        starts_at=T(10),
        ends_at=T(12),
        season_start=D(2026, 1, 5),
        pauses_in_school_holidays=False,
    )
    walk = MeasureFactory(community=community, title="Søndagstur")
    TimeSlotFactory(
        measure=walk, weekdays=(7,), starts_at=T(10), ends_at=T(12), pauses_in_school_holidays=False
    )
    ended = MeasureFactory(community=community, title="Høstprosjekt", ended_on=D(2027, 2, 5))
    TimeSlotFactory(measure=ended, weekdays=(4,), starts_at=T(17, 30), ends_at=T(19))
    return [hall, senior, walk, ended]


def feed(community, measures, weekdays=None) -> bytes:
    return build_feed(
        name="Hva skjer på Konnerud",
        slots=slots_of(measures),
        calendar=HolidayCalendar.for_community(community),
        first=YEAR[0],
        last=YEAR[1],
        url_of=lambda measure: f"https://portal.example/hva-skjer/konnerud/tiltak/{measure.slug}/",
        uid_domain="portal.example",
        now=NOW,
        weekdays=weekdays,
    )


def expanded(ical: bytes) -> set[tuple]:
    """(title, start in UTC, end in UTC) of every event the independent reader expands."""
    calendar = icalendar.Calendar.from_ical(ical)
    events = recurring_ical_events.of(calendar).between(YEAR[0], YEAR[1] + datetime.timedelta(1))
    return {
        (
            str(event["SUMMARY"]),
            event["DTSTART"].dt.astimezone(datetime.UTC),
            event["DTEND"].dt.astimezone(datetime.UTC),
        )
        for event in events
    }


def portal(community, measures, weekdays=None) -> set[tuple]:
    found = sessions(
        slots_of(measures),
        *YEAR,
        HolidayCalendar.for_community(community),
        weekdays=weekdays,
    )
    return {
        (s.measure.title, s.start.astimezone(datetime.UTC), s.end.astimezone(datetime.UTC))
        for s in found
    }


@pytest.mark.django_db
def test_the_feed_expands_to_exactly_the_portal_s_sessions(community, schedules):
    ical = feed(community, schedules)
    ours = portal(community, schedules)
    assert expanded(ical) == ours
    assert len(ours) > 250  # a year of five slots, not an empty comparison
    starts = {start for _title, start, _end in ours}
    # Both DST changes are in it: the Sunday walk at 10:00 Oslo time is 08:00 or 09:00 UTC.
    utc = datetime.UTC
    assert datetime.datetime(2026, 10, 18, 8, tzinfo=utc) in starts
    assert datetime.datetime(2026, 10, 25, 9, tzinfo=utc) in starts
    assert datetime.datetime(2027, 4, 4, 8, tzinfo=utc) in starts


@pytest.mark.django_db
def test_a_filtered_feed_expands_to_the_filtered_sessions(community, schedules):
    hall = schedules[0]
    ical = feed(community, [hall], weekdays=[3, 6])  # Wednesdays and Saturdays
    assert expanded(ical) == portal(community, [hall], weekdays=[3, 6])
    assert {start.isoweekday() for _t, start, _e in expanded(ical)} == {3, 6}


@pytest.mark.django_db
def test_the_feed_is_rfc_5545_with_its_zone_exceptions_and_links(community, schedules):
    ical = feed(community, schedules)
    text = ical.decode()
    calendar = icalendar.Calendar.from_ical(ical)
    assert calendar["VERSION"] == "2.0" and "PRODID" in calendar
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Oslo"]
    events = calendar.walk("VEVENT")
    assert len(events) == 5  # one per slot
    friday = next(e for e in events if "FR" in e["RRULE"]["BYDAY"])
    assert friday["DTSTART"].params["TZID"] == "Europe/Oslo"
    assert friday["DTSTART"].dt == datetime.datetime(
        2026, 8, 21, 19, tzinfo=friday["DTSTART"].dt.tzinfo
    )
    assert friday["RRULE"]["FREQ"] == ["WEEKLY"]
    assert friday["LOCATION"] == "Konnerudhallen"
    assert friday["URL"] == "https://portal.example/hva-skjer/konnerud/tiltak/apen-hall/"
    exdates = {d.dt.date() for line in _list(friday["EXDATE"]) for d in line.dts}
    assert {D(2026, 11, 13), D(2026, 12, 25), D(2027, 3, 26)} <= exdates  # cancelled, holidays
    assert D(2026, 10, 2) not in exdates  # added in the autumn break
    # UNTIL in UTC, as RFC 5545 asks when DTSTART has a zone.
    unfolded = text.replace("\r\n ", "")
    assert len(re.findall(r"UNTIL=\d{8}T\d{6}Z", unfolded)) == unfolded.count("UNTIL=") == 5
    weekdays = next(e for e in events if e.get("LOCATION") == "Krokstadelva skole")
    rdates = {d.dt.date() for line in _list(weekdays["RDATE"]) for d in line.dts}
    assert rdates == {D(2027, 6, 12)}  # the added Saturday
    # Stable UIDs: the same slot has the same UID in every build of the feed.
    again = icalendar.Calendar.from_ical(feed(community, schedules)).walk("VEVENT")
    assert [e["UID"] for e in events] == [e["UID"] for e in again]
    assert len({e["UID"] for e in events}) == 5


def test_the_feed_s_time_zone_agrees_with_the_tz_database():
    zone = oslo_timezone().to_tz()
    oslo = ZoneInfo("Europe/Oslo")
    moment = datetime.datetime(2026, 1, 1, 0, 30)
    while moment < datetime.datetime(2029, 1, 1):
        assert zone.utcoffset(moment) == moment.replace(tzinfo=oslo).utcoffset(), moment
        moment += datetime.timedelta(hours=5)


def _list(value):
    return value if isinstance(value, list) else [value]
