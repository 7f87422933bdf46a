"""Exports for Norwegian Excel: measures as CSV and XLSX, activity reports as streamed CSV.

CSV files use ``;`` between cells, a decimal comma, ISO dates (YYYY-MM-DD, which Excel reads as
dates in any locale), UTF-8 with a byte order mark (so Excel does not read "Åpen hall" as
Latin-1), and Windows line ends. A text cell that a spreadsheet would run as a formula gets a
leading apostrophe, so Excel shows it instead (OWASP's advice on CSV injection): one starting
with ``=``, ``@``, a tab or a carriage return, and one starting with ``+`` or ``-`` unless it
holds nothing but digits, spaces and ``.,()/+-`` ("+47 915 55 555", "-5": no letter, so no
function or cell reference to run). LibreOffice shows the apostrophe, so the guard is kept to
what needs it, and the pages say that the XLSX file is the one for spreadsheets. Numbers are
never touched: counts are not negative.

In XLSX files numbers and dates are real numbers and dates; text is written as text, which
Excel never runs as a formula. The sheet's name and its first row say what it holds: the
filters and the period ("Tiltak 2025"; "Tiltak · Konnerud · Aktiv · 2025").

Exports respect the measure list's filters (the same FilterSet, including its default of hiding
archived measures and its year). A file's name says its filters and period
(``tiltak-konnerud-2025.xlsx``; without a period, the day it was taken:
``tiltak-konnerud-per-2026-11-30.csv``). The reports export streams in constant memory,
however many reports.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db import connections
from django.db.models import CharField, F, QuerySet
from django.db.models.functions import Cast
from django.http import HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from measures.filters import MeasureFilter
from measures.forms import PeriodForm
from measures.models import Measure, MeasurePartner, Report
from measures.periods import Period
from partnerships.text import norwegian_slugify

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK_SIZE = 2_000  # rows fetched from the database at a time
FLUSH_CHARS = 64 * 1024  # characters sent to the client at a time
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# "+47 915 55 555", "-5", "+1 (555) 010-0199": a sign and nothing a formula could call.
HARMLESS_SIGNED = re.compile(r"[+-][\d\s.,()/+-]*")
HARMLESS_SIGNED_SQL = "^[+-][[:digit:][:space:].,()/+-]*$"  # the same, in the COPY export


def neutralise(text: str) -> str:
    """Text that a spreadsheet would run as a formula, with a leading apostrophe."""
    if not text.startswith(FORMULA_STARTS) or HARMLESS_SIGNED.fullmatch(text):
        return text
    return "'" + text


def csv_cell(value):
    """A value as Norwegian Excel reads it from a CSV cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal | float):
        return format(value, "f").replace(".", ",")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return neutralise(str(value))


def csv_chunks(header: list[str], rows: Iterable[Iterable]) -> Iterator[str]:
    """The CSV text, BOM first, in chunks of about ``FLUSH_CHARS`` characters.

    ``rows`` hold cells as ``csv_cell`` makes them (see ``csv_rows``).
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    buffer.write(BOM)
    writer.writerow([csv_cell(title) for title in header])
    for row in rows:
        writer.writerow(row)
        if buffer.tell() >= FLUSH_CHARS:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def csv_rows(rows: Iterable[Iterable]) -> Iterator[list]:
    """Rows of values as rows of CSV cells."""
    for row in rows:
        yield [csv_cell(value) for value in row]


MAX_NAME = 120  # characters of a file name before its extension


@dataclass(frozen=True)
class Selection:
    """What an export holds: the measures, the period, and in words the filters chosen."""

    measures: QuerySet
    period: Period | None
    filters: list[str]

    def filename(self, name: str, extension: str) -> str:
        """E.g. ``tiltak-konnerud-aktiv-2025.xlsx``."""
        when = self.period_slug() if self.period else f"{_('as of')} {timezone.localdate()}"
        slug = norwegian_slugify(" ".join([name, *self.filters, when]))
        return f"{slug[:MAX_NAME].strip('-')}.{extension}"

    def period_slug(self) -> str:
        period = self.period
        if period.is_calendar_year:
            return str(period.start.year)
        return f"{period.start.isoformat()} {period.end.isoformat()}"

    def period_text(self) -> str:
        if self.period is None:
            return _("all years")
        if self.period.is_calendar_year:
            return str(self.period)
        return f"{self.period.start.isoformat()}–{self.period.end.isoformat()}"

    def title(self, name: str) -> str:
        """The sheet's first row: "Tiltak · Konnerud · 2025 · hentet 30.11.2026"."""
        taken = _("downloaded %(date)s") % {
            "date": date_format(timezone.localdate(), "SHORT_DATE_FORMAT")
        }
        return " · ".join([name, *self.filters, self.period_text(), taken])

    def sheet_name(self, name: str) -> str:
        """At most 31 characters without ``[]:*?/\\`` (Excel's rules): "Tiltak 2025"."""
        text = f"{name} {self.period_text()}"
        return re.sub(r"[\[\]:*?/\\]", "-", text)[:31]


def attachment(response: HttpResponse, name: str) -> HttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- What is exported -------------------------------------------------------------------------


def selection(request, period: Period | None) -> Selection:
    """The measures the list shows for this query string, as ``FilterView`` decides them, and
    in the period (when it is given by dates rather than the list's year, the measures that
    existed in it, as on the evaluation page)."""
    filterset = MeasureFilter(request.GET or None, queryset=Measure.objects.all(), request=request)
    if filterset.is_bound and not filterset.is_valid():
        return Selection(Measure.objects.none(), period, [])
    measures = filterset.qs
    year = filterset.form.cleaned_data.get("year") if filterset.is_bound else None
    if period is not None and period != (Period.year(int(year)) if year else None):
        measures = measures.existed_in(period)
    return Selection(measures, period, filterset.described())


def measure_header() -> list[str]:
    return [
        _("ID"),
        _("Measure"),
        _("Community"),
        _("Status"),
        _("Archived"),
        _("Lead partner"),
        _("Partners"),
        _("Target groups"),
        _("Schedule"),
        _("Venue"),
        _("Started on"),
        _("Ended on"),
        _("Reports"),
        _("Sessions"),
        _("Participants"),
        _("Of which girls"),
        _("Volunteers"),
        _("Volunteer hours"),
        _("First activity"),
        _("Last activity"),
    ]


def measure_rows(measures: QuerySet, period: Period | None = None) -> Iterator[list]:
    """One row per measure with its reports' totals (measures are few: a query per table)."""
    measures = (
        measures.with_report_totals(period)
        .with_partner_lists()
        .order_by("community__name", "title", "pk")
    )
    for m in measures:
        yield [
            m.pk,
            m.title,
            m.community.name,
            m.get_status_display(),
            m.is_archived,
            m.lead_partner.name,
            ", ".join(link.partner.name for link in m.partner_list),
            ", ".join(group.name for group in m.target_group_list),
            m.schedule,
            m.venue,
            m.started_on,
            m.ended_on,
            m.report_count,
            m.sessions_total,
            m.participants_total,
            m.girls_total,
            m.volunteers_total,
            m.volunteer_hours_total,
            m.first_activity,
            m.last_activity,
        ]


def report_header() -> list[str]:
    return [
        _("ID"),
        _("Measure ID"),
        _("Measure"),
        _("Community"),
        _("Partners"),
        _("From"),
        _("To"),
        _("Sessions"),
        _("Participants"),
        _("Of which girls"),
        _("Volunteers"),
        _("Volunteer hours"),
        _("Note"),
    ]


def partner_names(measures: QuerySet) -> dict[int, str]:
    """Each measure's partners, "A, B, C", in one query.

    Bounded by the number of measures (hundreds), not reports; a portable stand-in for
    PostgreSQL's STRING_AGG, which Django 5.2 has for PostgreSQL only.
    """
    names: dict[int, list[str]] = {}
    links = (
        MeasurePartner.objects.filter(measure__in=measures.values("pk"))
        .order_by("measure_id", "partner__name")
        .values_list("measure_id", "partner__name")
    )
    for measure_id, name in links:
        names.setdefault(measure_id, []).append(name)
    return {measure_id: ", ".join(partners) for measure_id, partners in names.items()}


def report_rows(reports: QuerySet, partners: dict[int, str]) -> Iterator[list]:
    """Reports as rows of CSV cells, read from the database ``CHUNK_SIZE`` rows at a time.

    Each column's type is known, so each is converted as ``csv_cell`` would, without asking:
    this loop runs once per report (hundreds of thousands), and ``csv_cell`` for every value
    was most of the export's time. A measure's cells are made once for all its reports.
    """
    rows = (
        reports.order_by(
            "measure__community__name", "measure__title", "measure_id", "period_start", "pk"
        )
        # Dates as ISO text straight from the database: no date objects to build and format.
        .annotate(
            start_text=Cast("period_start", CharField()), end_text=Cast("period_end", CharField())
        )
        .values_list(
            "pk",
            "measure_id",
            "measure__title",
            "measure__community__name",
            "start_text",
            "end_text",
            "sessions",
            "participants",
            "girls",
            "volunteers",
            "volunteer_hours",
            "note",
        )
        .iterator(chunk_size=CHUNK_SIZE)
    )
    measure_id_before, measure_cells = None, []
    for pk, measure_id, title, community, start, end, sessions, participants, *rest in rows:
        girls, volunteers, hours, note = rest
        if measure_id != measure_id_before:
            measure_id_before = measure_id
            measure_cells = [
                csv_cell(title),
                csv_cell(community),
                csv_cell(partners.get(measure_id)),
            ]
        yield [
            pk,
            measure_id,
            *measure_cells,
            start,
            end,
            sessions,
            participants,
            "" if girls is None else girls,
            volunteers,
            format(hours, "f").replace(".", ","),  # a Decimal, as csv_cell writes it
            neutralise(note),
        ]


# --- Views (login required by LoginRequiredMiddleware, like every page) -----------------------


def export_view(render):
    """Check the optional period (``year``, or ``start`` and ``end``), then ``render(request,
    selection)``. Bad dates are a 400 that says what is wrong, never a 500."""

    def view(request):
        period_form = PeriodForm(request.GET)
        if not period_form.is_valid():
            errors = [str(error) for errors in period_form.errors.values() for error in errors]
            return HttpResponseBadRequest(
                " ".join(errors), content_type="text/plain; charset=utf-8"
            )
        return render(request, selection(request, period_form.period))

    view.__name__ = view.__qualname__ = render.__name__
    view.__doc__ = render.__doc__
    return view


def measures_name() -> str:
    return str(Measure._meta.verbose_name_plural).capitalize()


@export_view
def measures_csv(request, chosen: Selection):
    """The filtered measures with their reports' totals (in the period, if one is given)."""
    response = StreamingHttpResponse(
        csv_chunks(measure_header(), csv_rows(measure_rows(chosen.measures, chosen.period))),
        content_type="text/csv; charset=utf-8",
    )
    return attachment(response, chosen.filename(measures_name(), "csv"))


@export_view
def measures_xlsx(request, chosen: Selection):
    """The same as ``measures_csv``, as an Excel workbook (measures are few: built in memory),
    named and titled with its filters and period."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=chosen.sheet_name(measures_name()))
    header = measure_header()
    for index, width in enumerate(XLSX_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A3"
    bold = Font(bold=True)
    sheet.append([xlsx_cell(sheet, chosen.title(measures_name()), font=Font(bold=True, size=13))])
    sheet.append([xlsx_cell(sheet, title, font=bold) for title in header])
    for row in measure_rows(chosen.measures, chosen.period):
        sheet.append([xlsx_cell(sheet, value) for value in row])
    content = io.BytesIO()
    workbook.save(content)
    response = HttpResponse(content.getvalue(), content_type=XLSX_TYPE)
    return attachment(response, chosen.filename(measures_name(), "xlsx"))


# Column widths in characters, in the order of ``measure_header``.
XLSX_WIDTHS = [7, 36, 16, 11, 10, 22, 48, 26, 24, 24, 12, 12, 10, 10, 12, 12, 11, 14, 14, 14]


def xlsx_cell(sheet, value, *, font=None) -> WriteOnlyCell:
    """Numbers and dates as themselves; text always as text, never as a formula."""
    if isinstance(value, bool):
        value = _("yes") if value else _("no")
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # openpyxl would otherwise store "=…" as a formula
    elif isinstance(value, datetime.date):
        cell.number_format = "yyyy-mm-dd"
    if font is not None:
        cell.font = font
    return cell


@export_view
def reports_csv(request, chosen: Selection):
    """Every report of the filtered measures (in the period, if one is given), streamed."""
    measures = chosen.measures
    reports = Report.objects.filter(measure__in=measures.values("pk")).starting_in(chosen.period)
    response = StreamingHttpResponse(
        report_chunks(reports, measures), content_type="text/csv; charset=utf-8"
    )
    return attachment(response, chosen.filename(str(Report._meta.verbose_name_plural), "csv"))


def report_chunks(reports: QuerySet, measures: QuerySet, *, copy: bool | None = None):
    """The reports export: by PostgreSQL's COPY when the database is PostgreSQL (``copy``
    None), else row by row in Python. Both give the same bytes."""
    if copy is None:
        copy = connections[reports.db].vendor == "postgresql"
    if copy:
        return copy_chunks(reports, measures)
    return csv_chunks(report_header(), report_rows(reports, partner_names(measures)))


# --- The reports export by COPY (PostgreSQL) --------------------------------------------------
#
# PostgreSQL writes the CSV itself (``COPY … TO STDOUT``) and Python only passes it on: the
# export then runs at about the speed of ``psql \copy``. The query makes each cell as
# ``report_rows`` does: the formula guard (``guard``), a decimal comma, ISO dates, the measure's
# partners by name. PostgreSQL quotes a cell in CSV exactly when Python's csv module does (it
# holds ``;``, ``"``, a carriage return or a line feed) and doubles quotes the same way; the
# two differences are handled here: an empty text is NULL (PostgreSQL writes NULL as nothing
# but quotes an empty string), and each row's line feed becomes CRLF (libpq hands over exactly
# one row at a time). ``tests/test_exports.py`` compares the bytes of both paths.

COPY_SQL = """
COPY (
    SELECT r.id, r.measure_id, {title}, {community}, {partners}, r.start_text, r.end_text,
           r.sessions, r.participants, r.girls, r.volunteers,
           replace(r.volunteer_hours::text, '.', ','), {note}
    FROM ({reports}) r
    LEFT JOIN ({partners_query}) p ON p.measure_id = r.measure_id
    ORDER BY r.community, r.title, r.measure_id, r.period_start, r.id
) TO STDOUT WITH (FORMAT csv, DELIMITER ';')
"""


def guard(column: str) -> str:
    """SQL for ``neutralise`` of a text column, with an empty text as NULL."""
    starts = ", ".join("'" + start + "'" for start in FORMULA_STARTS)
    return (
        f"CASE WHEN left({column}, 1) IN ({starts}) AND {column} !~ '{HARMLESS_SIGNED_SQL}' "
        f"THEN '''' || {column} ELSE NULLIF({column}, '') END"
    )


def _sql(queryset: QuerySet) -> tuple[str, tuple]:
    return queryset.query.get_compiler(using=queryset.db).as_sql()


def copy_chunks(reports: QuerySet, measures: QuerySet) -> Iterator[bytes]:
    import psycopg
    from django.contrib.postgres.aggregates import StringAgg

    rows = reports.order_by().values(
        "id",
        "measure_id",
        "period_start",
        "sessions",
        "participants",
        "girls",
        "volunteers",
        "volunteer_hours",
        "note",
        title=F("measure__title"),
        community=F("measure__community__name"),
        start_text=Cast("period_start", CharField()),
        end_text=Cast("period_end", CharField()),
    )
    partners = (
        MeasurePartner.objects.filter(measure__in=measures.values("pk"))
        .order_by()
        .values("measure_id")
        .annotate(partners=StringAgg("partner__name", ", ", order_by="partner__name"))
    )
    reports_sql, reports_params = _sql(rows)
    partners_sql, partners_params = _sql(partners)
    sql = COPY_SQL.format(
        title=guard("r.title"),
        community=guard("r.community"),
        partners=guard("p.partners"),
        note=guard("r.note"),
        reports=reports_sql,
        partners_query=partners_sql,
    )
    connection = connections[reports.db]
    connection.ensure_connection()
    # COPY takes no parameters: psycopg binds them into the statement, as Django's own cursor
    # does for every query. Django's cursor logs the COPY as one query (tests, DEBUG).
    statement = psycopg.ClientCursor(connection.connection).mogrify(
        sql, (*reports_params, *partners_params)
    )
    yield "".join(csv_chunks(report_header(), [])).encode()
    buffer = bytearray()
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in copy:
            buffer += row
            buffer[-1:] = b"\r\n"
            if len(buffer) >= FLUSH_CHARS:
                yield bytes(buffer)
                buffer.clear()
    yield bytes(buffer)
