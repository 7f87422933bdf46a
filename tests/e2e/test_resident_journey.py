"""A resident on a phone, not logged in, finds when Åpen hall is open next week and adds it to
their calendar; the feed they get is checked. axe on every page, vnu on every document."""

import datetime
import re

import icalendar
import pytest
import recurring_ical_events
from django.core.cache import cache
from playwright.sync_api import expect

from measures.models import Measure
from measures.schedules import HolidayCalendar, sessions, slots_of, week_of
from partnerships.models import Community
from tests.e2e.conftest import DESKTOP, PHONE, assert_accessible, log_in, shot

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


def next_week_sessions():
    """Åpen hall's sessions next week, by the portal's own rules."""
    hall = Measure.objects.get(title="Åpen hall")
    monday = week_of(datetime.date.today()) + datetime.timedelta(weeks=1)
    calendar = HolidayCalendar.for_community(hall.community)
    return monday, sessions(slots_of([hall]), monday, monday + datetime.timedelta(days=6), calendar)


def test_a_resident_finds_apen_hall_next_week_and_subscribes(demo, open_page):
    page = open_page(PHONE)
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.get_by_role("link", name="se hva som skjer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hva skjer der du bor")
    assert_accessible(page)
    shot(page, "public-index-phone")

    page.get_by_role("link", name="Hva skjer på Konnerud").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hva skjer på Konnerud")
    assert_accessible(page)
    shot(page, "public-community-phone")

    monday, expected = next_week_sessions()
    next_week = page.locator("section").filter(
        has=page.get_by_role("heading", name=re.compile(r"^Neste uke"))
    )
    if expected:
        day = next_week.locator("li.week-day").filter(has_text="Åpen hall").first
        expect(day.get_by_role("heading")).to_contain_text(f"{expected[0].day.day}. ")
        session = day.locator("li.session").filter(has_text="Åpen hall")
        expect(session).to_contain_text(f"{expected[0].start:%H:%M}–{expected[0].end:%H:%M}")
        expect(session).to_contain_text("Konnerudhallen")
    else:  # a school holiday next week: no Åpen hall, and the page says why
        expect(next_week).not_to_contain_text("Åpen hall")
        expect(next_week.locator(".holiday-note").first).to_be_visible()

    # The calendar, a week at a time: next week has the same sessions.
    page.get_by_role("link", name="Se flere uker i kalenderen").click()
    page.get_by_role("link", name="Neste uke").click()
    expect(page).to_have_url(re.compile(rf"uke={monday:%G-W%V}"))
    if expected:
        expect(page.locator("main")).to_contain_text("Åpen hall")
    assert_accessible(page)
    shot(page, "public-week-phone")

    page.goto("/hva-skjer/konnerud/")
    page.locator("#measures-heading ~ ul").get_by_role("link", name="Åpen hall").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Åpen hall")
    expect(page.locator("dl.facts")).to_contain_text("Fredag 19:00–23:00")
    page.get_by_text("Slik abonnerer du på telefonen").click()
    assert_accessible(page)
    shot(page, "public-measure-phone")

    subscribe = page.get_by_role("link", name="Abonner i kalenderen din")
    href = subscribe.get_attribute("href")
    assert re.fullmatch(r"webcal://[^/]+/hva-skjer/konnerud/tiltak/apen-hall/kalender\.ics", href)
    # The phone hands webcal:// to its calendar app, which fetches the same address over http(s).
    feed = page.request.get("http://" + href.removeprefix("webcal://"))
    assert feed.ok and feed.headers["content-type"] == "text/calendar; charset=utf-8"
    calendar = icalendar.Calendar.from_ical(feed.body())
    (event,) = calendar.walk("VEVENT")
    assert event["SUMMARY"] == "Åpen hall" and event["LOCATION"] == "Konnerudhallen"
    assert event["URL"] == page.url
    assert event["DTSTART"].params["TZID"] == "Europe/Oslo"
    assert event["RRULE"]["BYDAY"] == ["FR"]
    got = recurring_ical_events.of(calendar).between(monday, monday + datetime.timedelta(days=7))
    assert [e["DTSTART"].dt for e in got] == [s.start for s in expected]
    download = page.get_by_role("link", name="Last ned kalenderfilen (.ics)")
    assert download.get_attribute("href") == "http://" + href.removeprefix("webcal://")

    page.get_by_role("link", name="Tilgjengelighetserklæring").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tilgjengelighetserklæring")
    assert_accessible(page)
    shot(page, "accessibility-statement-phone")


def test_public_pages_on_a_desktop(demo, open_page):
    page = open_page(DESKTOP)
    page.goto("/hva-skjer/konnerud/")
    assert_accessible(page)
    shot(page, "public-community-desktop")
    page.goto("/hva-skjer/konnerud/tiltak/apen-hall/")
    assert_accessible(page)
    shot(page, "public-measure-desktop")
    script = page.locator('script[type="application/ld+json"]')
    assert '"@type":"Event"' in script.text_content()
    # open_page's teardown fails the test on any console error, a CSP violation included.


def test_the_embed_shows_only_on_the_sites_staff_set(demo, open_page, browser, live_server):
    port = live_server.url.rsplit(":", 1)[1]
    allowed, elsewhere = f"http://localhost:{port}", f"http://127.0.0.1:{port}"
    # Staff set the municipality's site in admin (an https address); the test's site is http.
    Community.objects.filter(slug="konnerud").update(embed_origins=allowed)
    page = open_page(DESKTOP)
    page.goto(f"{allowed}/e2e/embed-host/konnerud/")
    frame = page.frame_locator("iframe")
    expect(frame.get_by_role("heading", level=1)).to_have_text("Hva skjer på Konnerud")
    assert_accessible(page)
    shot(page, "embed-desktop")

    # Another site (127.0.0.1 is another origin than localhost) may not show it.
    context = browser.new_context(locale="nb-NO")
    other = context.new_page()
    refused = []
    other.on("console", lambda message: refused.append(message.text))
    other.goto(f"{elsewhere}/e2e/embed-host/konnerud/")
    other.wait_for_timeout(500)
    context.close()
    assert any("frame-ancestors" in text for text in refused), refused


def test_a_partner_cancels_a_friday_and_residents_see_it_at_once(demo, open_page):
    hall = Measure.objects.get(title="Åpen hall")
    _monday, expected = next_week_sessions()
    resident = open_page(PHONE)
    resident.goto("/hva-skjer/konnerud/tiltak/apen-hall/")  # now in the cache
    page = open_page(DESKTOP)
    log_in(page, "konnerud-il")
    page.goto(f"/measures/{hall.pk}/")
    page.get_by_role("link", name="Tidspunkter", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tidspunkter for «Åpen hall»")
    assert_accessible(page)
    shot(page, "measure-times-desktop")
    if not expected:
        return  # next week is a school holiday: nothing to cancel
    day = expected[0].day
    page.get_by_label("Dato").fill(day.isoformat())
    page.get_by_label("Notat").fill("Hallen brukes til eksamen")
    page.get_by_role("button", name="Lagre").click()
    expect(page.get_by_role("status").first).to_contain_text("er avlyst")
    assert_accessible(page)

    resident.reload()
    cancelled = resident.locator("li.session-cancelled").first
    expect(cancelled).to_contain_text("Avlyst: Hallen brukes til eksamen")

    page.goto("/communities/konnerud/holidays/")
    assert_accessible(page)
    shot(page, "school-holidays-desktop")
    page.goto("/communities/konnerud/public/")
    assert_accessible(page)
    shot(page, "public-pages-settings-desktop")
