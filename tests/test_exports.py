"""Exports for Norwegian Excel: measures as CSV and XLSX, reports as streamed CSV."""

import csv
import datetime
import io
import tracemalloc
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from aktive.management.commands.bench_export import create_reports
from measures.exports import csv_cell, neutralise
from tests.factories import (
    CommunityFactory,
    MeasureFactory,
    PartnerFactory,
    ReportFactory,
    target_group,
)

pytestmark = pytest.mark.django_db

MEASURES_CSV = reverse("measures:export_csv")
MEASURES_XLSX = reverse("measures:export_xlsx")
REPORTS_CSV = reverse("measures:reports_export_csv")


def content(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def read_csv(response) -> list[list[str]]:
    """The rows as Excel would split them: UTF-8 with BOM, ``;`` between cells."""
    text = content(response).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:], newline=""), delimiter=";"))


def by_header(rows: list[list[str]]) -> list[dict]:
    header, *body = rows
    return [dict(zip(header, row, strict=True)) for row in body]


@pytest.fixture
def konnerud(community, measure):
    """Åpen hall (two reports, two partners) and Fargeløpet (archived, one report)."""
    school = PartnerFactory(name="Konnerud skole")
    measure.partners.add(school, through_defaults={"contribution": ""})
    measure.target_groups.add(target_group("13–19 år"))
    ReportFactory(
        measure=measure,
        period_start=datetime.date(2026, 1, 9),
        participants=40,
        girls=18,
        volunteers=3,
        volunteer_hours=Decimal("7.5"),
        note='Ballspill; "dans"\nog musikk',
    )
    ReportFactory(
        measure=measure,
        period_start=datetime.date(2026, 2, 6),
        participants=35,
        girls=None,
        volunteers=2,
        volunteer_hours=6,
        note='=HYPERLINK("http://evil.example")',
    )
    colour_run = MeasureFactory(community=community, title="Fargeløpet", is_archived=True)
    ReportFactory(measure=colour_run, period_start=datetime.date(2025, 6, 13), participants=650)
    return {"open_hall": measure, "colour_run": colour_run, "school": school}


class TestCells:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("=1+1", "'=1+1"),
            ("-foo", "'-foo"),
            ("+A1", "'+A1"),  # a cell reference
            ("-1+cmd", "'-1+cmd"),
            ("+47 915 55 555", "+47 915 55 555"),  # a phone number: no letter, nothing to run
            ("+47 (0) 915-55-555", "+47 (0) 915-55-555"),
            ("-5", "-5"),
            ("- 12,5", "- 12,5"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("Åpen hall", "Åpen hall"),
            ("a=b", "a=b"),
            ("", ""),
        ],
    )
    def test_text_that_excel_would_run_is_neutralised(self, text, expected):
        assert neutralise(text) == expected
        assert csv_cell(text) == expected

    def test_numbers_dates_and_empty_cells(self):
        assert csv_cell(7) == 7
        assert csv_cell(-3) == -3  # numbers are never prefixed
        assert csv_cell(Decimal("12.5")) == "12,5"
        assert csv_cell(Decimal("1E+3")) == "1000"
        assert csv_cell(datetime.date(2026, 3, 6)) == "2026-03-06"
        assert csv_cell(None) == ""


class TestAccess:
    @pytest.mark.parametrize("url", [MEASURES_CSV, MEASURES_XLSX, REPORTS_CSV])
    def test_anonymous_is_sent_to_login(self, client, konnerud, url):
        response = client.get(url)
        assert response.status_code == 302
        assert response.headers["Location"].startswith(reverse("login"))

    @pytest.mark.parametrize("url", [MEASURES_CSV, MEASURES_XLSX, REPORTS_CSV])
    def test_every_logged_in_user_may_export(self, as_user, evaluator, other_partner_user, url):
        for user in (evaluator, other_partner_user):
            response = as_user(user).get(url)
            assert response.status_code == 200
            assert response.headers["Content-Disposition"].startswith("attachment; filename=")


class TestMeasuresCsv:
    def test_header_rows_and_norwegian_excel_format(self, as_user, evaluator, konnerud):
        response = as_user(evaluator).get(MEASURES_CSV + "?archived=include")
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        today = timezone.localdate().isoformat()
        assert response["Content-Disposition"] == (
            f'attachment; filename="tiltak-med-arkiverte-per-{today}.csv"'
        )
        raw = content(response)
        assert raw.startswith(b"\xef\xbb\xbf")  # the BOM
        assert b"\r\n" in raw
        rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=";"))
        assert rows[0][:4] == ["ID", "Tiltak", "Lokalsamfunn", "Status"]
        measures = {row["Tiltak"]: row for row in by_header(rows)}
        assert set(measures) == {"Åpen hall", "Fargeløpet"}
        open_hall = measures["Åpen hall"]
        assert open_hall["Lokalsamfunn"] == "Konnerud"
        assert open_hall["Arkivert"] == "nei"
        assert "Konnerud skole" in open_hall["Partnere"]
        assert open_hall["Målgrupper"] == "13–19 år"
        assert open_hall["Rapporter"] == "2"
        assert open_hall["Deltakere"] == "75"
        assert open_hall["Herav jenter"] == "18"
        assert open_hall["Frivillige timer"] == "13,5"
        assert open_hall["Første aktivitet"] == "2026-01-09"
        assert open_hall["Siste aktivitet"] == "2026-02-06"
        assert measures["Fargeløpet"]["Arkivert"] == "ja"

    def test_respects_the_lists_filters_and_hides_archived_by_default(
        self, as_user, evaluator, konnerud, community
    ):
        MeasureFactory(community=CommunityFactory(slug="annet"), title="Annet tiltak")
        client = as_user(evaluator)
        titles = [row["Tiltak"] for row in by_header(read_csv(client.get(MEASURES_CSV)))]
        assert sorted(titles) == ["Annet tiltak", "Åpen hall"]
        query = f"?community={community.slug}&q=%C3%A5pen"
        titles = [row["Tiltak"] for row in by_header(read_csv(client.get(MEASURES_CSV + query)))]
        assert titles == ["Åpen hall"]
        only_archived = by_header(read_csv(client.get(MEASURES_CSV + "?archived=only")))
        assert [row["Tiltak"] for row in only_archived] == ["Fargeløpet"]

    def test_invalid_filter_exports_nothing_like_the_list_shows_nothing(
        self, as_user, evaluator, konnerud
    ):
        rows = read_csv(as_user(evaluator).get(MEASURES_CSV + "?status=fest"))
        assert len(rows) == 1  # the header only

    def test_a_period_narrows_the_totals(self, as_user, evaluator, konnerud):
        response = as_user(evaluator).get(MEASURES_CSV + "?start=2026-02-01&end=2026-02-28")
        (open_hall,) = by_header(read_csv(response))
        assert (open_hall["Rapporter"], open_hall["Deltakere"]) == ("1", "35")
        assert open_hall["Herav jenter"] == ""  # no report in February gave girls

    def test_text_with_separators_quotes_newlines_and_formulas_survives(
        self, as_user, evaluator, community
    ):
        MeasureFactory(
            community=community,
            title='=cmd|" /C calc"!A0',
            schedule='Fredager; 19–23 "hele året"\nunntatt juli',
            venue="-Konnerudhallen",
        )
        (row,) = by_header(read_csv(as_user(evaluator).get(MEASURES_CSV)))
        assert row["Tiltak"] == '\'=cmd|" /C calc"!A0'
        assert row["Tidspunkt"] == 'Fredager; 19–23 "hele året"\nunntatt juli'
        assert row["Sted"] == "'-Konnerudhallen"


class TestMeasuresXlsx:
    def test_workbook_has_numbers_as_numbers_and_text_never_as_formulas(
        self, as_user, evaluator, konnerud, community
    ):
        MeasureFactory(community=community, title="=1+1", venue="@Konnerud")
        response = as_user(evaluator).get(MEASURES_XLSX + "?archived=include")
        assert response["Content-Type"] == (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        assert response["Content-Disposition"].endswith('.xlsx"')
        sheet = load_workbook(io.BytesIO(response.content)).active
        assert sheet.title == "Tiltak alle år"
        today = timezone.localdate().strftime("%d.%m.%Y")
        assert sheet["A1"].value == f"Tiltak · med arkiverte · alle år · hentet {today}"
        assert sheet.freeze_panes == "A3"
        header = [cell.value for cell in sheet[2]]
        assert sheet["A2"].font.b
        rows = {
            row[1]: dict(zip(header, row, strict=True))
            for row in sheet.iter_rows(3, values_only=True)
        }
        assert set(rows) == {"Åpen hall", "Fargeløpet", "=1+1"}
        open_hall = rows["Åpen hall"]
        assert open_hall["Deltakere"] == 75 and isinstance(open_hall["Deltakere"], int)
        assert open_hall["Frivillige timer"] == 13.5
        assert open_hall["Første aktivitet"] == datetime.datetime(2026, 1, 9)
        assert rows["Fargeløpet"]["Deltakere"] == 650
        formula_row = next(row for row in sheet.iter_rows(3) if row[1].value == "=1+1")
        assert formula_row[1].data_type == "s"  # stored as text, not run as a formula
        assert rows["=1+1"]["Sted"] == "@Konnerud"

    def test_named_and_titled_with_its_filters_and_period(
        self, as_user, evaluator, konnerud, community
    ):
        """The list filtered to 2025 gives 2025's totals, and the file says so."""
        client = as_user(evaluator)
        query = f"?community={community.slug}&status=active&archived=include&year=2025"
        response = client.get(MEASURES_XLSX + query)
        assert response["Content-Disposition"] == (
            f'attachment; filename="tiltak-{community.slug}-aktiv-med-arkiverte-2025.xlsx"'
        )
        sheet = load_workbook(io.BytesIO(response.content)).active
        assert sheet.title == "Tiltak 2025"
        assert sheet["A1"].value.startswith(
            f"Tiltak · {community.name} · Aktiv · med arkiverte · 2025 · hentet "
        )
        header = [cell.value for cell in sheet[2]]
        rows = [dict(zip(header, row, strict=True)) for row in sheet.iter_rows(3, values_only=True)]
        # Åpen hall was entered in 2026 and reported only then: not in 2025's file.
        assert [(row["Tiltak"], row["Deltakere"]) for row in rows] == [("Fargeløpet", 650)]
        dates = client.get(MEASURES_CSV + "?start=2026-02-01&end=2026-02-28")
        assert dates["Content-Disposition"] == (
            'attachment; filename="tiltak-2026-02-01-2026-02-28.csv"'
        )
        searched = client.get(REPORTS_CSV + "?q=%C3%A5pen+hall&year=2026")
        assert searched["Content-Disposition"] == (
            'attachment; filename="aktivitetsrapporter-apen-hall-2026.csv"'
        )


class TestReportsCsv:
    def test_header_and_rows_with_measure_community_and_partners(
        self, as_user, evaluator, konnerud
    ):
        response = as_user(evaluator).get(REPORTS_CSV + "?archived=include")
        today = timezone.localdate().isoformat()
        assert response.streaming
        assert response["Content-Disposition"] == (
            f'attachment; filename="aktivitetsrapporter-med-arkiverte-per-{today}.csv"'
        )
        rows = read_csv(response)
        assert rows[0] == [
            "ID",
            "Tiltak-ID",
            "Tiltak",
            "Lokalsamfunn",
            "Partnere",
            "Fra",
            "Til",
            "Ganger",
            "Deltakere",
            "Herav jenter",
            "Frivillige",
            "Frivillige timer",
            "Notat",
        ]
        reports = {(r["Tiltak"], r["Fra"]): r for r in by_header(rows)}
        assert set(reports) == {
            ("Fargeløpet", "2025-06-13"),
            ("Åpen hall", "2026-01-09"),
            ("Åpen hall", "2026-02-06"),
        }
        january = reports["Åpen hall", "2026-01-09"]
        february = reports["Åpen hall", "2026-02-06"]
        lead = konnerud["open_hall"].lead_partner.name
        assert january["Partnere"] == ", ".join(sorted([lead, "Konnerud skole"]))
        assert january["Lokalsamfunn"] == "Konnerud"
        assert january["Frivillige timer"] == "7,5"
        assert january["Herav jenter"] == "18"
        assert february["Herav jenter"] == ""
        assert january["Notat"] == 'Ballspill; "dans"\nog musikk'
        assert february["Notat"] == '\'=HYPERLINK("http://evil.example")'

    def test_filters_and_period(self, as_user, evaluator, konnerud):
        client = as_user(evaluator)
        default = by_header(read_csv(client.get(REPORTS_CSV)))
        assert {r["Tiltak"] for r in default} == {"Åpen hall"}  # archived hidden, as in the list
        year = by_header(read_csv(client.get(REPORTS_CSV + "?archived=include&year=2025")))
        assert [r["Tiltak"] for r in year] == ["Fargeløpet"]
        dates = "?start=2026-02-01&end=2026-12-31"
        assert [r["Fra"] for r in by_header(read_csv(client.get(REPORTS_CSV + dates)))] == [
            "2026-02-06"
        ]

    @pytest.mark.parametrize(
        "query", ["?start=i-går&end=2026-01-01", "?start=2026-02-01", "?year=17"]
    )
    def test_bad_period_is_a_400_in_norwegian(self, as_user, evaluator, konnerud, query):
        response = as_user(evaluator).get(REPORTS_CSV + query)
        assert response.status_code == 400
        assert response.content.decode()
        assert "Enter" not in response.content.decode()


def export_peak(client, rows: int) -> int:
    """Peak memory (bytes, tracemalloc) of streaming the reports export to nowhere."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    response = client.get(REPORTS_CSV)
    lines = 0
    for chunk in response.streaming_content:
        lines += chunk.count(b"\n")
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert lines > rows  # every report came out (notes hold no newlines here)
    return peak


def test_reports_export_streams_in_flat_memory(as_user, evaluator, measure):
    client = as_user(evaluator)
    create_reports([measure], 2_000)
    small = export_peak(client, 2_000)
    create_reports([measure], 18_000)
    large = export_peak(client, 20_000)
    print(
        f"\nexport peak memory: 2,000 reports {small / 1024:.0f} KiB, 20,000 {large / 1024:.0f} KiB"
    )
    # Ten times the rows may not cost meaningfully more memory: the rows are never all held.
    assert large < small * 1.5 + 512 * 1024


ODD_NOTES = [
    "",
    "Åpen hall; ærlig talt",
    'Sa "hei"',
    "Linje én\nlinje to",
    "Vognretur\rher",
    "CRLF\r\ninni",
    "=SUM(A1:A9)",
    "+47 123 45 678",
    "-minus først",
    "@navn",
    "\tfane først",
    "\rretur først",
    "a=b midt i",
    "\\. alene",
    "  mellomrom  ",
    '";"',
    "😀 emoji",
]


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="COPY is PostgreSQL's; SQLite has one path"
)
def test_copy_gives_the_same_bytes_as_the_python_path(as_user, evaluator, community):
    """On PostgreSQL the reports export is written by COPY; byte for byte what Python's csv
    module writes, with awkward text in every text column, an empty girls count, decimals."""
    from measures.exports import report_chunks
    from measures.models import Measure, Report

    partner = PartnerFactory(name="=Farlig partner; med semikolon")
    odd = MeasureFactory(community=community, title='-Tiltak "med" sitat;\nlinje')
    odd.partners.add(partner, through_defaults={"contribution": ""})
    plain = MeasureFactory(community=CommunityFactory(name="@Bydel"), title="Åpen hall")
    for number, note in enumerate(ODD_NOTES):
        ReportFactory(
            measure=odd if number % 2 else plain,
            period_start=datetime.date(2025, 1 + number % 12, 1 + number),
            participants=number,
            girls=None if number % 3 == 0 else number // 2,
            volunteer_hours=Decimal(number) / 4,
            note=note,
        )
    measures = Measure.objects.all()
    reports = Report.objects.filter(measure__in=measures.values("pk"))

    def export(copy: bool) -> bytes:
        chunks = report_chunks(reports, measures, copy=copy)
        return b"".join(c if isinstance(c, bytes) else c.encode() for c in chunks)

    by_copy, by_python = export(True), export(False)
    assert by_copy == by_python
    assert by_copy.startswith("\ufeffID;".encode())
    assert by_copy.count(b"\r\n") >= len(ODD_NOTES) + 1
    # The page streams the COPY path's bytes (archived included, a search, a period).
    client = as_user(evaluator)
    assert content(client.get(REPORTS_CSV + "?archived=include")) == by_python
    searched = Measure.objects.search("åpen")
    expected = b"".join(
        c.encode()
        for c in report_chunks(
            Report.objects.filter(measure__in=searched.values("pk"), period_start__year=2025),
            searched,
            copy=False,
        )
    )
    assert content(client.get(REPORTS_CSV + "?q=%C3%A5pen&year=2025")) == expected
