"""A partner's day in a real browser: search, edit, report, refusals; axe on every page."""

import re

import pytest
from playwright.sync_api import expect

from measures.models import Measure, Report
from partnerships.models import Meeting
from tests.e2e.conftest import DESKTOP, PHONE, assert_accessible, log_in, shot

# Transactional, so that the live server's thread sees the data.
pytestmark = pytest.mark.django_db(transaction=True)


def test_konnerud_il_finds_edits_and_reports_on_apen_hall(demo, open_page):
    page = open_page(DESKTOP)
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    expect(page.locator("html")).to_have_attribute("lang", "nb")
    assert_accessible(page)
    shot(page, "login-desktop")

    log_in(page, "konnerud-il")
    expect(page.get_by_role("heading", name="Mine tiltak")).to_be_visible()
    assert_accessible(page)
    shot(page, "dashboard-desktop")

    page.get_by_role("link", name="Tiltak", exact=True).click()
    page.get_by_label("Søk").fill("åpen")
    page.get_by_role("button", name="Vis").click()
    expect(page).to_have_url(re.compile(r"q=%C3%A5pen"))
    results = page.locator("article h3")
    expect(results).to_have_text(["Åpen hall", "Åpent klubbhus"])
    assert_accessible(page)
    shot(page, "measure-list-desktop")

    page.get_by_role("link", name="Åpen hall").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Åpen hall")
    assert_accessible(page)
    shot(page, "measure-detail-desktop")

    page.get_by_role("link", name="Endre").click()
    assert_accessible(page)
    shot(page, "measure-edit-desktop")
    page.get_by_label("Tidspunkt").fill("Fredager 18–23")
    page.get_by_role("button", name="Lagre").click()
    expect(page.get_by_role("status").first).to_contain_text("lagret")
    expect(page.locator("dl.facts")).to_contain_text("Fredager 18–23")

    page.get_by_role("link", name="Legg inn rapport").first.click()
    assert_accessible(page)
    page.get_by_label("Deltakere").fill("23")
    page.get_by_label("Herav jenter").fill("12")
    page.get_by_label(re.compile(r"^\s*Frivillige\W*$")).fill("3")
    page.get_by_role("button", name="Lagre").click()
    # The form starts on last month; the page opens at the reports, with the message.
    expect(page.locator("#reports").get_by_role("status")).to_contain_text("Rapporten er lagret.")
    expect(
        page.locator("#reports .report-card").filter(has_text="Deltakere23").first
    ).to_be_visible()
    assert_accessible(page)

    measure = Measure.objects.get(title="Åpen hall")
    assert measure.schedule == "Fredager 18–23"
    assert measure.reports.filter(participants=23, girls=12).exists()
    assert page.console_errors == []


def test_phone_screenshots(demo, open_page):
    page = open_page(PHONE)
    log_in(page, "konnerud-il")
    assert_accessible(page)
    shot(page, "dashboard-phone")
    # The menu folds away on a phone and opens with the menu button.
    page.get_by_role("button", name="Vis meny").click()
    page.get_by_role("link", name="Tiltak", exact=True).click()
    assert_accessible(page)
    shot(page, "measure-list-phone")
    page.get_by_role("link", name="Åpen hall").click()
    assert_accessible(page)
    shot(page, "measure-detail-phone")
    page.get_by_role("link", name="Endre").click()
    assert_accessible(page)
    shot(page, "measure-edit-phone")


def test_hallermoen_cannot_edit_a_measure_it_is_not_part_of(demo, open_page):
    page = open_page(DESKTOP)
    log_in(page, "hallermoen")
    measure = Measure.objects.get(title="Åpen hall")
    page.goto(measure.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text("Åpen hall")
    expect(page.get_by_role("link", name="Endre")).to_have_count(0)
    response = page.goto(f"/measures/{measure.pk}/edit/")
    assert response.status == 403
    # ... but Balansebarna, which Hallermoen skole is part of, can be edited.
    balance = Measure.objects.get(title="Balansebarna")
    page.goto(balance.get_absolute_url())
    expect(page.get_by_role("link", name="Endre")).to_be_visible()


def test_forsker_reads_everything_edits_no_measure_and_records_a_meeting(demo, open_page):
    page = open_page(DESKTOP)
    log_in(page, "forsker")
    reports_before = Report.objects.count()
    for measure in Measure.objects.all():
        page.goto(measure.get_absolute_url())
        expect(page.get_by_role("heading", level=1)).to_have_text(measure.title)
        expect(page.get_by_role("link", name="Endre")).to_have_count(0)
    assert page.goto(f"/measures/{measure.pk}/edit/").status == 403

    page.goto("/communities/konnerud/")
    assert_accessible(page)
    shot(page, "community-desktop")
    page.get_by_role("link", name="Registrer møte").first.click()
    page.get_by_label("Tittel").fill("Fokusgruppe høsten 2026")
    page.get_by_label("Dato").fill("2026-11-26")
    page.get_by_label("Sted", exact=True).fill("Konnerud skole")
    page.get_by_label("Konnerud IL").check()
    page.get_by_label("Konnerud skole").check()
    assert_accessible(page)
    page.get_by_role("button", name="Lagre").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Fokusgruppe høsten 2026")
    assert_accessible(page)

    meeting = Meeting.objects.get(title="Fokusgruppe høsten 2026")
    assert sorted(p.name for p in meeting.partners_present.all()) == [
        "Konnerud IL",
        "Konnerud skole",
    ]
    assert Report.objects.count() == reports_before
