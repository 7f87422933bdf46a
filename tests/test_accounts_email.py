"""Invitations, the profile page, the language choice and the password reset's e-mail."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from notifications.models import Email, Frequency, Invitation, Preferences
from notifications.services import emails_send_due, invitation_send
from notifications.tokens import invitation_tokens
from partnerships.models import User
from tests.factories import PartnerFactory, UserFactory

pytestmark = pytest.mark.django_db


def link_in(message) -> str:
    return re.search(r"https?://\S+/(?:invitation|reset)/\S+/", message.body).group(0)


def path_of(url: str) -> str:
    return "/" + url.split("/", 3)[3]


class TestInvitation:
    def invite(self, client, partner, **changes):
        data = {
            "username": "nina",
            "first_name": "Nina",
            "last_name": "Lærer",
            "email": "nina@example.org",
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "0",
            "memberships-MIN_NUM_FORMS": "0",
            "memberships-MAX_NUM_FORMS": "1000",
            "memberships-0-partner": partner.pk,
            "memberships-0-title": "Lærer",
            **changes,
        }
        return client.post(reverse("admin:partnerships_user_add"), data)

    def test_staff_invite_a_partner_user_who_chooses_a_password_and_is_logged_in(
        self, as_user, staff, client
    ):
        school = PartnerFactory(name="Hallermoen skole")
        response = self.invite(as_user(staff), school)
        assert response.status_code == 302
        nina = User.objects.get(username="nina")
        assert not nina.has_usable_password()
        assert list(nina.partners.all()) == [school]
        invitation = Invitation.objects.get(user=nina)
        assert invitation.invited_by == staff and invitation.accepted_at is None
        emails_send_due()
        (message,) = mail.outbox
        assert message.to == ["nina@example.org"]
        assert message.subject == "Kontoen din i Aktive Lokalsamfunn"
        assert "Brukernavnet ditt er nina" in message.body
        assert "Lenken virker én gang, i 7 dager." in message.body
        link = path_of(link_in(message))
        assert Email.objects.get().text == ""  # the link is not kept once sent

        client.logout()
        form_page = client.get(link, follow=True)
        assert "Velkommen: velg passordet ditt" in form_page.text
        response = client.post(
            form_page.redirect_chain[-1][0],
            {"new_password1": "Skolegården-2026", "new_password2": "Skolegården-2026"},
        )
        assert response.headers["Location"] == reverse("dashboard")
        dashboard = client.get("/")
        assert dashboard.status_code == 200 and "Velkommen, Nina" in dashboard.text
        nina.refresh_from_db()
        assert nina.check_password("Skolegården-2026")
        assert Invitation.objects.get().accepted_at is not None
        client.logout()
        again = client.get(link, follow=True)
        assert "ugyldig, utløpt eller allerede brukt" in again.text  # used once

    def test_an_address_another_account_has_is_refused(self, as_user, staff):
        UserFactory(email="nina@example.org")
        response = self.invite(as_user(staff), PartnerFactory())
        assert response.status_code == 200
        assert "En annen konto har denne e-postadressen" in response.text
        assert not User.objects.filter(username="nina").exists()
        assert not Email.objects.exists()

    def test_the_link_expires_after_the_days_it_is_valid(self, settings):
        settings.INVITATION_VALID_DAYS = 7
        user = UserFactory(password=None)
        now = invitation_tokens._num_seconds(invitation_tokens._now())
        day = 24 * 60 * 60

        def token(age_days):
            return invitation_tokens._make_token_with_timestamp(
                user, now - age_days * day, invitation_tokens.secret
            )

        assert invitation_tokens.check_token(user, token(6))
        assert not invitation_tokens.check_token(user, token(8))
        assert not invitation_tokens.check_token(user, "nonsense")

    def test_the_invitation_is_in_english_for_a_user_who_chose_it(self, staff):
        user = UserFactory(email="en@example.org")
        Preferences.objects.create(user=user, language="en")
        invitation_send(user=user, invited_by=staff)
        assert Email.objects.get().subject == "Your account in Aktive Lokalsamfunn"


class TestProfile:
    def test_anonymous_users_are_sent_to_log_in(self, client):
        response = client.get(reverse("notifications:profile"))
        assert response.status_code == 302 and "/accounts/login/" in response.headers["Location"]

    def test_the_user_menu_links_to_it(self, as_user, partner_user):
        assert reverse("notifications:profile") in as_user(partner_user).get("/").text

    def test_saves_name_email_language_and_email_settings(self, as_user, partner_user):
        client = as_user(partner_user)
        form = client.get(reverse("notifications:profile")).context["form"]
        assert form.initial["email"] == "klubb@example.invalid"  # filled in from the account
        assert form.initial["frequency"] == Frequency.WEEKLY  # the default
        response = client.post(
            reverse("notifications:profile"),
            {
                "first_name": "Kari",
                "last_name": "Nordmann",
                "email": "kari@example.org",
                "language": "en",
                "frequency": Frequency.DAILY,
                "reminders": "",
            },
        )
        assert response.status_code == 302
        assert response.cookies["django_language"].value == "en"
        partner_user.refresh_from_db()
        assert (partner_user.first_name, partner_user.email) == ("Kari", "kari@example.org")
        preferences = Preferences.objects.get(user=partner_user)
        assert (preferences.language, preferences.frequency, preferences.reminders) == (
            "en",
            Frequency.DAILY,
            False,
        )
        page = client.get(reverse("notifications:profile"))
        assert "Profile and e-mail" in page.text

    def test_a_bad_address_is_refused_next_to_the_field_and_nothing_saved(
        self, as_user, partner_user
    ):
        response = as_user(partner_user).post(
            reverse("notifications:profile"),
            {"email": "ikke-en-adresse", "language": "nb", "frequency": Frequency.WEEKLY},
        )
        assert response.status_code == 200
        assert "gyldig e-postadresse" in response.text
        assert not Preferences.objects.exists()
        partner_user.refresh_from_db()
        assert partner_user.email == "klubb@example.invalid"

    def test_the_language_chosen_in_the_menu_is_kept_for_emails(self, as_user, partner_user):
        response = as_user(partner_user).post(
            reverse("set_language"), {"language": "en", "next": "/"}
        )
        assert response.status_code == 302
        assert Preferences.objects.get(user=partner_user).language == "en"

    def test_anonymous_visitors_switch_language_without_a_profile(self, client):
        response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
        assert response.cookies["django_language"].value == "en"
        assert not Preferences.objects.exists()


class TestPasswordReset:
    def test_the_email_is_norwegian_with_html_and_no_host_name_signature(self, client):
        user = UserFactory(username="rektor", first_name="Rektor", email="rektor@example.org")
        client.post(reverse("password_reset"), {"email": "rektor@example.org"})
        emails_send_due()
        (message,) = mail.outbox
        assert message.subject == "Nytt passord i Aktive Lokalsamfunn"
        assert message.body.startswith("Hei Rektor,")
        assert "Brukernavnet ditt er rektor" in message.body
        assert "testserver-teamet" not in message.body and "The testserver team" not in message.body
        assert "Du får denne e-posten fra Aktive Lokalsamfunn." in message.body
        assert message.alternatives[0][1] == "text/html"

        page = client.get(path_of(link_in(message)), follow=True)
        assert "Velg nytt passord" in page.text
        response = client.post(
            page.redirect_chain[-1][0],
            {"new_password1": "Nytt-passord-2026", "new_password2": "Nytt-passord-2026"},
            follow=True,
        )
        assert "Det nye passordet er lagret" in response.text
        user.refresh_from_db()
        assert user.check_password("Nytt-passord-2026")

    @pytest.mark.parametrize(
        ("url", "title"),
        [
            ("password_reset", "Lag nytt passord"),
            ("password_reset_done", "Sjekk e-posten din"),
        ],
    )
    def test_one_word_for_it_on_every_page(self, client, url, title):
        text = client.get(reverse(url)).text
        main = text[text.index("<main") : text.index("</main>")]
        assert f"<h1>{title}</h1>" in main
        assert "nullstill" not in main.lower() and "tilbakestill" not in main.lower()
