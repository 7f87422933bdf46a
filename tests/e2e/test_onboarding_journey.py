"""Staff onboard a new community on a phone: one admin page for the community, its partners
(new and existing) and their first users, who are invited by e-mail."""

import pytest
from playwright.sync_api import expect

from notifications.models import Email, Invitation
from partnerships.models import Community, User
from tests.e2e.conftest import PHONE, assert_accessible, log_in, shot

pytestmark = pytest.mark.django_db(transaction=True)


def row(page, number: int):
    return page.locator("fieldset.partner-row").nth(number - 1)


def test_staff_onboard_a_community_with_its_partners_and_first_users(demo, open_page):
    staff = open_page(PHONE)
    log_in(staff, "idrettsrad")
    staff.goto("/admin/")
    assert_accessible(staff)
    shot(staff, "admin-home-phone")
    staff.get_by_role("link", name="Nytt lokalsamfunn med partnere og brukere").click()
    expect(staff.get_by_role("heading", level=1)).to_have_text("Nytt lokalsamfunn")
    assert_accessible(staff)
    shot(staff, "onboard-empty-phone")

    staff.get_by_label("Navn:", exact=True).fill("Åssiden")
    staff.get_by_label("Kommune:", exact=True).fill("Drammen")
    staff.get_by_label("Samarbeid siden").fill("2026")

    club = row(staff, 1)
    club.get_by_label("Ny partners navn").fill("Åssiden IF")
    club.get_by_label("Type").select_option(label="Idrettslag")
    club.get_by_label("Rolle i samarbeidet").fill("Koordinator")
    club.get_by_label("Fornavn").fill("Kari")
    club.get_by_label("Etternavn").fill("Nordmann")
    club.get_by_label("E-post").fill("kari@assiden-if.no")
    club.get_by_label("Tittel").fill("Daglig leder")

    school = row(staff, 2)
    school.get_by_label("Ny partners navn").fill("Åssiden skole")
    school.get_by_label("Type").select_option(label="Skole")
    school.get_by_label("Fornavn").fill("Per")
    school.get_by_label("Tittel").fill("Rektor")  # the e-mail forgotten

    municipality = row(staff, 3)
    municipality.locator(".select2-selection").click()
    staff.locator(".select2-search__field").fill("Drammen k")
    staff.get_by_role("option", name="Drammen kommune").click()
    municipality.get_by_label("Rolle i samarbeidet").fill("Eier")

    staff.get_by_role("button", name="Opprett lokalsamfunnet og send invitasjonene").click()
    # Refused: nothing is saved, the message is next to the school's e-mail, the rest is kept.
    expect(staff.locator(".errornote")).to_have_text("Vennligst korriger feilene under.")
    error = row(staff, 2).locator(".field-email .errorlist")
    expect(error).to_have_text("Fyll ut dette for partnerens første bruker.")
    expect(row(staff, 1).get_by_label("Ny partners navn")).to_have_value("Åssiden IF")
    expect(row(staff, 3).locator(".select2-selection")).to_contain_text("Drammen kommune")
    assert not Community.objects.filter(name="Åssiden").exists()
    assert_accessible(staff)
    row(staff, 2).scroll_into_view_if_needed()
    shot(staff, "onboard-error-phone")

    row(staff, 2).get_by_label("E-post").fill("per@assiden.skole.no")
    staff.get_by_role("button", name="Opprett lokalsamfunnet og send invitasjonene").click()
    expect(staff.locator(".messagelist .success")).to_have_text(
        "Lokalsamfunnet Åssiden er opprettet med 3 partnere. "
        "Invitasjoner er sendt til kari@assiden-if.no, per@assiden.skole.no."
    )
    heading = staff.get_by_role("heading", level=1)
    expect(heading).to_have_text("Velg lokalsamfunn du ønsker å endre")
    expect(staff.get_by_role("link", name="Åssiden", exact=True)).to_be_visible()
    assert_accessible(staff)
    shot(staff, "onboard-done-phone")

    community = Community.objects.get(name="Åssiden")
    partners = {link.partner.name: link.role for link in community.memberships.all()}
    assert partners == {"Åssiden IF": "Koordinator", "Åssiden skole": "", "Drammen kommune": "Eier"}
    assert set(Invitation.objects.values_list("user__email", flat=True)) == {
        "kari@assiden-if.no",
        "per@assiden.skole.no",
    }
    assert Email.objects.filter(kind=Email.Kind.INVITATION).count() == 2
    assert User.objects.get(email="per@assiden.skole.no").memberships.get().title == "Rektor"
