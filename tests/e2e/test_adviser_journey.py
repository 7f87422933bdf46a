"""The municipality's adviser, on a phone, takes last year's numbers for Konnerud to Excel.

The measure list filtered to last year gives a workbook whose name, sheet and title row say
the year and the community, and whose totals are last year's (checked with openpyxl against
the database). On the way: the dashboard's feed, a search typed without "å", the evaluation
page's year select and its table on a phone, and a printed page's source line.
"""

import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.db.models import Sum
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from measures.models import Measure, Report
from measures.periods import Period
from tests.e2e.conftest import PHONE, assert_accessible, log_in, shot

pytestmark = pytest.mark.django_db(transaction=True)


def test_adviser_gets_last_years_numbers_to_excel_on_a_phone(demo, open_page, live_server):
    year = timezone.localdate().year - 1
    page = open_page(PHONE)
    page.emulate_media(reduced_motion="reduce")
    log_in(page, "kommune")

    # The feed: one entry per measure and day, with a filter by partner.
    feed = page.locator("#recent-changes-section")
    expect(feed.get_by_label("Endringer fra")).to_be_visible()
    assert_accessible(page)
    shot(page, "adviser-dashboard-phone")

    # A search typed on a phone without "å" finds Åpen hall.
    page.goto("/measures/?q=apen+hall")
    expect(page.get_by_role("heading", name="Åpen hall", level=3)).to_be_visible()

    # Last year's measures of Konnerud, to Excel.
    page.goto("/measures/")
    page.get_by_label("Lokalsamfunn").select_option(label="Konnerud")
    page.get_by_label("År", exact=True).select_option(str(year))
    page.get_by_role("button", name="Vis", exact=True).click()
    expect(page).to_have_url(re.compile(rf"community=konnerud.*year={year}"))
    help_text = page.locator("#export-help")
    expect(help_text).to_contain_text(f"tallene for {year}")
    expect(help_text).to_contain_text("Åpne Excel-filen (XLSX) i et regneark")
    excel = page.get_by_role("link", name="Tiltak (Excel)")
    excel.scroll_into_view_if_needed()
    expect(excel).to_be_visible()
    assert_accessible(page)
    shot(page, "adviser-measure-list-year-phone")
    with page.expect_download() as download:
        excel.click()
    assert download.value.suggested_filename == f"tiltak-konnerud-{year}.xlsx"
    sheet = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
    assert sheet.title == f"Tiltak {year}"
    assert sheet["A1"].value.startswith(f"Tiltak · Konnerud · {year} · hentet ")
    header = [cell.value for cell in sheet[2]]
    rows = [dict(zip(header, row, strict=True)) for row in sheet.iter_rows(3, values_only=True)]
    measures = Measure.objects.filter(community__slug="konnerud", is_archived=False).existed_in(
        Period.year(year)
    )
    assert {row["Tiltak"] for row in rows} == set(measures.values_list("title", flat=True))
    in_database = Report.objects.filter(measure__in=measures, period_start__year=year).aggregate(
        total=Sum("participants")
    )["total"]
    assert sum(row["Deltakere"] for row in rows) == in_database > 0
    assert all(
        row["Første aktivitet"] is None or row["Første aktivitet"].year == year for row in rows
    )

    # The evaluation page: the year select says which year it shows; the table scrolls in its
    # box with a word saying so; on paper it says where it comes from.
    page.goto("/communities/konnerud/evaluation/")
    this_year = str(timezone.localdate().year)
    expect(page.get_by_label("År", exact=True)).to_have_value(this_year)
    page.get_by_label("År", exact=True).select_option(str(year))
    page.get_by_role("button", name="Vis", exact=True).click()
    expect(page.get_by_label("År", exact=True)).to_have_value(str(year))
    expect(page.locator(".scroll-hint")).to_be_visible()
    region = page.locator(".evaluation-table").locator("xpath=..")
    assert region.evaluate("box => box.scrollWidth > box.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert_accessible(page)
    shot(page, "adviser-evaluation-phone")
    page.emulate_media(media="print")
    source = page.locator(".print-source")
    expect(source).to_be_visible()
    address = settings.PORTAL_URL + page.url.removeprefix(live_server.url)
    expect(source).to_contain_text(
        f"Kilde: Aktive Lokalsamfunn-portalen, {address}, skrevet ut "
        f"{timezone.localdate():%d.%m.%Y}"
    )
    shot(page, "adviser-evaluation-print")
    assert page.console_errors == []
