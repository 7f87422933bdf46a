"""Konnerud IL's leader records a grant for two measures; the municipality's adviser, a partner
of both, finds it on a measure's page and prints the report to the funder on A4. In a real
browser, with axe on every page and the HTML checker on every document."""

import re

import pytest
from playwright.sync_api import expect

from funding.models import Grant
from tests.e2e.conftest import DESKTOP, PHONE, SCREENSHOTS, assert_accessible, log_in, shot

pytestmark = pytest.mark.django_db(transaction=True)

NAME = "Sparebankstiftelsen DNB: Åpen hall og Aktiv senior"


def pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?!s)", pdf))


def test_a_club_leader_records_a_grant_and_a_partner_prints_the_report(demo, open_page):
    page = open_page(DESKTOP)
    page.emulate_media(reduced_motion="reduce")
    log_in(page, "konnerud-il")

    # The community page shows the money per year, and the way to record a grant.
    page.goto("/communities/konnerud/")
    funding = page.locator("section", has=page.get_by_role("heading", name="Finansiering"))
    expect(funding.locator("canvas[role=img]")).to_be_visible()
    funding.get_by_role("link", name="Registrer tilskudd").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Registrer et tilskudd i Konnerud")
    assert_accessible(page)

    page.get_by_label(re.compile(r"Navn")).fill(NAME)
    page.get_by_label(re.compile(r"Tilskuddsgiver")).fill("Sparebankstiftelsen DNB")
    page.get_by_label(re.compile(r"Type tilskuddsgiver")).select_option(label="Stiftelse")
    page.get_by_label(re.compile(r"Søker")).select_option(label="Konnerud IL")
    page.get_by_label(re.compile(r"Beløp søkt om")).fill("150 000")
    page.get_by_label(re.compile(r"Beløp innvilget")).fill("120 000,50")
    page.get_by_label(re.compile(r"Periode fra")).fill("2026-01-01")
    page.get_by_label(re.compile(r"Periode til")).fill("2026-12-31")
    page.get_by_label(re.compile(r"Status")).select_option(label="Innvilget")
    page.get_by_label("Åpen hall", exact=True).check()
    page.get_by_label("Aktiv senior", exact=True).check()
    page.get_by_label("Andel for Åpen hall (%)").fill("60")
    page.get_by_label("Andel for Aktiv senior (%)").fill("30")
    page.get_by_role("button", name="Lagre").click()

    # Shares that do not add up: a message beside the measures, everything typed kept.
    expect(page.locator("#measures-error")).to_have_text(
        "Andelene blir til sammen 90 %; de må bli 100 %."
    )
    expect(page.get_by_label(re.compile(r"Beløp innvilget"))).to_have_value("120 000,50")
    assert not Grant.objects.filter(name=NAME).exists()
    assert_accessible(page)
    shot(page, "grant-form-error-desktop")

    page.get_by_label("Andel for Aktiv senior (%)").fill("40")
    page.get_by_role("button", name="Lagre").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(NAME)
    parts = page.locator("table", has=page.locator("caption", has_text="hvert tiltaks del"))
    # 60 % and 40 % of kr 120 000,50, in whole øre that add up.
    expect(parts.locator("tbody")).to_contain_text(re.compile(r"Åpen hall\s+60 %\s+kr\s72\s000,30"))
    expect(parts.locator("tbody")).to_contain_text(
        re.compile(r"Aktiv senior\s+40 %\s+kr\s48\s000,20")
    )
    expect(parts.locator("tfoot")).to_contain_text(re.compile(r"kr\s120\s000,50"))
    grant = Grant.objects.get(name=NAME)
    assert grant.amount_granted == 12_000_050
    assert grant.history.count() == 1
    assert_accessible(page)
    shot(page, "grant-desktop")

    # The municipality's adviser, a partner of both measures, sees it on Aktiv senior's page.
    adviser = open_page(DESKTOP)
    adviser.emulate_media(reduced_motion="reduce")
    log_in(adviser, "kommune")
    adviser.goto(grant.measure_links.get(measure__title="Aktiv senior").measure.get_absolute_url())
    panel = adviser.locator("section", has=adviser.get_by_role("heading", name="Finansiering"))
    expect(panel).to_contain_text(NAME)
    expect(panel).to_contain_text(
        re.compile(r"kr\s48\s000,20 til dette tiltaket, av kr\s120\s000,50")
    )
    assert_accessible(adviser)
    shot(adviser, "measure-funding-desktop")
    panel.get_by_role("link", name=NAME).click()
    expect(adviser.get_by_role("link", name="Endre")).to_have_count(0)  # applied by the club
    adviser.get_by_role("link", name="Rapport til tilskuddsgiveren").click()
    expect(adviser.get_by_role("heading", level=1)).to_have_text(f"Rapport: {NAME}")
    activity = adviser.locator(".evaluation-table")
    expect(activity.locator("tbody tr")).to_have_count(2)
    expect(adviser.get_by_role("heading", name="Metode")).to_be_visible()
    expect(adviser.locator("body")).to_contain_text("ikke unike personer")
    assert_accessible(adviser)
    shot(adviser, "funder-report-desktop")

    # Printed on A4: no menu or buttons, the tables on a page or two.
    adviser.emulate_media(media="print")
    expect(adviser.locator(".site-header")).to_be_hidden()
    expect(adviser.get_by_role("button", name="Skriv ut")).to_be_hidden()
    shot(adviser, "funder-report-print")
    pdf = adviser.pdf(format="A4", print_background=True, prefer_css_page_size=True)
    SCREENSHOTS.mkdir(exist_ok=True)
    (SCREENSHOTS / "funder-report.pdf").write_bytes(pdf)
    assert 1 <= pdf_pages(pdf) <= 3
    adviser.emulate_media(media="screen")

    # And on a phone.
    phone = open_page(PHONE)
    phone.emulate_media(reduced_motion="reduce")
    log_in(phone, "kommune")
    phone.goto(f"/grants/{grant.pk}/report/")
    expect(phone.get_by_role("heading", level=1)).to_have_text(f"Rapport: {NAME}")
    assert_accessible(phone)
    shot(phone, "funder-report-phone")
    phone.goto(f"/grants/{grant.pk}/")
    assert_accessible(phone)
    shot(phone, "grant-phone")
