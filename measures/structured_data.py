"""schema.org ``Event`` with its ``Schedule``s, as JSON-LD on a public measure page, so that
search engines and other calendars can read when and where a measure is held."""

from __future__ import annotations

import datetime

from measures.models import Measure, TimeSlot
from measures.schedules import HolidayCalendar, Session, at, slot_dates, slot_span

SCHEMA_DAYS = {
    1: "https://schema.org/Monday",
    2: "https://schema.org/Tuesday",
    3: "https://schema.org/Wednesday",
    4: "https://schema.org/Thursday",
    5: "https://schema.org/Friday",
    6: "https://schema.org/Saturday",
    7: "https://schema.org/Sunday",
}
# How far ahead a schedule lists the days it skips (holidays, cancellations).
EXCEPTIONS_AHEAD = datetime.timedelta(days=365)


def measure_event(
    measure: Measure,
    *,
    slots: list[TimeSlot],
    upcoming: list[Session],
    calendar: HolidayCalendar,
    today: datetime.date,
    url: str,
    image: str = "",
) -> dict | None:
    """The measure as an Event whose ``startDate`` is its next session; None without one."""
    if not upcoming:
        return None
    first = upcoming[0]
    event = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": measure.title,
        "description": measure.summary,
        "url": url,
        "inLanguage": "nb",
        "startDate": first.start.isoformat(),
        "endDate": first.end.isoformat(),
        "eventStatus": "https://schema.org/EventScheduled",
        "eventAttendanceMode": "https://schema.org/OfflineEventAttendanceMode",
        "isAccessibleForFree": measure.is_free,
        "location": place(first.place or measure.venue, measure),
        "organizer": {"@type": "Organization", "name": measure.lead_partner.name},
        "eventSchedule": [schedule(slot, calendar, today) for slot in slots],
    }
    if measure.lead_partner.website:
        event["organizer"]["url"] = measure.lead_partner.website
    groups = [group.name for group in measure.target_groups.all()]
    if groups:
        event["audience"] = {"@type": "PeopleAudience", "audienceType": ", ".join(groups)}
    if measure.is_free:
        event["offers"] = {
            "@type": "Offer",
            "price": "0",
            "priceCurrency": "NOK",
            "url": url,
            "availability": "https://schema.org/InStock",
        }
    if image:
        event["image"] = [image]
    return event


def place(name: str, measure: Measure) -> dict:
    community = measure.community
    return {
        "@type": "Place",
        "name": name or community.name,
        "address": {
            "@type": "PostalAddress",
            "addressLocality": community.name,
            "addressRegion": community.municipality,
            "addressCountry": "NO",
        },
    }


def schedule(slot: TimeSlot, calendar: HolidayCalendar, today: datetime.date) -> dict:
    first, last = slot_span(slot)
    found = {
        "@type": "Schedule",
        "repeatFrequency": "P1W",
        "byDay": [SCHEMA_DAYS[day] for day in slot.weekdays],
        "startTime": slot.starts_at.isoformat(timespec="minutes"),
        "endTime": slot.ends_at.isoformat(timespec="minutes"),
        "startDate": first.isoformat(),
        "scheduleTimezone": "Europe/Oslo",
    }
    if last:
        found["endDate"] = last.isoformat()
    skipped = slot_dates(slot, today, today + EXCEPTIONS_AHEAD, calendar).skipped
    if skipped:
        found["exceptDate"] = [at(day, slot.starts_at).isoformat() for day in sorted(skipped)]
    return found
