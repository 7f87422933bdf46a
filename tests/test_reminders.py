"""Missing reports and stale measures: computed in the domain, shown on the pages, reminded."""

import datetime
import zoneinfo

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from measures.models import Measure
from measures.periods import Period, last_completed_period
from notifications.models import Email, Preferences, Reminder
from notifications.services import emails_send_due, reminders_send
from partnerships.models import Community
from tests.factories import CommunityPartnerFactory, MeasureFactory, ReportFactory, UserFactory

OSLO = zoneinfo.ZoneInfo("Europe/Oslo")
MARCH = datetime.date(2026, 3, 15)  # the last completed month is February 2026


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, tzinfo=OSLO)


@pytest.fixture
def school(community):
    return CommunityPartnerFactory(community=community, partner__name="Hallermoen skole").partner


@pytest.fixture
def hall(measure, school):
    """Åpen hall, active since 2024, run by the club with the school."""
    Measure.objects.filter(pk=measure.pk).update(started_on=datetime.date(2024, 1, 1))
    measure.partner_links.create(partner=school)
    measure.refresh_from_db()
    return measure


def due(today=MARCH, **filters):
    return {m.title: m for m in Measure.objects.with_attention(today).filter(**filters)}


class TestPeriods:
    @pytest.mark.parametrize(
        ("frequency", "today", "expected"),
        [
            ("monthly", "2026-03-15", ("2026-02-01", "2026-02-28")),
            ("monthly", "2026-01-01", ("2025-12-01", "2025-12-31")),
            ("quarterly", "2026-05-10", ("2026-01-01", "2026-03-31")),
            ("quarterly", "2026-01-31", ("2025-10-01", "2025-12-31")),
            ("yearly", "2026-03-15", ("2025-01-01", "2025-12-31")),
        ],
    )
    def test_the_last_completed_period(self, frequency, today, expected):
        day = datetime.date.fromisoformat
        period = last_completed_period(frequency, day(today))
        assert period == Period(day(expected[0]), day(expected[1]))


class TestMissingAndStale:
    def test_an_active_measure_without_a_report_for_last_month_is_missing_one(self, hall):
        measure = due()["Åpen hall"]
        assert (measure.report_due_start, measure.report_due_end) == (
            datetime.date(2026, 2, 1),
            datetime.date(2026, 2, 28),
        )

    def test_a_report_starting_in_the_period_is_enough(self, hall):
        ReportFactory(measure=hall, period_start=datetime.date(2026, 2, 27))
        assert due()["Åpen hall"].report_due_start is None
        ReportFactory(measure=hall, period_start=datetime.date(2026, 3, 1))
        assert due(datetime.date(2026, 4, 2))["Åpen hall"].report_due_start is None

    @pytest.mark.parametrize(
        "change",
        [
            {"status": Measure.Status.PAUSED},
            {"status": Measure.Status.PLANNED},
            {"is_archived": True},
            {"started_on": datetime.date(2026, 3, 1)},  # had not started yet
        ],
    )
    def test_only_active_measures_that_had_started_miss_reports(self, hall, change):
        Measure.objects.filter(pk=hall.pk).update(**change)
        assert due()["Åpen hall"].report_due_start is None

    def test_the_communitys_frequency_decides_the_period(self, hall, community):
        Community.objects.filter(pk=community.pk).update(reporting_frequency="quarterly")
        ReportFactory(measure=hall, period_start=datetime.date(2026, 1, 10))
        assert due(datetime.date(2026, 4, 20))["Åpen hall"].report_due_start is None
        assert due(datetime.date(2026, 7, 1))["Åpen hall"].report_due_start == datetime.date(
            2026, 4, 1
        )

    def test_stale_after_six_months_without_a_change_or_report(self, hall):
        long_ago = at(MARCH) - datetime.timedelta(days=200)
        Measure.objects.filter(pk=hall.pk).update(updated_at=long_ago)
        assert due()["Åpen hall"].is_stale
        ReportFactory(measure=hall, period_start=datetime.date(2026, 1, 5))
        assert not due()["Åpen hall"].is_stale
        Measure.objects.filter(pk=hall.pk).update(status=Measure.Status.ENDED)
        assert not due(datetime.date(2027, 3, 1))["Åpen hall"].is_stale

    def test_a_recently_changed_measure_is_not_stale(self, hall):
        assert not due()["Åpen hall"].is_stale


class TestPages:
    def test_the_dashboard_shows_my_measures_that_need_attention_first(
        self, hall, as_user, partner_user
    ):
        today = datetime.date.today()
        last = last_completed_period("monthly", today)
        response = as_user(partner_user).get("/")
        text = response.text
        assert "Trenger din oppmerksomhet" in text
        assert text.index("Trenger din oppmerksomhet") < text.index("Mine tiltak")
        link = (
            reverse("measures:report_create", kwargs={"pk": hall.pk}) + f"?month={last.end:%Y-%m}"
        )
        assert link in text

    def test_nothing_to_attend_to_shows_no_section(self, hall, as_user, partner_user):
        today = datetime.date.today()
        ReportFactory(measure=hall, period_start=last_completed_period("monthly", today).start)
        assert "Trenger din oppmerksomhet" not in as_user(partner_user).get("/").text

    def test_the_community_and_evaluation_pages_list_measures_missing_reports(
        self, hall, as_user, evaluator, community
    ):
        other = MeasureFactory(community=community, title="Balansebarna")
        ReportFactory(
            measure=other,
            period_start=last_completed_period("monthly", datetime.date.today()).start,
        )
        for url in (
            f"/communities/{community.slug}/",
            f"/communities/{community.slug}/evaluation/",
        ):
            text = as_user(evaluator).get(url).text
            section = text[text.index('id="missing-reports-heading"') :]
            section = section[: section.index("</section>")]
            assert "1 aktivt tiltak mangler rapport for forrige periode" in section
            assert "Åpen hall" in section and "Balansebarna" not in section

    def test_the_reminders_link_fills_in_the_month(self, hall, as_user, partner_user):
        url = reverse("measures:report_create", kwargs={"pk": hall.pk})
        form = as_user(partner_user).get(url + "?month=2026-02").context["form"]
        assert form.initial["period_start"] == datetime.date(2026, 2, 1)
        assert form.initial["period_end"] == datetime.date(2026, 2, 28)
        form = as_user(partner_user).get(url + "?month=februar").context["form"]
        # Nonsense is ignored: the form starts on the last completed month, as without it.
        last = last_completed_period("monthly", timezone.localdate())
        assert form.initial["period_start"] == last.start


class TestReminders:
    @pytest.fixture
    def people(self, hall, school):
        club_user = UserFactory(username="klubb", first_name="Kari", partners=[hall.lead_partner])
        rektor = UserFactory(username="rektor", partners=[school])
        quiet = UserFactory(username="stille", partners=[school])
        Preferences.objects.create(user=quiet, reminders=False)
        return club_user, rektor

    def test_a_few_days_after_the_period_and_once_more_a_week_later_then_never(self, people, hall):
        club_user, _rektor = people
        assert reminders_send(now=at(datetime.date(2026, 3, 3))) == 0  # too early
        assert reminders_send(now=at(datetime.date(2026, 3, 4))) == 2
        assert reminders_send(now=at(datetime.date(2026, 3, 5))) == 0  # not twice
        assert reminders_send(now=at(datetime.date(2026, 3, 10))) == 0  # not a week yet
        assert reminders_send(now=at(datetime.date(2026, 3, 11))) == 2
        assert reminders_send(now=at(datetime.date(2026, 3, 25))) == 0  # then it stops
        rounds = Reminder.objects.filter(measure=hall).order_by("round")
        assert [r.round for r in rounds] == [1, 2]
        assert {u.username for u in rounds[0].recipients.all()} == {"klubb", "rektor"}
        emails_send_due()
        assert len(mail.outbox) == 4
        message = next(m for m in mail.outbox if m.to == [club_user.email])
        assert message.subject == "Mangler rapport: «Åpen hall» – Aktive Lokalsamfunn"
        link = reverse("measures:report_create", kwargs={"pk": hall.pk}) + "?month=2026-02"
        assert link in message.body
        assert link in message.alternatives[0][0]
        assert "ingen rapport for 01.02.2026–28.02.2026" in message.body

    def test_a_report_stops_the_reminders(self, people, hall):
        reminders_send(now=at(datetime.date(2026, 3, 4)))
        ReportFactory(measure=hall, period_start=datetime.date(2026, 2, 1))
        assert reminders_send(now=at(datetime.date(2026, 3, 12))) == 0
        assert Reminder.objects.count() == 1

    def test_one_email_per_user_for_all_their_measures(self, people, hall, community, school):
        second = MeasureFactory(
            community=community, title="Balansebarna", lead_partner=hall.lead_partner
        )
        Measure.objects.filter(pk=second.pk).update(started_on=datetime.date(2024, 1, 1))
        assert reminders_send(now=at(datetime.date(2026, 3, 4))) == 2  # klubb and rektor
        club_email = Email.objects.get(to=people[0].email)
        assert club_email.subject == "2 tiltak mangler rapport – Aktive Lokalsamfunn"
        assert "Balansebarna" in club_email.text and "Åpen hall" in club_email.text

    def test_staff_see_who_was_reminded(self, people, hall, as_user, staff):
        reminders_send(now=at(datetime.date(2026, 3, 4)))
        text = as_user(staff).get(reverse("admin:notifications_reminder_changelist")).text
        assert "Åpen hall" in text and "Kari" in text

    def test_the_timers_command_sends_what_is_due(self, people, hall):
        from django.core.management import call_command

        call_command("send_notifications")  # today: February's report is long overdue
        assert Reminder.objects.filter(measure=hall, round=1).exists()
        assert len(mail.outbox) == 2
        call_command("send_notifications")
        assert len(mail.outbox) == 2
