"""The community evaluation page: a period, each measure's numbers, meetings, printable."""

import datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from measures.models import Measure
from measures.periods import Period
from measures.services import measure_update
from tests.factories import (
    CommunityPartnerFactory,
    MeasureFactory,
    MeetingFactory,
    ReportFactory,
    TimeSlotFactory,
    UserFactory,
    target_group,
)

pytestmark = pytest.mark.django_db


def url(community, query: str = "") -> str:
    return reverse("partnerships:community_evaluation", args=[community.slug]) + query


@pytest.fixture
def activity(community, measure):
    """Two years of Åpen hall, an archived measure with and one without reports in 2025, a
    planned measure with none, and meetings in and out of 2025."""
    measure.target_groups.add(target_group("13–19 år"), target_group("6–12 år"))
    ReportFactory(
        measure=measure, period_start=datetime.date(2025, 3, 7), participants=40, girls=20
    )
    ReportFactory(
        measure=measure,
        period_start=datetime.date(2025, 9, 5),
        period_end=datetime.date(2025, 9, 26),
        sessions=4,
        participants=160,
        girls=70,
        volunteer_hours=12,
    )
    ReportFactory(measure=measure, period_start=datetime.date(2024, 9, 6), participants=999)
    archived = MeasureFactory(community=community, title="Fargeløpet", is_archived=True)
    ReportFactory(measure=archived, period_start=datetime.date(2025, 6, 14), participants=650)
    MeasureFactory(community=community, title="Gammelt tiltak", is_archived=True)
    MeasureFactory(community=community, title="E-sport", status="planned")  # entered today
    # Entered today, but it started in 2025: it existed then.
    MeasureFactory(community=community, title="Aktiv senior", started_on=datetime.date(2025, 5, 1))
    school = CommunityPartnerFactory(community=community, partner__name="Konnerud skole").partner
    meeting = MeetingFactory(
        community=community, title="Fokusgruppe", date=datetime.date(2025, 2, 8)
    )
    meeting.partners_present.set([school, measure.lead_partner])
    MeetingFactory(community=community, title="Gammelt møte", date=datetime.date(2024, 2, 8))
    return {"archived": archived, "school": school}


def test_a_year_shows_each_measures_numbers_and_the_meetings(
    as_user, evaluator, community, measure, activity
):
    response = as_user(evaluator).get(url(community, "?year=2025"))
    assert response.status_code == 200
    assert response.context["period"] == Period.year(2025)
    rows = {m.title: m for m in response.context["measures"]}
    # Archived measures with work in the period are shown (and marked); others are not, nor
    # a measure entered and started after the period.
    assert set(rows) == {"Aktiv senior", "Åpen hall", "Fargeløpet"}
    assert list(rows)[-1] == "Fargeløpet"  # archived last
    open_hall = rows["Åpen hall"]
    assert (open_hall.report_count, open_hall.sessions_total) == (2, 5)
    assert (open_hall.participants_total, open_hall.girls_total) == (200, 90)
    assert open_hall.volunteer_hours_total == 21
    assert open_hall.first_activity == datetime.date(2025, 3, 7)
    assert open_hall.last_activity == datetime.date(2025, 9, 26)
    assert rows["Aktiv senior"].report_count == 0
    totals = response.context["totals"]
    assert (totals["report_count"], totals["participants_total"]) == (3, 850)
    # The chart's table agrees with the measures' table.
    assert response.context["chart"].grand_total == 850
    html = response.text
    assert "Arkivert" in html and "Gammelt tiltak" not in html
    assert "13–19 år" in html and measure.lead_partner.name in html
    assert "Fokusgruppe" in html and "Konnerud skole" in html
    assert "Gammelt møte" not in html
    assert "starter" in html  # the page says how reports spanning months are counted
    assert 'data-chart="' in html and 'role="img"' in html
    assert '<th scope="col">Måned</th>' in html
    # On paper: where it comes from and when it was printed.
    today = timezone.localdate().strftime("%d.%m.%Y")
    source = f"Kilde: Aktive Lokalsamfunn-portalen, {settings.PORTAL_URL}/communities/"
    assert f"{source}{community.slug}/evaluation/?year=2025, skrevet ut {today}" in html


def test_the_tables_show_norwegian_numbers_and_each_status_in_words(
    as_user, evaluator, community, measure
):
    """The measures' table and the chart's table as a reader sees them: digit groups, a decimal
    comma, "–" where no number was given, and the status (and archived) in words."""
    ReportFactory(
        measure=measure,
        period_start=datetime.date(2025, 3, 7),
        participants=1234,
        girls=None,
        volunteer_hours=Decimal("2.5"),
    )
    archived = MeasureFactory(community=community, title="Fargeløpet", is_archived=True)
    ReportFactory(
        measure=archived, period_start=datetime.date(2025, 6, 14), participants=5, girls=2
    )
    html = as_user(evaluator).get(url(community, "?year=2025")).text
    # Åpen hall's row, and in the chart's table March's cell, March's total and its column's.
    assert html.count('<td class="num">1\xa0234</td>') == 4
    assert '<td class="num">1\xa0239</td>' in html  # the chart's grand total
    assert '<td class="num">–</td><td class="num">2,5</td><td>07.03.2025</td>' in html
    assert '<td><span class="status status-active">Aktiv</span></td>' in html
    assert (
        '<span class="status status-active">Aktiv</span> '
        '<span class="status status-archived">Arkivert</span>'
    ) in html


def test_default_is_this_year(as_user, evaluator, community, measure):
    year = timezone.localdate().year
    ReportFactory(measure=measure, period_start=datetime.date(year, 1, 2), participants=5, girls=2)
    response = as_user(evaluator).get(url(community))
    assert response.context["period"] == Period.year(year)
    assert response.context["totals"]["participants_total"] == 5
    # The select says which year the page is on, not "Velg år".
    assert response.context["form"]["year"].value() == year
    assert f'<option value="{year}" selected>{year}</option>' in response.text


def test_dates_choose_any_period_and_win_over_the_year(as_user, evaluator, community, activity):
    response = as_user(evaluator).get(url(community, "?year=2024&start=2025-09-01&end=2025-12-31"))
    assert response.context["period"] == Period(
        datetime.date(2025, 9, 1), datetime.date(2025, 12, 31)
    )
    assert response.context["totals"]["participants_total"] == 160
    assert len(response.context["chart"].labels) == 4
    assert "start=2025-09-01" in response.context["export_query"]


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("?year=abc", "year", "Velg et gyldig valg"),
        ("?start=2025-13-01&end=2025-12-31", "start", "gyldig dato"),
        ("?start=2025-05-01", "end", "begge datoene"),
        ("?start=2025-05-01&end=2025-04-01", "end", "før"),
        ("?start=2015-01-01&end=2025-12-31", "end", "36 måneder"),
    ],
)
def test_bad_input_is_an_error_next_to_the_field(
    as_user, evaluator, community, activity, query, field, message
):
    response = as_user(evaluator).get(url(community, query))
    assert response.status_code == 200
    errors = response.context["form"].errors[field]
    assert any(message in error for error in errors), errors
    assert response.context["period"] == Period.year(timezone.localdate().year)
    assert message in response.text


class TestAccess:
    def test_anonymous_is_sent_to_login(self, client, community):
        response = client.get(url(community))
        assert response.status_code == 302
        assert response.headers["Location"].startswith(reverse("login"))

    def test_every_logged_in_user_reads_it(self, as_user, community, evaluator, staff):
        stranger = UserFactory(partners=[CommunityPartnerFactory().partner])
        for user in (evaluator, staff, stranger):
            assert as_user(user).get(url(community)).status_code == 200

    def test_unknown_community_is_404(self, as_user, evaluator):
        assert as_user(evaluator).get("/communities/finnes-ikke/evaluation/").status_code == 404


def at(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))


def test_a_measure_shows_its_status_at_the_end_of_the_period_and_counts_only_then(
    as_user, evaluator, community, partner_user
):
    """Entered as planned in February 2025, active from 2026, ended 10 June 2026: on 2025's
    page it is planned (as it was on 31 December 2025), on 2026's it is ended; on 2027's, gone.
    """
    measure = MeasureFactory(community=community, title="Balansebarna", status="planned")
    Measure.objects.filter(pk=measure.pk).update(created_at=at(datetime.date(2025, 2, 1)))
    measure.history.update(history_date=at(datetime.date(2025, 2, 1)))
    measure.refresh_from_db()
    measure = measure_update(
        measure=measure, user=partner_user, version=measure.version, data={"status": "active"}
    )
    measure.history.filter(status="active").update(history_date=at(datetime.date(2026, 1, 5)))
    measure = measure_update(
        measure=measure,
        user=partner_user,
        version=measure.version,
        data={"status": "ended", "ended_on": datetime.date(2026, 6, 10)},
    )
    client = as_user(evaluator)

    def row(year):
        response = client.get(url(community, f"?start={year}-01-01&end={year}-12-31"))
        rows = {m.title: m for m in response.context["measures"]}
        return rows.get("Balansebarna"), response.text

    then, html = row(2025)
    assert then.status_then == "planned"
    assert '<span class="status status-planned">Planlagt</span>' in html
    assert "status-ended" not in html
    assert row(2024)[0] is None  # not entered yet
    then, html = row(2026)
    assert then.status_then == "ended"
    assert '<span class="status status-ended">Avsluttet</span>' in html
    assert row(2027)[0] is None  # ended before 2027


def test_planned_sessions_only_of_measures_that_existed_in_the_period(
    as_user, evaluator, community, measure
):
    """Åpen hall was entered today, without a start date, with Tuesdays "since 2025" and no
    report in 2025: it is not on 2025's page, and neither are its planned sessions."""
    TimeSlotFactory(measure=measure, weekdays=(2,), season_start=datetime.date(2025, 1, 1))
    client = as_user(evaluator)
    response = client.get(url(community, "?year=2025"))
    assert response.context["measures"] == []
    assert response.context["totals"]["planned_total"] == 0
    measure.started_on = datetime.date(2025, 12, 1)
    measure.save()  # a save, not a bulk update: the page kept in the cache is made anew
    response = client.get(url(community, "?year=2025"))
    (row,) = response.context["measures"]
    assert row.planned_total == 5  # the Tuesdays from its start: 2, 9, 16, 23 and 30 December


@pytest.mark.parametrize("size", [2, 30])
def test_every_measure_with_reports_in_the_period_is_listed(as_user, evaluator, community, size):
    for n in range(size):
        measure = MeasureFactory(community=community)
        measure.target_groups.add(target_group())
        for month in (1, 5, 9):
            ReportFactory(measure=measure, period_start=datetime.date(2025, month, n % 28 + 1))
        meeting = MeetingFactory(community=community, date=datetime.date(2025, 3, n % 28 + 1))
        meeting.partners_present.add(measure.lead_partner)
    response = as_user(evaluator).get(url(community, "?year=2025"))
    assert len(response.context["measures"]) == size


def test_community_and_measure_pages_show_participation_charts(
    as_user, evaluator, community, measure
):
    this_month = timezone.localdate().replace(day=1)
    ReportFactory(measure=measure, period_start=this_month, participants=23)
    client = as_user(evaluator)
    page = client.get(community.get_absolute_url()).text
    assert page.count('role="img"') == 2  # per year and per month
    assert url(community) in page
    assert "chart.umd.min.js" in page and "charts.js" in page
    page = client.get(measure.get_absolute_url()).text
    assert page.count('role="img"') == 1
    assert "Deltakere og frivillige per måned" in page
