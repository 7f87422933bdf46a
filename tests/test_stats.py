"""Participation over time: the database's aggregates against numbers worked out by hand."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from measures.charts import community_month_chart, community_year_chart, measure_chart
from measures.models import Report
from measures.periods import Period
from tests.factories import CommunityFactory, MeasureFactory, ReportFactory

pytestmark = pytest.mark.django_db

SPRING = Period(datetime.date(2026, 1, 1), datetime.date(2026, 4, 30))


def day(month: int, day: int, year: int = 2026) -> datetime.date:
    return datetime.date(year, month, day)


@pytest.fixture
def reports(community, measure):
    """Åpen hall: 9 January, 30 January–2 February (spans two months), 6 March; nothing in
    February or April. An archived measure in March, the year before, and another community."""
    ReportFactory(
        measure=measure,
        period_start=day(1, 9),
        participants=40,
        girls=18,
        volunteers=3,
        volunteer_hours=Decimal("7.5"),
    )
    ReportFactory(
        measure=measure,
        period_start=day(1, 30),
        period_end=day(2, 2),
        sessions=2,
        participants=25,
        girls=None,
        volunteers=2,
        volunteer_hours=2,
    )
    ReportFactory(measure=measure, period_start=day(3, 6), participants=30, girls=10, volunteers=1)
    # Starts on 30 December: belongs to 2025 even though it ends in 2026.
    ReportFactory(
        measure=measure, period_start=day(12, 30, 2025), period_end=day(1, 2), participants=11
    )
    ReportFactory(measure=measure, period_start=day(5, 2, 2024), participants=7, girls=3)
    archived = MeasureFactory(community=community, title="Fargeløpet", is_archived=True)
    ReportFactory(measure=archived, period_start=day(3, 20), participants=100, girls=60)
    ReportFactory(measure__community=CommunityFactory(), period_start=day(1, 9), participants=999)
    return {"open_hall": measure, "colour_run": archived}


def test_months_without_reports_are_zero_and_a_spanning_report_counts_where_it_starts(
    reports, measure
):
    months = Report.objects.filter(measure=measure).monthly(SPRING)
    assert [row["month"] for row in months] == [day(1, 1), day(2, 1), day(3, 1), day(4, 1)]
    assert [row["participants"] for row in months] == [65, 0, 30, 0]
    assert [row["reports"] for row in months] == [2, 0, 1, 0]
    assert [row["sessions"] for row in months] == [3, 0, 1, 0]
    assert [row["girls"] for row in months] == [
        18,
        None,
        10,
        None,
    ]  # a report without girls adds none
    assert [row["volunteers"] for row in months] == [5, 0, 1, 0]
    assert months[0]["volunteer_hours"] == Decimal("9.5")


def test_totals_per_measure_in_a_period(reports, measure, community):
    rows = {
        m.title: m
        for m in community.measures.with_report_totals(Period.year(2026)).order_by("title")
    }
    open_hall = rows["Åpen hall"]
    assert open_hall.report_count == 3  # not the one that starts in December 2025
    assert open_hall.sessions_total == 4
    assert open_hall.participants_total == 95
    assert open_hall.girls_total == 28
    assert open_hall.volunteers_total == 6
    assert open_hall.volunteer_hours_total == Decimal("18.5")  # 7.5 + 2 + 9
    assert open_hall.first_activity == day(1, 9)
    assert open_hall.last_activity == day(3, 6)
    assert rows["Fargeløpet"].participants_total == 100  # archived measures count


def test_totals_all_time_and_without_reports(reports, measure, community):
    quiet = MeasureFactory(community=community, title="E-sport")
    rows = {m.pk: m for m in community.measures.with_report_totals()}
    assert rows[measure.pk].report_count == 5
    assert rows[measure.pk].participants_total == 113
    assert rows[measure.pk].first_activity == day(5, 2, 2024)
    assert (rows[quiet.pk].report_count, rows[quiet.pk].participants_total) == (0, 0)
    assert rows[quiet.pk].volunteer_hours_total == 0
    assert rows[quiet.pk].girls_total is None
    assert rows[quiet.pk].first_activity is None


def test_totals_do_not_multiply_when_the_measures_are_filtered_through_relations(
    reports, measure, community
):
    """A filter across partners joins rows; the totals must not count a report twice."""
    filtered = community.measures.filter(partners__in=[measure.lead_partner]).distinct()
    (row,) = filtered.with_report_totals(Period.year(2026))
    assert row.participants_total == 95


def test_report_totals_of_the_community_agree_with_the_rows(reports, community):
    totals = (
        Report.objects.starting_in(Period.year(2026)).filter(measure__community=community).totals()
    )
    assert totals["report_count"] == 4
    assert totals["participants_total"] == 195  # 95 + the archived 100
    assert totals["girls_total"] == 88
    assert totals["volunteer_hours_total"] == Decimal("27.5")


def test_community_month_chart_stacks_measures_and_marks_archived(reports, community):
    chart = community_month_chart(community, SPRING, id="test")
    assert chart.labels == ["jan 2026", "feb 2026", "mar 2026", "apr 2026"]
    assert chart.row_headers == ["januar 2026", "februar 2026", "mars 2026", "april 2026"]
    series = {s.label: s.values for s in chart.series}
    assert series == {"Fargeløpet (arkivert)": [0, 0, 100, 0], "Åpen hall": [65, 0, 30, 0]}
    assert [row["total"] for row in chart.rows] == [65, 0, 130, 0]
    assert chart.grand_total == 195
    data = chart.data()
    assert data["stacked"] is True
    assert [d["data"] for d in data["datasets"]] == list(series.values())


def test_community_year_chart_fills_years_without_reports(reports, community):
    chart = community_year_chart(community)
    assert chart.labels == ["2024", "2025", "2026"]
    series = {s.label: s.values for s in chart.series}
    assert series == {"Fargeløpet (arkivert)": [0, 0, 100], "Åpen hall": [7, 11, 95]}


def test_past_eight_measures_the_smallest_are_summed_and_totals_stay(community):
    for number in range(1, 11):  # ten measures with 10, 20, … 100 participants in March
        measure = MeasureFactory(community=community, title=f"Tiltak {number:02d}")
        ReportFactory(measure=measure, period_start=day(3, 2), participants=number * 10)
    chart = community_month_chart(community, SPRING, id="test")
    labels = [series.label for series in chart.series]
    assert labels == [f"Tiltak {n:02d}" for n in range(4, 11)] + ["3 andre tiltak"]
    assert chart.series[-1].values == [0, 0, 60, 0]  # 10 + 20 + 30
    assert chart.grand_total == 550


def test_measure_chart_covers_the_last_twelve_months(measure):
    this_month = timezone.localdate().replace(day=1)
    ReportFactory(measure=measure, period_start=this_month, participants=12, volunteers=2)
    chart = measure_chart(measure)
    assert len(chart.labels) == 12
    participants, volunteers = chart.series
    assert participants.values[-1] == 12 and sum(participants.values) == 12
    assert volunteers.values[-1] == 2 and volunteers.kind == "line"
    assert not chart.is_empty


def test_periods():
    assert Period.year(2026).months()[0] == day(1, 1)
    assert len(Period.year(2026).months()) == 12
    last = Period.last_months(12, today=day(2, 15))
    assert (last.start, last.end) == (day(3, 1, 2025), day(2, 28))
    assert str(Period.year(2026)) == "2026"
    assert Period.year(2026).is_calendar_year
    assert not SPRING.is_calendar_year
