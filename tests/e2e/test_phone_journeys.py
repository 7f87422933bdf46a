"""The partners' journeys on a phone (390 × 844), as issue 16 found them: a principal reports,
corrects and deletes a duplicate; a club leader creates a measure with a photo; the researcher
records a meeting and deletes one recorded twice. axe on every page, screenshots of each step,
and every document through the Nu HTML checker (conftest.py)."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from measures.models import Measure, Report
from measures.periods import last_completed_period
from partnerships.models import Meeting
from tests.e2e.conftest import PHONE, assert_accessible, log_in, shot
from tests.test_photos import phone_photo_with_location

pytestmark = pytest.mark.django_db(transaction=True)


def fits_the_phone(page) -> None:
    """Nothing runs off the right edge: the page does not scroll sideways."""
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def on_screen(locator) -> None:
    """Visible, inside the phone's screen as it is now (not off an edge, not scrolled away)."""
    expect(locator).to_be_visible()
    expect(locator).to_be_in_viewport()


def open_menu(page) -> None:
    page.get_by_role("button", name="Vis meny").click()


def test_a_principal_reports_corrects_and_deletes_a_duplicate(demo, open_page):
    page = open_page(PHONE)
    log_in(page, "hallermoen")
    page.get_by_role("link", name="Balansebarna").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Balansebarna")
    reports_before = Report.objects.filter(measure__title="Balansebarna").count()

    # The form opens on the last whole month, not today.
    page.get_by_role("link", name="Legg inn rapport").first.click()
    last = last_completed_period("monthly", timezone.localdate())
    expect(page.get_by_label("Fra")).to_have_value(last.start.isoformat())
    expect(page.get_by_label("Til")).to_have_value(last.end.isoformat())
    expect(page.get_by_text("Tre frivillige på fire kvelder blir 12.")).to_be_visible()
    assert_accessible(page)
    fits_the_phone(page)
    shot(page, "journey-report-form-phone")
    # One tap for this month, filled in place.
    page.get_by_role("link", name=re.compile("^Denne måneden")).click()
    this_month = timezone.localdate().replace(day=1)
    expect(page.get_by_label("Fra")).to_have_value(this_month.isoformat())
    expect(page).to_have_url(re.compile(r"/reports/new/$"))  # no reload: typed numbers stay
    page.get_by_role("link", name=re.compile("^Forrige måned")).click()
    expect(page.get_by_label("Fra")).to_have_value(last.start.isoformat())
    page.get_by_label("Ganger").fill("4")
    page.get_by_label("Deltakere").fill("48")
    page.get_by_label(re.compile(r"^\s*Frivillige\W*$")).fill("8")
    page.get_by_role("button", name="Lagre").click()
    # The page opens at the reports, with the message on the screen.
    on_screen(page.get_by_role("status").filter(has_text="Rapporten er lagret."))
    shot(page, "journey-report-saved-phone")

    # The same report again, by mistake.
    page.get_by_role("link", name="Legg inn rapport").first.click()
    page.get_by_label("Ganger").fill("4")
    page.get_by_label("Deltakere").fill("48")
    page.get_by_role("button", name="Lagre").click()
    on_screen(page.get_by_role("status").filter(has_text="Rapporten er lagret."))
    assert Report.objects.filter(measure__title="Balansebarna").count() == reports_before + 2

    # Every count and both actions of a report are on the screen at phone width.
    first = page.locator(".report-card").first
    for text in ("Ganger", "Deltakere", "Herav jenter", "Frivillige", "Frivillige timer"):
        expect(first.get_by_text(text, exact=True)).to_be_visible()
    correct = first.get_by_role("link", name=re.compile("^Rett opp"))
    on_screen(correct)
    box = correct.bounding_box()
    assert box["x"] + box["width"] <= PHONE["width"]
    fits_the_phone(page)
    assert_accessible(page)
    shot(page, "journey-reports-as-cards-phone")

    # "Rett opp" leads to a page that says "Rett opp".
    correct.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Rett opp rapport for «Balansebarna»")
    expect(page).to_have_title(re.compile("^Rett opp rapport for «Balansebarna»"))
    assert_accessible(page)
    page.get_by_label("Deltakere").fill("50")
    page.get_by_role("button", name="Lagre").click()
    on_screen(page.get_by_role("status").filter(has_text="Rapporten er rettet opp."))

    # Delete the duplicate: confirmed, then gone from the list and kept in the history.
    page.locator(".report-card").nth(1).get_by_role("link", name=re.compile("^Slett")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Slett rapport for «Balansebarna»")
    assert_accessible(page)
    fits_the_phone(page)
    shot(page, "journey-report-delete-phone")
    page.get_by_role("button", name="Ja, slett rapporten").click()
    on_screen(page.get_by_role("status").filter(has_text="Rapporten er slettet."))
    assert Report.objects.filter(measure__title="Balansebarna").count() == reports_before + 1
    assert_accessible(page)
    shot(page, "journey-report-deleted-phone")

    page.get_by_role("link", name="Slettede rapporter").click()
    deleted = page.locator("#deleted-reports")
    expect(deleted).to_contain_text("slettet rapporten")
    expect(deleted).to_contain_text("48")
    assert_accessible(page)
    fits_the_phone(page)
    shot(page, "journey-deleted-reports-phone")


def test_a_club_leader_creates_a_measure_with_a_photo(demo, open_page):
    page = open_page(PHONE)
    log_in(page, "konnerud-il")
    page.get_by_role("link", name="Nytt tiltak").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nytt tiltak i Konnerud")
    # The lead partner starts as the user's own partner, ticked among the partners.
    lead = page.get_by_label("Ansvarlig partner")
    expect(lead.locator("option:checked")).to_have_text("Konnerud IL")
    expect(page.get_by_role("checkbox", name="Konnerud IL")).to_be_checked()
    assert_accessible(page)
    fits_the_phone(page)
    shot(page, "journey-new-measure-phone")

    page.get_by_label("Tittel").fill("Sykkelglede")
    page.get_by_label("Sammendrag").fill("Sykkeltrening for barn på 4. trinn.")
    # A contribution typed for an unticked partner ticks it.
    school = page.get_by_role("checkbox", name="Konnerud skole")
    expect(school).not_to_be_checked()
    page.get_by_label("Bidrag fra Konnerud skole").fill("Låner ut skolegården")
    expect(school).to_be_checked()
    page.get_by_role("button", name="Lagre").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sykkelglede")
    measure = Measure.objects.get(title="Sykkelglede")
    assert measure.lead_partner.name == "Konnerud IL"
    assert dict(measure.partner_links.values_list("partner__name", "contribution")) == {
        "Konnerud IL": "",
        "Konnerud skole": "Låner ut skolegården",
    }

    page.get_by_role("link", name="Legg til bilde").click()
    photo = {
        "name": "IMG_0002.jpg",
        "mimeType": "image/jpeg",
        "buffer": phone_photo_with_location(),
    }
    page.get_by_label("Bilde", exact=True).set_input_files(photo)
    page.get_by_role("button", name="Lagre bildet").click()  # no description, no consent
    # The browser drops the chosen file with the page; the page says to choose it again.
    expect(page.get_by_text("Velg bildet på nytt")).to_be_visible()
    assert_accessible(page)
    fits_the_phone(page)
    shot(page, "journey-photo-choose-again-phone")
    page.get_by_label("Bilde", exact=True).set_input_files(photo)
    page.get_by_label("Bildebeskrivelse").fill("Barn på sykkel i skolegården")
    page.get_by_label("Det er samtykke fra personene på bildet").check()
    page.get_by_role("button", name="Lagre bildet").click()
    expect(page.get_by_role("img", name="Barn på sykkel i skolegården")).to_be_visible()
    assert_accessible(page)
    fits_the_phone(page)
    shot(page, "journey-measure-with-photo-phone")


def test_the_researcher_records_a_meeting_and_deletes_a_duplicate(demo, open_page):
    page = open_page(PHONE)
    log_in(page, "forsker")
    # No "New measure" for someone who may not create one; meetings are one tap away.
    expect(page.get_by_role("link", name="Nytt tiltak")).to_have_count(0)
    assert_accessible(page)
    shot(page, "journey-researcher-dashboard-phone")
    page.get_by_role("link", name="Møter – Konnerud").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Møter i Konnerud")

    for _time in range(2):  # the second time by mistake
        page.get_by_role("link", name="Registrer møte").click()
        page.get_by_label("Tittel").fill("Fokusgruppe med foreldre")
        page.get_by_label("Dato").fill("2026-11-26")
        page.get_by_label("Konnerud IL").check()
        page.get_by_label("Hallermoen skole").check()
        page.get_by_label("Foreldre til stede").fill("6")
        page.get_by_label("Elever til stede").fill("14")
        if _time == 0:
            assert_accessible(page)
            fits_the_phone(page)
            shot(page, "journey-meeting-form-phone")
        page.get_by_role("button", name="Lagre").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Fokusgruppe med foreldre")
        page.get_by_role("link", name="Møter", exact=True).click()
    assert Meeting.objects.filter(title="Fokusgruppe med foreldre").count() == 2
    expect(page.locator("article").first).to_contain_text("6 foreldre, 14 elever")

    page.get_by_role("link", name="Fokusgruppe med foreldre").first.click()
    facts = page.locator("dl.facts")
    expect(facts).to_contain_text("6 foreldre")
    expect(facts).to_contain_text("14 elever")
    assert_accessible(page)
    fits_the_phone(page)
    shot(page, "journey-meeting-phone")
    page.get_by_role("link", name="Slett møtet").click()
    assert_accessible(page)
    shot(page, "journey-meeting-delete-phone")
    page.get_by_role("button", name="Ja, slett møtet").click()
    on_screen(page.get_by_role("status").filter(has_text="er slettet"))
    expect(page.locator("#deleted")).to_contain_text("Fokusgruppe med foreldre")
    assert Meeting.objects.filter(title="Fokusgruppe med foreldre").count() == 1
    assert_accessible(page)
    fits_the_phone(page)
    shot(page, "journey-meeting-deleted-phone")
