"""Admin's "New community" page: a community, its partners and their first users in one form."""

import pytest

from notifications.models import Email, Invitation
from partnerships.models import Community, CommunityPartner, Partner, PartnerMembership, User
from tests.factories import CommunityPartnerFactory, PartnerFactory, UserFactory

URL = "/admin/partnerships/community/new/"


def form_data(rows=(), **community):
    data = {
        "name": "Åssiden",
        "municipality": "Drammen",
        "partnership_since": "2026",
        "reporting_frequency": "monthly",
        "partners-TOTAL_FORMS": str(max(len(rows), 3)),
        "partners-INITIAL_FORMS": "0",
        "partners-MIN_NUM_FORMS": "0",
        "partners-MAX_NUM_FORMS": "30",
        **community,
    }
    for index, row in enumerate(rows):
        for name, value in row.items():
            data[f"partners-{index}-{name}"] = value
    return data


CLUB = {
    "name": "Åssiden IF",
    "kind": "sports_club",
    "role": "Koordinator",
    "first_name": "Kari",
    "last_name": "Nordmann",
    "email": "kari@assiden-if.no",
    "title": "Daglig leder",
}


def snapshot():
    return (
        Community.objects.count(),
        Partner.objects.count(),
        CommunityPartner.objects.count(),
        User.objects.count(),
        PartnerMembership.objects.count(),
        Invitation.objects.count(),
        Email.objects.count(),
    )


def test_staff_create_a_community_with_new_and_existing_partners_and_invite_their_users(
    as_user, staff
):
    municipality = CommunityPartnerFactory(
        partner__name="Drammen kommune", partner__kind="municipality"
    ).partner
    school = {
        "name": "Åssiden skole",
        "kind": "school",
        "first_name": "Per",
        "email": "per@skole.no",
        "title": "Rektor",
    }
    client = as_user(staff)
    response = client.post(
        URL, form_data([CLUB, school, {"partner": str(municipality.pk), "role": "Eier"}])
    )
    assert response.status_code == 302
    community = Community.objects.get(name="Åssiden")
    assert response["Location"] == "/admin/partnerships/community/"
    assert community.slug == "assiden"
    assert community.partnership_since == 2026
    links = {link.partner.name: link.role for link in community.memberships.all()}
    assert links == {"Åssiden IF": "Koordinator", "Åssiden skole": "", "Drammen kommune": "Eier"}
    assert Partner.objects.get(name="Åssiden skole").kind == "school"
    kari = User.objects.get(email="kari@assiden-if.no")
    assert kari.username == "kari@assiden-if.no"
    assert kari.get_full_name() == "Kari Nordmann"
    assert not kari.has_usable_password()
    assert kari.memberships.get().title == "Daglig leder"
    assert kari.memberships.get().partner.name == "Åssiden IF"
    # Both are invited, by the staff user, through the outbox.
    invited = Invitation.objects.filter(invited_by=staff).values_list("user__email", flat=True)
    assert sorted(invited) == ["kari@assiden-if.no", "per@skole.no"]
    outbox = Email.objects.filter(kind=Email.Kind.INVITATION).values_list("to", flat=True)
    assert sorted(outbox) == ["kari@assiden-if.no", "per@skole.no"]
    # Who created the community is in its history.
    assert community.history.get().history_user == staff
    page = client.get(response["Location"]).content.decode()
    assert "Invitasjoner er sendt til kari@assiden-if.no, per@skole.no." in page


def test_the_page_is_norwegian_and_linked_from_admin_home_and_the_community_list(as_user, staff):
    for start in ("/admin/", "/admin/partnerships/community/"):
        assert f'href="{URL}"' in as_user(staff).get(start).content.decode()
    page = as_user(staff).get(URL).content.decode()
    assert "<title>Nytt lokalsamfunn" in page
    for text in ("Eksisterende partner", "Ny partners navn", "Partner 3", "Flere partnere"):
        assert text in page


@pytest.mark.parametrize(
    ("rows", "community", "field", "message"),
    [
        ([{**CLUB, "email": "ikke-en-adresse"}], {}, "partners-0-email", "gyldig e-postadresse"),
        ([{**CLUB, "email": "kari@klubb.no"}], {}, "partners-0-email", "En annen konto har"),
        ([{**CLUB, "name": "Konnerud IL"}], {}, "partners-0-name", "finnes en partner med"),
        ([{**CLUB, "first_name": ""}], {}, "partners-0-first_name", "Fyll ut dette"),
        ([CLUB], {"name": ""}, "name", "Feltet er påkrevet"),
        ([CLUB], {"partnership_since": "20140"}, "partnership_since", "mindre enn eller lik"),
        ([], {}, None, "Legg til minst én partner"),
        (
            [CLUB, {**CLUB, "name": "Åssiden skole", "kind": "school"}],
            {},
            "partners-1-email",
            "En annen bruker i dette skjemaet",
        ),
        ([{**CLUB, "email": "Kari@Klubb.no"}], {}, "partners-0-email", "En annen konto har"),
    ],
)
def test_what_is_wrong_is_said_next_to_the_field_and_nothing_is_saved(
    as_user, staff, rows, community, field, message
):
    UserFactory(username="kari", email="kari@klubb.no")
    PartnerFactory(name="Konnerud IL")
    before = snapshot()
    response = as_user(staff).post(URL, form_data(rows, **community))
    assert response.status_code == 200
    assert snapshot() == before
    page = response.content.decode()
    assert "Vennligst korriger feilene under." in page
    if field is None:
        assert message in page
    else:
        # The message is in the row of the field it is about.
        row = page.split(f'class="form-row field-{field.rsplit("-", 1)[-1]} errors"')
        assert len(row) > 1, page
        start = page.index(f'name="{field}"')
        assert message in page[page.rindex('class="form-row', 0, start) : start]


def test_a_partner_chosen_twice_or_both_chosen_and_named_is_refused(as_user, staff):
    existing = PartnerFactory(name="Drammen kommune")
    before = snapshot()
    response = as_user(staff).post(
        URL,
        form_data(
            [
                {"partner": str(existing.pk)},
                {"partner": str(existing.pk)},
                {"partner": str(existing.pk), "name": "Noe nytt"},
            ]
        ),
    )
    assert snapshot() == before
    page = response.content.decode()
    assert "Denne partneren er allerede på listen." in page
    assert "Velg en eksisterende partner eller skriv navnet på en ny, ikke begge." in page


def test_more_partners_adds_rows_and_keeps_what_was_typed(as_user, staff):
    response = as_user(staff).post(URL, {**form_data([CLUB]), "_more": "1"})
    page = response.content.decode()
    assert 'name="partners-5-name"' in page
    assert 'value="Åssiden IF"' in page
    assert "korriger feilene" not in page
    assert Community.objects.count() == 0


def test_only_staff_with_the_rights_to_add_everything_may_onboard(
    as_user, partner_user, evaluator, roles
):
    assert as_user(None).get(URL).status_code == 302  # to the login
    for user in (partner_user, evaluator):
        assert as_user(user).get(URL).status_code == 302  # not staff: admin's login
    limited = UserFactory(username="bare-se", is_staff=True)
    assert URL not in as_user(limited).get("/admin/").content.decode()
    before = snapshot()
    response = as_user(limited).post(URL, form_data([CLUB]))
    assert response.status_code == 403
    assert snapshot() == before
