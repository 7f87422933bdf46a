"""Shared records in real browsers: two partners editing at once, history, photos."""

import io
import re

import pytest
from PIL import ExifTags, Image
from playwright.sync_api import expect

from measures.models import Measure
from tests.e2e.conftest import DESKTOP, PHONE, assert_accessible, log_in, shot
from tests.test_photos import phone_photo_with_location

pytestmark = pytest.mark.django_db(transaction=True)


def open_edit_form(page, title: str) -> None:
    page.goto("/measures/")
    page.get_by_role("link", name=title, exact=True).click()
    page.get_by_role("link", name="Endre", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(title)


def test_two_partners_edit_at_once_and_nothing_is_lost(demo, open_page):
    club = open_page(DESKTOP)
    municipality = open_page(DESKTOP)
    log_in(club, "konnerud-il")
    log_in(municipality, "kommune")
    open_edit_form(club, "Åpen hall")
    open_edit_form(municipality, "Åpen hall")

    # Both have the form open. The municipality saves first: a new venue and new hours.
    municipality.get_by_label("Sted").fill("Konnerudhallen, sal B")
    municipality.get_by_label("Tidspunkt").fill("Fredager 18–22")
    municipality.get_by_role("button", name="Lagre").click()
    expect(municipality.get_by_role("status").first).to_contain_text("lagret")

    # The club has typed for a while, and saves on top of the older version.
    club.get_by_label("Tidspunkt").fill("Fredager 18–23")
    club.get_by_label("Beskrivelse").fill("Ny tekst fra klubben.\nMed to avsnitt.")
    club.get_by_role("button", name="Lagre").click()

    # Only the hours were changed by both: that, and nothing else, is the club's to choose.
    conflict = club.locator("section.conflict")
    expect(conflict).to_be_visible()
    expect(conflict).to_contain_text("Drammen kommune")  # who saved meanwhile
    expect(conflict).to_contain_text("Den andres endringer beholdes og vises i skjemaet: Sted")
    choice = conflict.get_by_role("group", name="Tidspunkt")
    expect(choice.get_by_role("radio", name=re.compile("Behold den andres"))).to_be_checked()
    expect(choice).to_contain_text("Fredager 18–22")
    expect(club.get_by_label("Sted")).to_have_value("Konnerudhallen, sal B")  # theirs, shown
    expect(club.get_by_label("Tidspunkt")).to_have_value("Fredager 18–23")  # nothing lost
    expect(club.get_by_label("Beskrivelse")).to_have_value("Ny tekst fra klubben.\nMed to avsnitt.")
    measure = Measure.objects.get(title="Åpen hall")
    assert (measure.schedule, measure.version) == ("Fredager 18–22", 2)  # nothing saved yet
    assert_accessible(club)
    shot(club, "conflict-desktop")

    # The club keeps its hours; the municipality's venue is kept without anyone choosing.
    choice.get_by_role("radio", name=re.compile("Behold min")).check()
    club.get_by_role("button", name="Lagre").click()
    expect(club.get_by_role("status").first).to_contain_text("lagret")
    measure.refresh_from_db()
    assert (measure.schedule, measure.venue, measure.description) == (
        "Fredager 18–23",
        "Konnerudhallen, sal B",
        "Ny tekst fra klubben.\r\nMed to avsnitt.",
    )

    # The history tells the story of both edits, newest first, with who did what.
    club.get_by_role("link", name="Se alle endringer").click()
    changes = club.locator("ol.history > li")
    expect(changes.nth(0)).to_contain_text("endret tiltaket")
    expect(changes.nth(0).get_by_role("row", name=re.compile(r"^Tidspunkt "))).to_contain_text(
        "Fredager 18–23"
    )
    expect(changes.nth(0).get_by_role("row", name=re.compile(r"^Sted "))).to_have_count(0)
    expect(changes.nth(1).get_by_role("row", name=re.compile(r"^Sted "))).to_contain_text(
        "Konnerudhallen, sal B"
    )
    first_two = [changes.nth(i).locator("h2").inner_text() for i in range(2)]
    assert "Konnerud IL" in first_two[0] and "Drammen kommune" in first_two[1]
    assert_accessible(club)
    shot(club, "history-desktop")
    club.set_viewport_size(PHONE)
    assert club.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(club, "history-phone")


def test_a_phone_photo_is_stored_without_its_location(demo, open_page):
    page = open_page(PHONE)
    log_in(page, "konnerud-il")
    page.goto("/measures/")
    page.get_by_role("link", name="Åpen hall", exact=True).click()
    page.get_by_role("link", name="Legg til bilde").click()
    assert_accessible(page)

    # A file that is not a picture is refused next to the field.
    page.get_by_label("Bilde", exact=True).set_input_files(
        {"name": "bilde.jpg", "mimeType": "image/jpeg", "buffer": b"ikke et bilde"}
    )
    page.get_by_label("Bildebeskrivelse").fill("Ungdom spiller basket i Konnerudhallen")
    page.get_by_label("Det er samtykke fra personene på bildet").check()
    page.get_by_role("button", name="Lagre bildet").click()
    expect(page.locator(".invalid-feedback")).to_contain_text("ikke et JPEG-")
    shot(page, "photo-refused-phone")

    page.get_by_label("Bilde", exact=True).set_input_files(
        {"name": "IMG_0001.jpg", "mimeType": "image/jpeg", "buffer": phone_photo_with_location()}
    )
    page.get_by_label("Bildebeskrivelse").fill("Ungdom spiller basket i Konnerudhallen")
    page.get_by_label("Det er samtykke fra personene på bildet").check()
    page.get_by_role("button", name="Lagre bildet").click()
    expect(page.get_by_role("status").first).to_contain_text("Bildet er lagret")
    photo = page.get_by_role("img", name="Ungdom spiller basket i Konnerudhallen")
    expect(photo).to_be_visible()
    assert_accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, "measure-with-photo-phone")

    # What the browser gets back is the stored file: upright and without GPS or camera data.
    served = page.request.get(photo.get_attribute("src"))
    assert served.ok
    picture = Image.open(io.BytesIO(served.body()))
    assert picture.size == (200, 400)
    assert not picture.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert not re.search(rb"Telefon|Exif", served.body())
