"""Participation over time: aggregates of activity reports, computed by the database.

Counting rules, the same on every page, chart, table and export:

- A report belongs to the month (and the year, and the period) in which it *starts*. A report
  for 28 January–3 February counts in January, once; its participants are never split between
  months, because a report only knows its totals.
- Archived measures count: their work happened. Charts and the evaluation page label them as
  archived.
- "Of which girls" is the sum over the reports that gave a number; a report without one adds
  nothing (it is not counted as zero girls, nor guessed).

Every function here runs a fixed number of queries, however many measures and reports there are.
Python only lays out rows the database has already summed (and fills in months with no reports).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import (
    Count,
    DateField,
    DecimalField,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, ExtractYear, TruncMonth
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from measures.models import Measure, MeasurePartner, Report, TargetGroup
from measures.periods import Period
from partnerships.models import Community


def reports_in(period: Period | None, reports: QuerySet | None = None) -> QuerySet:
    """Reports that start in ``period`` (all reports when it is None)."""
    reports = Report.objects.all() if reports is None else reports
    if period is None:
        return reports
    return reports.filter(period_start__range=(period.start, period.end))


# --- Per measure ------------------------------------------------------------------------------

HOURS = DecimalField(max_digits=12, decimal_places=1)


def with_report_totals(measures: QuerySet, period: Period | None = None) -> QuerySet:
    """Annotate each measure with its reports' totals in ``period`` (all time when None).

    ``report_count``, ``sessions_total``, ``participants_total``, ``volunteers_total`` and
    ``volunteer_hours_total`` (0 without reports), ``girls_total`` (None when no report gave
    girls), ``first_activity`` and ``last_activity`` (the first report's start, the last
    report's end). Correlated subqueries, so the totals stay right whatever the measure
    queryset joins for its filters.
    """
    reports = reports_in(period).filter(measure=OuterRef("pk")).order_by().values("measure")

    def total(aggregate, output_field, default=0):
        subquery = Subquery(
            reports.annotate(value=aggregate).values("value"), output_field=output_field
        )
        return (
            subquery
            if default is None
            else Coalesce(subquery, Value(default), output_field=output_field)
        )

    return measures.annotate(
        report_count=total(Count("pk"), IntegerField()),
        sessions_total=total(Sum("sessions"), IntegerField()),
        participants_total=total(Sum("participants"), IntegerField()),
        girls_total=total(Sum("girls"), IntegerField(), default=None),
        volunteers_total=total(Sum("volunteers"), IntegerField()),
        volunteer_hours_total=total(Sum("volunteer_hours"), HOURS, default=Decimal(0)),
        first_activity=total(Min("period_start"), DateField(), default=None),
        last_activity=total(Max("period_end"), DateField(), default=None),
    )


def with_partners_and_groups(measures: QuerySet) -> QuerySet:
    """Measures with their lead partner, ``partner_list`` (links with their partner, by name)
    and ``target_group_list``: three queries.

    Lists rather than prefetched managers: for a community's two hundred measures, building a
    queryset per measure and relation cost more than reading the rows.
    """
    return measures.select_related("community", "lead_partner").prefetch_related(
        Prefetch(
            "partner_links",
            queryset=MeasurePartner.objects.select_related("partner")
            .only("measure", "partner", "partner__name")
            .order_by("partner__name"),
            to_attr="partner_list",
        ),
        Prefetch(
            "target_groups", queryset=TargetGroup.objects.only("name"), to_attr="target_group_list"
        ),
    )


def report_totals(reports: QuerySet) -> dict:
    """The same totals as ``with_report_totals``, over ``reports`` together (one query)."""
    totals = reports.order_by().aggregate(
        report_count=Count("pk"),
        sessions_total=Coalesce(Sum("sessions"), 0),
        participants_total=Coalesce(Sum("participants"), 0),
        girls_total=Sum("girls"),
        volunteers_total=Coalesce(Sum("volunteers"), 0),
        volunteer_hours_total=Coalesce(
            Sum("volunteer_hours"), Value(Decimal(0)), output_field=HOURS
        ),
    )
    return totals


# --- Over time --------------------------------------------------------------------------------


def monthly_totals(reports: QuerySet, period: Period) -> list[dict]:
    """One row per month of ``period``, months without reports included with zeros."""
    rows = {
        row["month"]: row
        for row in reports_in(period, reports)
        .order_by()
        .annotate(month=TruncMonth("period_start"))
        .values("month")
        .annotate(
            reports=Count("pk"),
            sessions=Sum("sessions"),
            participants=Sum("participants"),
            girls=Sum("girls"),
            volunteers=Sum("volunteers"),
            volunteer_hours=Sum("volunteer_hours"),
        )
    }
    empty = {
        "reports": 0,
        "sessions": 0,
        "participants": 0,
        "girls": None,
        "volunteers": 0,
        "volunteer_hours": Decimal(0),
    }
    return [{**empty, **rows.get(month, {}), "month": month} for month in period.months()]


def participants_by_measure(community: Community, period: Period | None, *, by: str) -> list[dict]:
    """Participants per measure of ``community`` per month (``by="month"``) or per year.

    Rows of ``{"measure_id", "title", "is_archived", "bucket", "participants"}``, from one
    query; ``bucket`` is the month's first day or the year.
    """
    bucket = TruncMonth("period_start") if by == "month" else ExtractYear("period_start")
    return list(
        reports_in(period, Report.objects.filter(measure__community=community))
        .order_by()
        .annotate(bucket=bucket)
        .values("bucket", "measure_id", "measure__title", "measure__is_archived")
        .annotate(participants=Sum("participants"))
        .order_by("measure__title", "measure_id", "bucket")
    )


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


def measure_chart(measure: Measure, period: Period | None = None) -> Chart:
    """Participants and volunteers per month of one measure (the last twelve months)."""
    period = period or Period.last_months()
    months = monthly_totals(Report.objects.filter(measure=measure), period)
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
    """Lay out ``participants_by_measure`` rows as one series per measure over ``buckets``.

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
        participants_by_measure(community, period, by="month"),
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
    rows = participants_by_measure(community, None, by="year")
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
