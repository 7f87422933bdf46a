"""Changes told to the other partners: who is told, what, when (at once, daily, weekly, never)."""

import datetime
import zoneinfo

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from measures.models import Measure
from measures.services import (
    measure_create,
    measure_set_archived,
    measure_update,
    report_create,
    report_update,
)
from measures.signals import quiet
from notifications.models import Email, Frequency, Notification, Preferences
from notifications.rules import digest_cutoff
from notifications.services import changes_compose, emails_send_due
from notifications.tasks import deliver
from partnerships.versioning import check_save
from tests.factories import (
    CommunityPartnerFactory,
    UserFactory,
)

OSLO = zoneinfo.ZoneInfo("Europe/Oslo")


def oslo(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=OSLO)


def prefer(user, frequency=Frequency.IMMEDIATELY, language="nb", reminders=True):
    Preferences.objects.update_or_create(
        user=user,
        defaults={"frequency": frequency, "language": language, "reminders": reminders},
    )
    return user


@pytest.fixture
def school(community):
    return CommunityPartnerFactory(community=community, partner__name="Hallermoen skole").partner


@pytest.fixture
def club(community):
    return CommunityPartnerFactory(community=community, partner__name="Konnerud IL").partner


def shared_measure(community, club, school, title="Åpen hall") -> Measure:
    """A measure led by the club, with the school as a second partner, as the pages make it."""
    with quiet():
        return measure_create(
            community=community,
            user=None,
            data={
                "title": title,
                "summary": "For ungdom.",
                "status": "active",
                "lead_partner": club,
            },
            partners=[club, school],
        )


@pytest.fixture
def shared(community, club, school):
    return shared_measure(community, club, school)


@pytest.fixture
def club_user(shared):
    return prefer(UserFactory(username="klubb", first_name="Kari", partners=[shared.lead_partner]))


@pytest.fixture
def school_user(shared, school):
    return UserFactory(username="rektor", first_name="Rektor", partners=[school])


def edit(measure, user, **data):
    return measure_update(measure=measure, user=user, version=measure.version, data=data)


def sent_to(user) -> list:
    return [message for message in mail.outbox if message.to == [user.email]]


class TestWhoIsTold:
    def test_the_other_partners_users_are_told_never_the_one_who_changed(
        self, shared, club_user, school_user
    ):
        colleague = UserFactory(partners=[shared.lead_partner])
        edit(shared, club_user, status=Measure.Status.PAUSED)
        told = set(Notification.objects.values_list("recipient__username", flat=True))
        assert told == {"rektor"}  # not klubb, nor klubb's colleague at the club
        assert colleague.notifications.count() == 0

    def test_a_user_who_chose_never_is_not_told(self, shared, club_user, school_user):
        prefer(school_user, Frequency.NEVER)
        edit(shared, club_user, venue="Konnerudhallen")
        assert Notification.objects.count() == 0

    def test_deactivated_users_and_users_of_other_measures_are_not_told(
        self, shared, club_user, school_user, community
    ):
        school_user.is_active = False
        school_user.save()
        elsewhere = UserFactory(partners=[CommunityPartnerFactory(community=community).partner])
        edit(shared, club_user, venue="Konnerudhallen")
        assert not Notification.objects.filter(recipient__in=[school_user, elsewhere]).exists()

    def test_reports_photos_and_archiving_are_told(self, shared, club_user, school_user):
        report = report_create(
            measure=shared,
            user=school_user,
            data={"period_start": datetime.date(2026, 3, 6), "participants": 23},
        )
        report_update(report=report, user=school_user, version=1, data={"participants": 24})
        measure_set_archived(measure=shared, user=school_user, archived=True)
        assert club_user.notifications.count() == 3

    def test_an_admin_trial_run_tells_no_one(self, shared, club_user, school_user):
        check_save(lambda: edit(shared, club_user, venue="Prøve"))
        assert Notification.objects.count() == 0

    def test_demo_data_and_bulk_loads_tell_no_one(self, shared, club_user, school_user):
        with quiet():
            edit(shared, club_user, venue="Stille")
        assert Notification.objects.count() == 0


class TestAtOnce:
    def test_the_email_says_what_changed_in_the_history_pages_words(
        self, shared, club_user, school_user, settings
    ):
        settings.PORTAL_URL = "https://portal.example.no"
        edit(shared, school_user, status=Measure.Status.PAUSED, schedule="Fredager 18–22")
        assert mail.outbox == []  # the page did not wait for the mail server
        deliver.call()
        (message,) = sent_to(club_user)
        assert message.subject == "Endringer i «Åpen hall» – Aktive Lokalsamfunn"
        text = message.body
        assert "Hei Kari," in text
        assert "Rektor endret tiltaket Åpen hall" in text
        assert "Status: Aktiv → På pause" in text
        assert "Tidspunkt: – → Fredager 18–22" in text
        assert f"https://portal.example.no/measures/{shared.pk}/" in text
        assert "https://portal.example.no/accounts/profile/#email-settings" in text
        html, mimetype = message.alternatives[0]
        assert mimetype == "text/html"
        assert "Aktive Lokalsamfunn" in html and "<del>Aktiv</del> → På pause" in html

    def test_in_english_for_a_user_who_chose_it(self, shared, club_user, school_user):
        prefer(club_user, Frequency.IMMEDIATELY, language="en")
        edit(shared, school_user, status=Measure.Status.PAUSED)
        deliver.call()
        (message,) = sent_to(club_user)
        assert message.subject == "Changes to “Åpen hall” – Aktive Lokalsamfunn"
        assert "Status: Active → Paused" in message.body

    def test_a_report_is_told_with_its_participants(self, shared, club_user, school_user):
        report_create(
            measure=shared,
            user=school_user,
            data={"period_start": datetime.date(2026, 3, 6), "participants": 23},
        )
        deliver.call()
        (message,) = sent_to(club_user)
        assert "la inn en rapport med 23 deltakere for Åpen hall (06.03.2026)" in message.body

    def test_nothing_is_told_twice(self, shared, club_user, school_user):
        edit(shared, school_user, venue="Hallen")
        deliver.call()
        deliver.call()
        assert changes_compose() == 0
        assert len(sent_to(club_user)) == 1
        assert Notification.objects.get().email.status == Email.Status.SENT


class TestDigests:
    def test_the_digest_hour_and_monday(self, settings):
        settings.NOTIFICATIONS_DIGEST_HOUR = 7
        wednesday_noon = oslo(2026, 3, 11, 12, 0)
        assert digest_cutoff(Frequency.DAILY, wednesday_noon) == oslo(2026, 3, 11, 7, 0)
        assert digest_cutoff(Frequency.DAILY, oslo(2026, 3, 11, 6, 59)) == oslo(2026, 3, 10, 7)
        assert digest_cutoff(Frequency.WEEKLY, wednesday_noon) == oslo(2026, 3, 9, 7, 0)
        assert digest_cutoff(Frequency.WEEKLY, oslo(2026, 3, 9, 6, 0)) == oslo(2026, 3, 2, 7)
        assert digest_cutoff(Frequency.NEVER, wednesday_noon) is None
        # Summer time starts on 29 March 2026: still seven o'clock on the wall.
        assert digest_cutoff(Frequency.DAILY, oslo(2026, 3, 30, 8)) == oslo(2026, 3, 30, 7)

    def test_weekly_by_default_grouped_by_measure(
        self, shared, school_user, community, club, school
    ):
        reader = UserFactory(username="leder", first_name="Leder", partners=[club])
        other = shared_measure(community, club, school, title="Balansebarna")
        edit(shared, school_user, venue="Hallen")
        edit(shared, school_user, schedule="Lørdager")
        edit(other, school_user, venue="Skolen")
        created = timezone.localtime(Notification.objects.earliest("created_at").created_at)
        # The first Monday 07:00 after the changes, whatever day and hour the test runs.
        digest_time = created.replace(hour=7, minute=0, second=0, microsecond=0)
        digest_time -= datetime.timedelta(days=digest_time.weekday())
        while digest_time <= created:
            digest_time += datetime.timedelta(days=7)
        assert changes_compose(now=digest_time - datetime.timedelta(minutes=1)) == 0  # not yet
        assert changes_compose(now=digest_time + datetime.timedelta(hours=1)) == 1
        emails_send_due()
        (message,) = sent_to(reader)
        assert message.subject.startswith("Ukens oversikt: endringer i 2 tiltak")
        body = message.body
        assert body.index("== Balansebarna") < body.index("== Åpen hall")
        assert body.count("Rektor endret tiltaket Åpen hall") == 2
        assert changes_compose(now=digest_time + datetime.timedelta(hours=1)) == 0

    def test_a_daily_digest_waits_for_the_morning(self, shared, club_user, school_user):
        prefer(club_user, Frequency.DAILY)
        edit(shared, school_user, venue="Hallen")
        created = timezone.localtime(Notification.objects.get().created_at)
        tomorrow_morning = (created + datetime.timedelta(days=1)).replace(hour=7, minute=30)
        assert changes_compose(now=created) == 0
        assert changes_compose(now=tomorrow_morning) == 1
        emails_send_due()
        assert sent_to(club_user)[0].subject.startswith("Dagens oversikt: endringer i «Åpen hall»")


def test_one_admin_action_on_100_measures_is_one_email_per_user(
    as_user, staff, community, club, school
):
    measures = [shared_measure(community, club, school, title=f"Tiltak {n}") for n in range(100)]
    at_once = prefer(UserFactory(username="klubbleder", partners=[club]))
    weekly = [UserFactory(partners=[school]), UserFactory(partners=[club])]
    response = as_user(staff).post(
        reverse("admin:measures_measure_changelist"),
        {
            "action": "set_status_paused",
            "_selected_action": [m.pk for m in measures],
        },
    )
    assert response.status_code == 302
    assert Measure.objects.filter(status=Measure.Status.PAUSED).count() == 100
    assert Notification.objects.count() == 300  # each change, for each of the three users
    deliver.call()
    assert len(sent_to(at_once)) == 1
    assert sent_to(at_once)[0].body.count("Status: Aktiv → På pause") == 100
    next_week = timezone.now() + datetime.timedelta(days=7)
    assert changes_compose(now=next_week) == 2
    emails_send_due(now=next_week)
    for user in weekly:
        assert len(sent_to(user)) == 1
    assert len(mail.outbox) == 3
