"""Staff invite a new partner user from admin; the e-mail reaches a real SMTP server through the
database task worker; the person chooses a password and logs in. Plus the profile page."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, PHONE, assert_accessible, log_in, shot
from tests.smtp import SMTPServer

pytestmark = pytest.mark.django_db(transaction=True)


def test_staff_invite_a_partner_user_who_logs_in_for_the_first_time(
    demo, open_page, live_server, settings
):
    settings.PORTAL_URL = live_server.url
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with SMTPServer(settings) as smtp:
        staff = open_page(DESKTOP)
        log_in(staff, "idrettsrad")
        staff.goto("/admin/partnerships/user/add/")
        staff.get_by_label("Brukernavn").fill("nina")
        staff.get_by_label("Fornavn").fill("Nina")
        staff.get_by_label("Etternavn").fill("Lærer")
        staff.get_by_label("E-postadresse").fill("nina@example.org")
        staff.locator(".select2-selection").first.click()
        staff.locator(".select2-search__field").fill("Hallermoen")
        staff.get_by_role("option", name="Hallermoen skole").click()
        shot(staff, "invitation-admin-add")
        staff.get_by_role("button", name="Lagre", exact=True).click()
        expect(staff.locator(".messagelist")).to_contain_text("En invitasjon er sendt til")

        call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
        (message,) = smtp.messages
        assert message["To"] == "nina@example.org"
        text = message.get_body(("plain",)).get_content()
        link = re.search(r"http://\S+/accounts/invitation/\S+/", text).group(0)
        html = message.get_body(("html",)).get_content()

    mail_view = open_page(DESKTOP)
    mail_view.set_content(html)
    shot(mail_view, "invitation-email")

    nina = open_page(PHONE)
    nina.goto(link)
    expect(nina.get_by_role("heading", level=1)).to_have_text("Velkommen: velg passordet ditt")
    assert "/choose-password/" in nina.url  # the token is out of the address bar
    assert_accessible(nina)
    shot(nina, "invitation-choose-password-phone")
    nina.locator("#id_new_password1").fill("Skolegården-2026")
    nina.locator("#id_new_password2").fill("Skolegården-2026")
    nina.get_by_role("button", name="Lagre passordet og logg inn").click()
    nina.wait_for_url(live_server.url + "/")
    expect(nina.get_by_role("heading", level=1)).to_have_text("Velkommen, Nina")
    expect(nina.get_by_role("status").first).to_contain_text("Passordet ditt er lagret")

    # The link was for one use; the password is hers from now on.
    again = open_page(DESKTOP)
    again.goto(link)
    expect(again.locator("main")).to_contain_text("allerede brukt")
    again.goto("/accounts/login/")
    again.get_by_label("Brukernavn").fill("nina")
    again.get_by_label("Passord").fill("Skolegården-2026")
    again.get_by_role("button", name="Logg inn").click()
    again.wait_for_url(live_server.url + "/")
    expect(again.get_by_role("heading", level=1)).to_have_text("Velkommen, Nina")


def test_the_profile_page_from_the_user_menu(demo, open_page):
    for viewport, name in ((DESKTOP, "desktop"), (PHONE, "phone")):
        page = open_page(viewport)
        log_in(page, "hallermoen")
        if viewport is PHONE:
            page.get_by_role("button", name="Vis meny").click()
        page.get_by_role("button", name=re.compile("Rektor")).click()
        shot(page, f"user-menu-{name}")
        page.get_by_role("link", name="Profil og e-post").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Profil og e-post")
        assert_accessible(page)
        shot(page, f"profile-{name}")
    page.get_by_label("Daglig oversikt", exact=False).check()
    page.get_by_role("button", name="Lagre").click()
    expect(page.get_by_role("status").first).to_contain_text("Profilen din er lagret")
    expect(page.get_by_label("En daglig oversikt")).to_be_checked()


def test_the_language_choice_in_the_user_menu(demo, open_page):
    page = open_page(DESKTOP)
    log_in(page, "vestbygda")
    page.get_by_role("button", name=re.compile("Rektor")).click()
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=2, name="My measures")).to_be_visible()
    assert_accessible(page)
    shot(page, "dashboard-attention-english")
