"""Participation over time as charts, each with the table that says the same.

The numbers come from ``ReportQuerySet`` (``measures/models.py``), whose docstring states the
counting rules; this module only lays out rows the database has already summed (and fills in
months with no reports). Every chart costs one query, however much data there is.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from measures.models import Measure, Report
from measures.periods import Period
from partnerships.models import Community

# --- Charts -----------------------------------------------------------------------------------


@dataclass
class Series:
    label: str
    values: list
    kind: str = "bar"  # or "line", drawn over the bars


@dataclass
class Chart:
    """A chart and the accessible table that says the same (``partials/participation_chart``).

    The table is the truth; the chart is its picture. Both come from the same lists.
    """

    id: str
    caption: str
    summary: str
    labels: list[str]
    series: list[Series]
    row_label: str = ""
    row_headers: list[str] = field(default_factory=list)
    stacked: bool = False
    total: bool = False
    empty_text: str = ""

    @property
    def is_empty(self) -> bool:
        return not any(any(series.values) for series in self.series)

    @property
    def rows(self) -> list[dict]:
        """Table rows: header, one value per series, and the row's total when asked for."""
        headers = self.row_headers or self.labels
        rows = []
        for index, header in enumerate(headers):
            values = [series.values[index] for series in self.series]
            row = {"header": header, "values": values}
            if self.total:
                row["total"] = sum(value or 0 for value in values)
            rows.append(row)
        return rows

    @property
    def column_totals(self) -> list:
        return [sum(value or 0 for value in series.values) for series in self.series]

    @property
    def grand_total(self):
        return sum(self.column_totals)

    @property
    def data_id(self) -> str:
        return f"{self.id}-data"

    def data(self) -> dict:
        """What ``static/js/charts.js`` draws, for ``json_script``."""
        return {
            "labels": self.labels,
            "stacked": self.stacked,
            "datasets": [
                {"label": s.label, "type": s.kind, "data": [_number(v) for v in s.values]}
                for s in self.series
            ],
        }


def _number(value):
    if value is None:
        return 0
    return float(value) if isinstance(value, Decimal) else value


def month_label(month: datetime.date) -> str:
    return date_format(month, "b Y")


def month_name(month: datetime.date) -> str:
    return date_format(month, "YEAR_MONTH_FORMAT")


def measure_chart(
    measure: Measure, period: Period | None = None, months: list[dict] | None = None
) -> Chart:
    """Participants and volunteers per month of one measure (the last twelve months), from
    ``months`` when the caller has read them already."""
    period = period or Period.last_months()
    if months is None:
        months = Report.objects.filter(measure=measure).monthly(period)
    participants = [row["participants"] for row in months]
    return Chart(
        id=f"measure-{measure.pk}",
        caption=_("Participants and volunteers per month, %(start)s–%(end)s")
        % {"start": month_name(period.start), "end": month_name(period.end)},
        summary=_(
            "Bar chart: participants per month, %(total)s in all. The table below has the numbers."
        )
        % {"total": sum(participants)},
        labels=[month_label(row["month"]) for row in months],
        row_label=_("Month"),
        row_headers=[month_name(row["month"]) for row in months],
        series=[
            Series(_("Participants"), participants),
            Series(_("Volunteers"), [row["volunteers"] for row in months], kind="line"),
        ],
        empty_text=_("No reports in these months."),
    )


def measure_label(row: dict) -> str:
    title = row["measure__title"]
    return _("%(title)s (archived)") % {"title": title} if row["measure__is_archived"] else title


# A stacked chart (and its table) stays readable with this many measures; the rest are summed.
CHART_MEASURES = 8


def by_measure_chart(rows: list[dict], buckets: list, **chart) -> Chart:
    """Lay out ``Report.objects.participants_by_measure`` rows as one series per measure.

    Past ``CHART_MEASURES`` measures, those with the most participants keep their own series
    and the others are added up in one, "N other measures": totals stay the same.
    """
    measures: dict[int, Series] = {}
    position = {bucket: index for index, bucket in enumerate(buckets)}
    for row in rows:
        series = measures.setdefault(
            row["measure_id"], Series(measure_label(row), [0] * len(buckets))
        )
        if row["bucket"] in position:
            series.values[position[row["bucket"]]] = row["participants"]
    series = list(measures.values())
    if len(series) > CHART_MEASURES:
        largest = sorted(series, key=lambda one: sum(one.values), reverse=True)
        kept = {id(one) for one in largest[: CHART_MEASURES - 1]}
        rest = [one for one in series if id(one) not in kept]
        others = Series(
            ngettext("%(count)d other measure", "%(count)d other measures", len(rest))
            % {"count": len(rest)},
            [sum(values) for values in zip(*(one.values for one in rest), strict=True)],
        )
        series = [one for one in series if id(one) in kept] + [others]
    return Chart(series=series, total=True, stacked=True, **chart)


def community_month_chart(community: Community, period: Period, *, id: str) -> Chart:
    months = period.months()
    return by_measure_chart(
        Report.objects.of_community(community).participants_by_measure(period, by="month"),
        months,
        id=id,
        caption=_("Participants per measure per month, %(start)s–%(end)s")
        % {"start": month_name(period.start), "end": month_name(period.end)},
        summary=_(
            "Stacked bar chart: participants per month, one colour per measure. "
            "The table below has the numbers."
        ),
        labels=[month_label(month) for month in months],
        row_label=_("Month"),
        row_headers=[month_name(month) for month in months],
        empty_text=_("No reports in this period."),
    )


def community_year_chart(community: Community) -> Chart:
    rows = Report.objects.of_community(community).participants_by_measure(None, by="year")
    # Every year from the first report on, years without reports included.
    found = [row["bucket"] for row in rows]
    years = list(range(min(found), max(found) + 1)) if found else []
    return by_measure_chart(
        rows,
        years,
        id=f"community-{community.pk}-years",
        caption=_("Participants per measure per year"),
        summary=_(
            "Stacked bar chart: participants per year, one colour per measure. "
            "The table below has the numbers."
        ),
        row_label=_("Year"),
        labels=[str(year) for year in years],
        empty_text=_("No reports yet."),
    )
