"""The public pages: for everyone without logging in, only public fields, cached with ETag, a
change shown at once; feeds, JSON-LD under the strict CSP, the embed framed only where allowed,
and the accessibility statement."""

import base64
import datetime
import hashlib
import json
import re

import icalendar
import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse

from measures.models import Measure
from measures.services import measure_set_archived, measure_update, report_create
from partnerships.models import Community
from partnerships.services import community_set_public
from tests.factories import (
    CommunityFactory,
    MeasureFactory,
    ScheduleChangeFactory,
    TimeSlotFactory,
    UserFactory,
    target_group,
)

pytestmark = pytest.mark.django_db

COMMUNITY = "/hva-skjer/konnerud/"


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def konnerud(community, measure, partner_user):
    """Konnerud with public pages; Åpen hall public on Fridays 19–23 (this school year), with
    a report whose note and author must never show."""
    community.is_public = True
    community.save()
    measure.venue = "Konnerudhallen"
    measure.is_public = True
    measure.slug = "apen-hall"
    measure.save()
    measure.target_groups.add(target_group("13–19 år"))
    TimeSlotFactory(measure=measure, season_start=datetime.date(2026, 8, 17))
    report_create(
        measure=measure,
        user=partner_user,
        data={"period_start": datetime.date(2026, 9, 4), "participants": 40, "note": "Hemmelig"},
    )
    partner_user.first_name, partner_user.last_name = "Kari", "Klubbleder"
    partner_user.save()
    return community


def next_friday() -> datetime.date:
    today = datetime.date.today()
    return today + datetime.timedelta(days=(4 - today.weekday()) % 7)


def test_a_resident_sees_what_s_on_without_logging_in(client, konnerud, measure):
    response = client.get(COMMUNITY)
    assert response.status_code == 200
    text = response.content.decode()
    assert "Hva skjer på Konnerud" in text
    assert "Åpen hall" in text and "19:00–23:00" in text and "Konnerudhallen" in text
    assert "Gratis" in text  # free, no sign-up
    assert "Denne uken" in text and "Neste uke" in text
    # Never a report, its note, its numbers' author, or who edited the measure.
    assert "Hemmelig" not in text and "Klubbleder" not in text and "Kari" not in text
    assert not response.cookies  # no session, no CSRF token: the same page for everyone


def test_only_public_measures_of_public_communities_are_shown(client, konnerud, measure):
    hidden = MeasureFactory(community=konnerud, title="Internt møte", is_public=False)
    archived = MeasureFactory(community=konnerud, title="Gammelt tiltak", is_public=True)
    measure_set_archived(measure=archived, user=None, archived=True)
    text = client.get(COMMUNITY).content.decode()
    assert "Åpen hall" in text and "Internt møte" not in text and "Gammelt tiltak" not in text
    for slug in (hidden.slug, archived.slug):
        assert client.get(f"{COMMUNITY}tiltak/{slug}/").status_code == 404
    other = CommunityFactory(slug="gulskogen")
    MeasureFactory(community=other, is_public=True)
    assert client.get("/hva-skjer/gulskogen/").status_code == 404
    assert client.get("/hva-skjer/gulskogen/kalender.ics").status_code == 404
    index = client.get("/hva-skjer/").content.decode()
    assert "Konnerud" in index and "Gulskogen" not in index


def test_a_photo_is_shown_only_with_consent(client, konnerud, measure):
    measure.image = "measures/photo.jpg"
    measure.image_alt = "Ungdom spiller basket"
    measure.save()
    page = f"{COMMUNITY}tiltak/apen-hall/"
    assert "photo.jpg" not in client.get(page).content.decode()
    measure.image_consent = True
    measure.save()
    assert 'alt="Ungdom spiller basket"' in client.get(page).content.decode()


def test_public_pages_are_norwegian_even_for_a_visitor_who_chose_english(client, konnerud):
    client.cookies["django_language"] = "en"
    response = client.get(COMMUNITY)
    assert response.headers["Content-Language"] == "nb"
    assert "Hva skjer på Konnerud" in response.content.decode()


@pytest.mark.parametrize("shared", [True, False], ids=["shared cache", "per-process cache"])
def test_pages_are_cached_with_etag_and_a_change_shows_at_once(
    client, konnerud, measure, partner_user, django_assert_max_num_queries, settings, shared
):
    """With a shared cache the stamp is the community's data version (no query); with each
    process's own cache it is read from the database (one query), which every process sees."""
    settings.CACHE_SHARED = shared
    first = client.get(COMMUNITY)
    assert first.headers["Cache-Control"] == "public, max-age=60"
    assert "Cookie" not in first.headers.get("Vary", "")
    etag = first.headers["ETag"]
    # A proxy or browser asks again: 304 from the stamp alone, at most one query.
    with django_assert_max_num_queries(1):
        again = client.get(COMMUNITY, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    with django_assert_max_num_queries(1):
        cached = client.get(COMMUNITY)
    assert cached.content == first.content
    measure_update(
        measure=measure,
        user=partner_user,
        version=measure.version,
        data={"title": "Åpen hall for alle"},
    )
    changed = client.get(COMMUNITY, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert "Åpen hall for alle" in changed.content.decode()


def test_a_cancelled_day_shows_with_its_reason(client, konnerud, measure):
    friday = next_friday()
    slot = measure.slots.get()
    ScheduleChangeFactory(slot=slot, date=friday, note="Hallen brukes til eksamen")
    text = client.get(f"{COMMUNITY}kalender/?uke={friday:%G-W%V}").content.decode()
    assert "Avlyst" in text and "Hallen brukes til eksamen" in text


def test_filters_by_target_group_and_weekday(client, konnerud, measure):
    seniors = MeasureFactory(community=konnerud, title="Aktiv senior", is_public=True)
    seniors.target_groups.add(target_group("Seniorer 60+"))
    TimeSlotFactory(measure=seniors, weekdays=(4,), season_start=datetime.date(2026, 1, 1))
    group = target_group("Seniorer 60+")
    text = client.get(f"{COMMUNITY}?malgruppe={group.pk}").content.decode()
    assert "Aktiv senior" in text and "Åpen hall" not in text
    text = client.get(f"{COMMUNITY}kalender/?dag=5").content.decode()
    assert "Åpen hall" in text and "Aktiv senior" not in text.split("Alle aktiviteter")[0]
    # A filter the page does not know is said next to the field, and everything shown.
    wrong = client.get(f"{COMMUNITY}?dag=9")
    assert wrong.status_code == 200 and "Velg et gyldig valg" in wrong.content.decode()
    assert client.get(f"{COMMUNITY}kalender.ics?dag=9").status_code == 400


def test_the_week_view_pages_through_weeks_and_refuses_nonsense(client, konnerud):
    friday = next_friday()
    response = client.get(f"{COMMUNITY}kalender/?uke={friday:%G-W%V}")
    assert response.status_code == 200
    assert f"Uke {friday.isocalendar().week}" in response.content.decode()
    assert "Neste uke" in response.content.decode()
    for bad in ("2026-W99", "i-morgen", "2035-W01"):
        assert client.get(f"{COMMUNITY}kalender/?uke={bad}").status_code == 400


def test_the_feed_and_the_subscribe_links(client, konnerud, measure):
    page = client.get(COMMUNITY).content.decode()
    assert 'href="webcal://testserver/hva-skjer/konnerud/kalender.ics"' in page
    response = client.get(f"{COMMUNITY}kalender.ics")
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Cache-Control"] == "public, max-age=60"
    feed = icalendar.Calendar.from_ical(response.content)
    (event,) = feed.walk("VEVENT")
    assert event["SUMMARY"] == "Åpen hall"
    assert event["LOCATION"] == "Konnerudhallen"
    assert event["URL"] == "http://testserver/hva-skjer/konnerud/tiltak/apen-hall/"
    assert event["RRULE"]["BYDAY"] == ["FR"]
    assert "Hemmelig" not in response.content.decode()
    measure_feed = client.get(f"{COMMUNITY}tiltak/apen-hall/kalender.ics")
    assert (
        icalendar.Calendar.from_ical(measure_feed.content).walk("VEVENT")[0]["UID"] == event["UID"]
    )


def test_json_ld_is_an_event_with_its_schedule_allowed_by_the_csp_hash(client, konnerud):
    response = client.get(f"{COMMUNITY}tiltak/apen-hall/")
    text = response.content.decode()
    script = re.search(r'<script type="application/ld\+json">(.*?)</script>', text, re.S).group(1)
    data = json.loads(script)
    assert data["@type"] == "Event" and data["name"] == "Åpen hall"
    assert data["eventSchedule"][0]["byDay"] == ["https://schema.org/Friday"]
    assert data["eventSchedule"][0]["scheduleTimezone"] == "Europe/Oslo"
    assert data["isAccessibleForFree"] is True
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    policy = response.headers["Content-Security-Policy"]
    assert f"'sha256-{digest}'" in policy and "unsafe-inline" not in policy


def test_only_the_embed_may_be_framed_and_only_by_the_sites_staff_set(client, konnerud):
    embed = f"{COMMUNITY}innebygd/"
    response = client.get(embed)
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    konnerud.embed_origins = "https://www.drammen.kommune.no\nhttps://*.drammen.no"
    konnerud.save()
    response = client.get(embed)
    assert "X-Frame-Options" not in response.headers
    assert (
        "frame-ancestors https://www.drammen.kommune.no https://*.drammen.no"
        in response.headers["Content-Security-Policy"]
    )
    assert "<script" not in response.content.decode()
    for other in (COMMUNITY, f"{COMMUNITY}kalender/", "/accounts/login/"):
        response = client.get(other)
        assert response.headers["X-Frame-Options"] == "DENY", other
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"], other


def test_embed_sites_must_be_https_origins():
    community = Community(name="X", slug="x", municipality="Drammen")
    community.embed_origins = "http://example.no\nhttps://ok.example.no/path"
    with pytest.raises(ValidationError) as refused:
        community.full_clean()
    assert "embed_origins" in refused.value.message_dict


def test_hiding_the_community_hides_its_pages_at_once(client, konnerud):
    assert client.get(COMMUNITY).status_code == 200
    community_set_public(community=konnerud, user=None, public=False)
    assert client.get(COMMUNITY).status_code == 404
    assert client.get(f"{COMMUNITY}kalender.ics").status_code == 404


def test_the_accessibility_statement_is_public_and_in_every_footer(client, konnerud):
    response = client.get("/tilgjengelighet/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "Tilgjengelighetserklæring" in text and "WCAG 2.1" in text and "uutilsynet.no" in text
    link = f'href="{reverse("accessibility")}"'
    assert link in client.get(COMMUNITY).content.decode()
    assert link in client.get("/accounts/login/").content.decode()
    client.force_login(UserFactory())
    assert link in client.get("/").content.decode()


def test_a_logged_in_partner_sees_the_same_public_page(client, konnerud, partner_user):
    anonymous = client.get(COMMUNITY).content
    client.force_login(partner_user)
    assert client.get(COMMUNITY).content == anonymous


def test_public_measure_queryset_matches_the_measure_s_own_answer(konnerud, measure):
    paused = MeasureFactory(community=konnerud, is_public=True, status=Measure.Status.PAUSED)
    shown = set(Measure.objects.public())
    for one in Measure.objects.select_related("community"):
        assert one.is_shown_publicly is (one in shown), one
    assert measure in shown and paused not in shown
