import datetime

import pytest
from django.core import mail
from django.urls import reverse

from measures.services import measure_update, report_create, report_update
from notifications.tasks import deliver
from tests.factories import MeasureFactory, ReportFactory, UserFactory

pytestmark = pytest.mark.django_db


class TestDashboard:
    def test_shows_my_measures_with_their_last_report(self, as_user, partner_user, measure):
        other = MeasureFactory(title="Ikke min")
        ReportFactory(measure=measure, period_start=datetime.date(2026, 3, 6))
        ReportFactory(measure=measure, period_start=datetime.date(2026, 4, 3))
        response = as_user(partner_user).get("/")
        assert list(response.context["my_measures"]) == [measure]
        assert "03.04.2026" in response.text
        assert other.title not in response.text
        assert list(response.context["my_communities"]) == [measure.community]

    def test_shows_what_other_partners_changed_per_measure_and_day_with_what_changed(
        self, as_user, partner_user, other_partner_user, measure
    ):
        measure = measure_update(
            measure=measure,
            user=other_partner_user,
            version=measure.version,
            data={"schedule": "Lørdager"},
        )
        measure_update(
            measure=measure,
            user=other_partner_user,
            version=measure.version,
            data={"status": "paused"},
        )
        for participants in (23, 17):
            report = report_create(
                measure=measure,
                user=other_partner_user,
                data={"period_start": datetime.date(2026, 3, 6), "participants": participants},
            )
        report_update(report=report, user=other_partner_user, version=1, data={"participants": 24})
        elsewhere = MeasureFactory(title="Et annet sted")
        measure_update(
            measure=elsewhere, user=other_partner_user, version=1, data={"venue": "Hallen"}
        )
        response = as_user(partner_user).get("/")
        # One line for Åpen hall today, not five near-identical ones.
        (entry,) = response.context["recent_changes"]
        assert entry.title == "Åpen hall"
        assert entry.field_labels == ["Status", "Tidspunkt"]
        text = " ".join(response.text.split())
        assert "Skolen" in text  # who did it, by partner
        assert "Endret: Status, Tidspunkt" in text
        assert f"/measures/{measure.pk}/history/#change-" in text
        assert "La inn 2 rapporter, 40 deltakere i alt" in text
        # The correction says what it changed, without leaving the page.
        assert "Rettet rapporten fra 06.03.2026" in text
        assert "<summary>hva som ble endret</summary>" in text
        assert (
            'Deltakere: <del class="history-before">17</del> → <ins class="history-after">24</ins>'
        ) in text

    def test_shows_more_and_filters_by_partner(
        self, as_user, partner_user, other_partner_user, measure
    ):
        club_user = UserFactory(partners=[measure.lead_partner])
        for number in range(12):
            other = MeasureFactory(community=measure.community, title=f"Tiltak {number:02d}")
            measure_update(measure=other, user=other_partner_user, version=1, data={"venue": "X"})
        measure_update(
            measure=measure, user=club_user, version=measure.version, data={"venue": "Hallen"}
        )
        client = as_user(partner_user)
        response = client.get("/")
        assert len(response.context["recent_changes"]) == 10
        assert 'href="?changes=2#recent-changes"' in response.text
        assert "Vis flere" in response.text
        response = client.get("/", {"changes": "2"})
        assert len(response.context["recent_changes"]) == 13
        assert "Vis flere" not in response.text
        response = client.get("/", {"changes_by": "skolen"})
        entries = response.context["recent_changes"]
        assert len(entries) == 10 and "Åpen hall" not in [e.title for e in entries]
        assert '<option value="skolen" selected>Skolen</option>' in response.text
        assert 'href="?changes_by=skolen&amp;changes=2#recent-changes"' in response.text
        response = client.get("/", {"changes_by": measure.lead_partner.slug})
        assert [e.title for e in response.context["recent_changes"]] == ["Åpen hall"]
        # Odd values are ignored, never an error.
        response = client.get("/", {"changes": "-3", "changes_by": "finnes-ikke"})
        assert len(response.context["recent_changes"]) == 10

    def test_a_big_club_sees_twelve_and_a_link_to_all(self, as_user, partner_user, measure):
        for number in range(14):
            MeasureFactory(
                community=measure.community,
                lead_partner=measure.lead_partner,
                title=f"Tiltak {number:02d}",
            )
        response = as_user(partner_user).get("/")
        assert len(response.context["my_measures"]) == 12
        assert response.context["my_measure_count"] == 15
        assert f"?partner={measure.lead_partner.slug}" in response.text
        assert "Se alle dine 15 tiltak" in response.text

    def test_my_own_changes_are_not_news_to_me(self, as_user, partner_user, measure):
        report_create(
            measure=measure,
            user=partner_user,
            data={"period_start": datetime.date(2026, 3, 6), "participants": 23},
        )
        response = as_user(partner_user).get("/")
        assert response.context["recent_changes"] == []

    def test_evaluator_without_partner_follows_every_community(self, as_user, evaluator, measure):
        response = as_user(evaluator).get("/")
        assert list(response.context["my_communities"]) == [measure.community]
        assert list(response.context["my_measures"]) == []

    @pytest.mark.parametrize("size", [1, 30])
    def test_recent_changes_show_the_ten_latest(
        self, as_user, partner_user, measure, other_partner_user, size
    ):
        for _ in range(size):
            mine = MeasureFactory(community=measure.community, lead_partner=measure.lead_partner)
            measure_update(measure=mine, user=other_partner_user, version=1, data={"venue": "X"})
            report_create(
                measure=mine,
                user=other_partner_user,
                data={"period_start": datetime.date(2026, 3, 6), "participants": 5},
            )
        response = as_user(partner_user).get("/")
        assert len(response.context["recent_changes"]) == min(size, 10)


class TestLanguage:
    def test_norwegian_whatever_the_browser_says(self, client):
        response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
        assert '<html lang="nb">' in response.text
        assert "Logg inn" in response.text

    def test_english_only_when_the_user_picks_it(self, client):
        client.post(reverse("set_language"), {"language": "en", "next": "/accounts/login/"})
        response = client.get(reverse("login"))
        assert '<html lang="en">' in response.text
        assert "Log in" in response.text


class TestAuthPages:
    def test_login_page_is_norwegian_and_open(self, client):
        response = client.get(reverse("login"))
        assert response.status_code == 200
        assert "Brukernavn" in response.text and "Passord" in response.text

    def test_login_and_logout(self, client, partner_user):
        response = client.post(
            reverse("login"), {"username": partner_user.username, "password": "lokalsamfunn"}
        )
        assert response.headers["Location"] == "/"
        assert client.get("/").status_code == 200
        client.post(reverse("logout"))
        assert client.get("/").status_code == 302

    def test_wrong_password_gives_a_norwegian_message(self, client, partner_user):
        response = client.post(
            reverse("login"), {"username": partner_user.username, "password": "feil"}
        )
        assert response.status_code == 200
        assert "brukernavn og passord" in response.text

    def test_password_reset_sends_a_mail(self, client):
        UserFactory(email="rektor@example.invalid")
        response = client.post(reverse("password_reset"), {"email": "rektor@example.invalid"})
        assert response.headers["Location"] == reverse("password_reset_done")
        assert mail.outbox == []  # written to the outbox; the worker sends it
        deliver.call()
        assert len(mail.outbox) == 1
        assert client.get(reverse("password_reset_done")).status_code == 200

    def test_password_change_needs_login_and_works(self, as_user, partner_user):
        client = as_user(partner_user)
        response = client.post(
            reverse("password_change"),
            {
                "old_password": "lokalsamfunn",
                "new_password1": "Et-nytt-langt-passord-2026",
                "new_password2": "Et-nytt-langt-passord-2026",
            },
        )
        assert response.headers["Location"] == reverse("password_change_done")
        partner_user.refresh_from_db()
        assert partner_user.check_password("Et-nytt-langt-passord-2026")

    def test_staff_sees_the_admin_link_others_do_not(self, as_user, staff, partner_user):
        assert reverse("admin:index") in as_user(staff).get("/").text
        assert reverse("admin:index") not in as_user(partner_user).get("/").text
