"""The researcher evaluates Konnerud for a year, prints the page and takes the data to Excel.
In a real browser, with axe on every page."""

import csv
import io
import re
from pathlib import Path

import pytest
from django.db.models import Sum
from openpyxl import load_workbook
from playwright.sync_api import expect

from measures.models import Report
from tests.e2e.conftest import DESKTOP, PHONE, SCREENSHOTS, assert_accessible, log_in, shot

pytestmark = pytest.mark.django_db(transaction=True)


def number(text: str) -> int:
    """A number as Norwegian pages show it: "1 234" with a (non-breaking) space."""
    return int(re.sub(r"\s", "", text))


def pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?!s)", pdf))


def test_forsker_evaluates_konnerud_prints_and_downloads(demo, open_page):
    # The year of Fargeløpet (once a year, in June), so that both spellings are in the files.
    year = Report.objects.get(measure__title="Fargeløpet").period_start.year
    page = open_page(DESKTOP)
    page.emulate_media(reduced_motion="reduce")
    log_in(page, "forsker")

    page.goto("/communities/konnerud/")
    expect(page.get_by_role("heading", name="Deltakelse over tid")).to_be_visible()
    # Participants per year and per month, and the money granted per year.
    expect(page.locator("canvas[role=img]")).to_have_count(3)
    assert_accessible(page)
    shot(page, "community-participation-desktop")

    page.get_by_role("link", name="Evaluering og eksport").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Evaluering av Konnerud")
    page.get_by_label("År", exact=True).select_option(str(year))
    page.get_by_role("button", name="Vis").click()
    expect(page).to_have_url(re.compile(rf"year={year}"))
    expect(page.locator(".lead-muted").first).to_contain_text(f"Periode: {year}")

    # The chart is drawn, and it, its table and the measures' table agree with the database.
    canvas = page.locator(".chart-section canvas[role=img]")
    expect(canvas).to_be_visible()
    expect(canvas).to_have_attribute("aria-label", re.compile("Tabellen under har tallene"))
    chart_total = page.evaluate(
        """() => Chart.getChart(document.querySelector('.chart-section canvas'))
              .data.datasets.reduce((sum, set) => sum + set.data.reduce((a, b) => a + b, 0), 0)"""
    )
    table_total = number(page.locator(".chart-table tfoot td").last.inner_text())
    measures_total = number(page.locator(".evaluation-table tfoot td").nth(3).inner_text())
    in_database = Report.objects.filter(
        measure__community__slug="konnerud", period_start__year=year
    ).aggregate(total=Sum("participants"))["total"]
    assert chart_total == table_total == measures_total == in_database > 0
    expect(page.locator(".evaluation-table tbody")).to_contain_text("Åpen hall")
    expect(page.locator(".meetings-section")).to_be_visible()
    assert_accessible(page)
    shot(page, "evaluation-desktop")

    # Printing: no menu, no form, the chart and the tables on a few A4 pages.
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator("form.period-form")).to_be_hidden()
    shot(page, "evaluation-print")
    pdf = page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
    SCREENSHOTS.mkdir(exist_ok=True)
    (SCREENSHOTS / "evaluation.pdf").write_bytes(pdf)
    assert 1 <= pdf_pages(pdf) <= 3
    page.emulate_media(media="screen")

    # The reports as CSV for Norwegian Excel.
    with page.expect_download() as download:
        page.get_by_role("link", name="Last ned rapporter (CSV)").click()
    assert download.value.suggested_filename.endswith(".csv")
    text = Path(download.value.path()).read_bytes().decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text[1:], newline=""), delimiter=";"))
    assert {"Åpen hall", "Fargeløpet"} <= {row["Tiltak"] for row in rows}
    assert all(row["Fra"].startswith(str(year)) for row in rows)
    assert sum(int(row["Deltakere"]) for row in rows) == in_database
    assert "Konnerud IL" in rows[0]["Partnere"]

    # The measures as an Excel workbook, numbers in columns.
    with page.expect_download() as download:
        page.get_by_role("link", name="Last ned tiltak (Excel)").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    sheet = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
    header = [cell.value for cell in sheet[2]]  # under the title row
    measures = {
        row[1]: dict(zip(header, row, strict=True)) for row in sheet.iter_rows(3, values_only=True)
    }
    assert {"Åpen hall", "Fargeløpet"} <= set(measures)
    assert isinstance(measures["Åpen hall"]["Deltakere"], int)
    assert isinstance(measures["Fargeløpet"]["Frivillige timer"], int | float)
    assert sum(m["Deltakere"] for m in measures.values()) == in_database
    assert page.console_errors == []


def test_evaluation_page_on_a_phone_and_bad_input(demo, open_page):
    page = open_page(PHONE)
    page.emulate_media(reduced_motion="reduce")
    log_in(page, "forsker")
    page.goto("/communities/konnerud/evaluation/?start=2026-05-01&end=2026-04-01")
    expect(page.locator(".invalid-feedback")).to_contain_text("Sluttdatoen kan ikke være før")
    assert_accessible(page)
    shot(page, "evaluation-phone")


def test_measure_list_exports_follow_the_filters(demo, open_page):
    page = open_page(DESKTOP)
    log_in(page, "konnerud-il")
    page.goto("/measures/?q=%C3%A5pen")
    link = page.get_by_role("link", name="Tiltak (CSV)")
    expect(link).to_have_attribute("href", "/measures/export.csv?q=%C3%A5pen")
    assert_accessible(page)
    shot(page, "measure-list-exports-desktop")
    with page.expect_download() as download:
        link.click()
    text = Path(download.value.path()).read_bytes().decode("utf-8-sig")
    titles = [row["Tiltak"] for row in csv.DictReader(io.StringIO(text), delimiter=";")]
    assert sorted(titles) == ["Åpen hall", "Åpent klubbhus"]
