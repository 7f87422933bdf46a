"""Calendar feeds (RFC 5545) of the public pages: a community's, a measure's, a filtered list's.

One ``VEVENT`` per time slot: ``DTSTART`` at its first session in the feed's window (with
``TZID=Europe/Oslo`` and the zone's ``VTIMEZONE``), a weekly ``RRULE`` on its weekdays until its
last regular session (``UNTIL`` in UTC, as RFC 5545 asks when ``DTSTART`` has a zone), ``EXDATE``
for every weekday the rule makes that has no session (public and school holidays, cancelled
days) and ``RDATE`` for added days the rule does not make. So a calendar expanding the event
gets exactly ``measures.schedules``' sessions; ``tests/test_feeds.py`` checks it with an
independent reader. The ``UID`` is the slot's, so an edited slot updates the event a subscriber
already has, and ``URL`` leads back to the measure's public page.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Sequence

from django.utils.translation import gettext as _
from icalendar import Calendar, Event, Timezone, TimezoneDaylight, TimezoneStandard, vDuration

from measures.models import Measure, TimeSlot
from measures.schedules import WEEK, HolidayCalendar, SlotDates, at, slot_dates

# The window a feed covers, around the day it is fetched: a calendar app fetches it again
# (hourly to daily), and the window moves with it.
FEED_PAST = datetime.timedelta(days=92)
FEED_AHEAD = datetime.timedelta(days=400)
REFRESH = datetime.timedelta(hours=1)
ICAL_DAYS = {1: "MO", 2: "TU", 3: "WE", 4: "TH", 5: "FR", 6: "SA", 7: "SU"}
PRODID = "-//Aktive Lokalsamfunn//Hva skjer//NO"


def feed_window(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    return today - FEED_PAST, today + FEED_AHEAD


def build_feed(
    *,
    name: str,
    slots: Iterable[TimeSlot],
    calendar: HolidayCalendar,
    first: datetime.date,
    last: datetime.date,
    url_of: Callable[[Measure], str],
    uid_domain: str,
    now: datetime.datetime,
    weekdays: Sequence[int] | None = None,
) -> bytes:
    """The feed as bytes: the sessions of ``slots`` from ``first`` to ``last``."""
    feed = Calendar()
    feed.add("prodid", PRODID)
    feed.add("version", "2.0")
    feed.add("calscale", "GREGORIAN")
    feed.add("method", "PUBLISH")
    feed.add("name", name)  # RFC 7986
    feed.add("x-wr-calname", name)  # what most calendar apps read
    feed.add("refresh-interval", vDuration(REFRESH), parameters={"VALUE": "DURATION"})
    feed.add("x-published-ttl", vDuration(REFRESH))
    for slot in slots:
        dates = slot_dates(slot, first, last, calendar, weekdays)
        event = slot_event(
            slot, dates, weekdays=weekdays, url=url_of(slot.measure), uid_domain=uid_domain, now=now
        )
        if event is not None:
            feed.add_component(event)
    feed.add_component(oslo_timezone())
    return feed.to_ical()


def slot_event(
    slot: TimeSlot,
    dates: SlotDates,
    *,
    weekdays: Sequence[int] | None,
    url: str,
    uid_domain: str,
    now: datetime.datetime,
) -> Event | None:
    """The slot's sessions in ``dates`` as one recurring event (None without sessions)."""
    sessions = dates.sessions
    if not sessions:
        return None
    measure = slot.measure
    days = [day for day in slot.weekdays if weekdays is None or day in weekdays]
    event = Event()
    event.add("uid", f"slot-{slot.pk}@{uid_domain}")
    event.add("dtstamp", now.astimezone(datetime.UTC))
    event.add("last-modified", slot.updated_at.astimezone(datetime.UTC))
    event.add("sequence", slot.version - 1)
    event.add("summary", measure.title)
    event.add("description", description(measure, url))
    if slot.place:
        event.add("location", slot.place)
    event.add("url", url)
    event.add("status", "CONFIRMED")
    event.add("transp", "TRANSPARENT")  # a resident is not "busy" because a hall is open
    if dates.regular:
        first, last = dates.regular[0], dates.regular[-1]
        rule_days = rule_dates(first, last, days)
        event.add(
            "rrule",
            {
                "freq": "weekly",
                "byday": [ICAL_DAYS[day] for day in days],
                "until": at(last, slot.starts_at).astimezone(datetime.UTC),
            },
        )
        excluded = sorted(rule_days - set(sessions))
        extra = sorted(set(sessions) - rule_days)
    else:
        first, excluded, extra = sessions[0], [], sessions[1:]
    event.add("dtstart", at(first, slot.starts_at))
    event.add("dtend", at(first, slot.ends_at))
    if excluded:
        event.add("exdate", [at(day, slot.starts_at) for day in excluded])
    if extra:
        event.add("rdate", [at(day, slot.starts_at) for day in extra])
    return event


def oslo_timezone() -> Timezone:
    """Europe/Oslo as a ``VTIMEZONE``: the EU's summer time rule (since 1996), last Sunday of
    March 02:00 to last Sunday of October 03:00. Short, and right for every year a feed covers
    (``tests/test_feeds.py`` compares it with the tz database)."""
    zone = Timezone()
    zone.add("tzid", "Europe/Oslo")
    for part, name, offsets, start, month in (
        (TimezoneDaylight(), "CEST", (1, 2), datetime.datetime(1996, 3, 31, 2), 3),
        (TimezoneStandard(), "CET", (2, 1), datetime.datetime(1996, 10, 27, 3), 10),
    ):
        part.add("tzname", name)
        part.add("tzoffsetfrom", datetime.timedelta(hours=offsets[0]))
        part.add("tzoffsetto", datetime.timedelta(hours=offsets[1]))
        part.add("dtstart", start)
        part.add("rrule", {"freq": "yearly", "bymonth": month, "byday": "-1SU"})
        zone.add_component(part)
    return zone


def rule_dates(first: datetime.date, last: datetime.date, days: Iterable[int]) -> set:
    """The dates a weekly rule on ``days`` makes from ``first`` to ``last``."""
    found = set()
    for weekday in days:
        day = first + datetime.timedelta(days=(weekday - first.isoweekday()) % 7)
        while day <= last:
            found.add(day)
            day += WEEK
    return found


def description(measure: Measure, url: str) -> str:
    lines = [measure.summary]
    lines.append(free_text(measure))
    lines.append(url)
    return "\n\n".join(line for line in lines if line)


def free_text(measure: Measure) -> str:
    """ "Free, no sign-up" or what it costs and how to sign up, in words."""
    price = _("Free.") if measure.is_free else _("Costs something: see the measure's page.")
    if measure.sign_up:
        return f"{price} " + _("Sign-up: %(how)s") % {"how": measure.sign_up}
    return f"{price} " + _("No sign-up: just come.")
