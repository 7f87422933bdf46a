"""The funder's report as CSV and XLSX, in the format of the other exports
(``measures/exports.py``): one row per funded measure, then the total, then the goals.

Money is in kroner with two decimals (a decimal comma in CSV, a number in XLSX), computed from
whole øre.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from funding.figures import FunderReport, funder_report
from funding.money import kroner
from funding.permissions import visible_grants
from measures.exports import XLSX_TYPE, attachment, csv_chunks, csv_rows, xlsx_cell
from partnerships.text import norwegian_slugify


def report_header() -> list[str]:
    return [
        _("Grant"),
        _("Funder"),
        _("Period from"),
        _("Period to"),
        _("Measure"),
        _("Part of the grant (NOK)"),
        _("Planned sessions"),
        _("Sessions"),
        _("Participants"),
        _("Of which girls"),
        _("Volunteers"),
        _("Volunteer hours"),
        _("NOK per participant"),
    ]


def report_rows(report: FunderReport) -> Iterator[list]:
    grant, period = report.grant, report.period
    start = [grant.name, grant.funder, period.start, period.end]
    for m in report.measures:
        yield [
            *start,
            m.title,
            kroner(m.part),
            m.planned_total,
            m.sessions_total,
            m.participants_total,
            m.girls_total,
            m.volunteers_total,
            m.volunteer_hours_total,
            kroner(m.per_participant),
        ]
    totals = report.totals
    yield [
        *start,
        _("Total"),
        kroner(grant.amount),
        totals["planned_total"],
        totals["sessions_total"],
        totals["participants_total"],
        totals["girls_total"],
        totals["volunteers_total"],
        totals["volunteer_hours_total"],
        kroner(totals["per_participant"]),
    ]


def goal_rows(report: FunderReport) -> Iterator[list]:
    yield []
    yield [_("Goal"), _("Measure"), _("Indicator"), _("Baseline"), _("Target"), _("Result")]
    for progress in report.goals:
        goal = progress.goal
        yield [
            goal.title,
            goal.measure.title if goal.measure else _("The whole community"),
            goal.get_indicator_display(),
            f"{goal.baseline} ({goal.baseline_year})",
            f"{goal.target} ({goal.target_year})",
            progress.value,
        ]
    yield []
    yield [report.method_note]


def _report(request, pk: int) -> FunderReport:
    grant = get_object_or_404(
        visible_grants(request.user).select_related("community", "applicant"), pk=pk
    )
    return funder_report(grant, today=timezone.localdate())


def report_filename(grant, extension: str) -> str:
    """Named after the grant and the period it covers, as the other exports are after theirs:
    ``sparebankstiftelsen-dnb-2026-01-01-2026-12-31.xlsx``."""
    when = f"{grant.period_start.isoformat()} {grant.period_end.isoformat()}"
    return f"{norwegian_slugify(f'{grant.name} {when}')}.{extension}"


def grant_report_csv(request, pk: int):
    """The funder's report as CSV (a grant has few measures: built in one go)."""
    report = _report(request, pk)
    content = "".join(
        csv_chunks(report_header(), csv_rows([*report_rows(report), *goal_rows(report)]))
    )
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    return attachment(response, report_filename(report.grant, "csv"))


def grant_report_xlsx(request, pk: int):
    """The same as ``grant_report_csv``, as an Excel workbook."""
    report = _report(request, pk)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("Report")[:31])
    for index, width in enumerate(WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    sheet.append([xlsx_cell(sheet, title, font=bold) for title in report_header()])
    for row in [*report_rows(report), *goal_rows(report)]:
        sheet.append([xlsx_cell(sheet, value) for value in row])
    content = io.BytesIO()
    workbook.save(content)
    response = HttpResponse(content.getvalue(), content_type=XLSX_TYPE)
    return attachment(response, report_filename(report.grant, "xlsx"))


WIDTHS = [30, 24, 12, 12, 30, 16, 10, 10, 12, 12, 11, 14, 14]
