"""Grants: money in øre, shares that add up, who sees and edits, history, merges, the pages."""

import datetime
import io
import zoneinfo
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from funding.allocation import Part, allocate, validate_allocation
from funding.models import ContextFigure, Goal, Grant, GrantMeasure
from funding.money import format_kroner, parse_kroner, per_unit, split
from funding.services import grant_create, grant_update
from notifications.models import GrantReminder
from notifications.services import emails_send_due, grant_reminders_send
from partnerships.versioning import VersionConflict
from tests.factories import (
    CommunityPartnerFactory,
    MeasureFactory,
    ReportFactory,
    UserFactory,
)

NBSP = "\u00a0"


def kr(text: str) -> str:
    return text.replace(" ", NBSP)


# --- Money arithmetic (no database) -----------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "ore"),
    [
        ("100000", 10_000_000),
        ("100 000", 10_000_000),
        ("kr 100 000,00", 10_000_000),
        ("2 500 000,50", 250_000_050),
        ("100.000,5", 10_000_050),
        ("0,01", 1),
        ("1 234,-", 123_400),
        (f"2{NBSP}500", 250_000),
    ],
)
def test_kroner_as_people_type_them_are_whole_ore(typed, ore):
    assert parse_kroner(typed) == ore
    assert isinstance(parse_kroner(typed), int)


@pytest.mark.parametrize("typed", ["ti kroner", "1,234", "100,001", "1e5", "", "--5"])
def test_what_is_not_an_amount_is_refused_in_norwegian(typed, settings):
    with pytest.raises(ValidationError) as error:
        parse_kroner(typed)
    assert "kroner" in str(error.value) or "desimaler" in str(error.value)


def test_amounts_are_shown_norwegian_style():
    assert format_kroner(10_000_000) == kr("kr 100 000,00")
    assert format_kroner(250_000_050) == kr("kr 2 500 000,50")
    assert format_kroner(5) == kr("kr 0,05")
    assert format_kroner(None) == "–"


def test_a_split_adds_up_to_the_ore_with_the_largest_remainders_first():
    assert split(100, [1, 1, 1]) == [34, 33, 33]
    assert split(10_000_000, [Decimal("33.33"), Decimal("33.33"), Decimal("33.34")]) == [
        3_333_000,
        3_333_000,
        3_334_000,
    ]
    parts = split(1_000_001, [Decimal("12.5"), Decimal("37.5"), Decimal("50")])
    assert sum(parts) == 1_000_001
    assert all(isinstance(part, int) for part in parts)


def test_no_float_creeps_into_a_sum_of_many_small_amounts():
    # 0.1 + 0.2 != 0.3 in floats; in øre it is exact, however many.
    total = sum(parse_kroner("0,10") for _ in range(1_000)) + parse_kroner("0,20")
    assert total == 10_020
    assert format_kroner(total) == kr("kr 100,20")


def test_shares_that_do_not_add_up_are_refused_with_the_sum():
    with pytest.raises(ValidationError) as error:
        validate_allocation(10_000_000, {1: Part(share=Decimal(60)), 2: Part(share=Decimal(30))})
    assert error.value.message_dict["measures"] == [
        "Andelene blir til sammen 90 %; de må bli 100 %."
    ]


def test_amounts_that_do_not_add_up_are_refused_with_both_sums():
    with pytest.raises(ValidationError) as error:
        validate_allocation(10_000_000, {1: Part(amount=6_000_000), 2: Part(amount=3_000_000)})
    given, total = kr("kr 90 000,00"), kr("kr 100 000,00")
    assert error.value.message_dict["measures"] == [
        f"Beløpene per tiltak blir til sammen {given}, ikke tilskuddets {total}."
    ]


@pytest.mark.parametrize(
    "parts",
    [
        {1: Part(share=Decimal(50)), 2: Part(amount=5_000_000)},
        {1: Part(share=Decimal(100), amount=10_000_000)},
        {1: Part(share=Decimal(100)), 2: Part()},
    ],
    ids=["mixed", "both on one", "some empty"],
)
def test_mixed_or_half_filled_parts_are_refused(parts):
    with pytest.raises(ValidationError) as error:
        validate_allocation(10_000_000, parts)
    assert "measures" in error.value.message_dict


def test_parts_that_add_up_are_allocated_in_ore():
    shares = {7: Part(share=Decimal("66.67")), 8: Part(share=Decimal("33.33"))}
    validate_allocation(10_000_001, shares)
    assert allocate(10_000_001, shares) == {7: 6_667_001, 8: 3_333_000}
    assert allocate(100, {7: Part(), 8: Part(), 9: Part()}) == {7: 34, 8: 33, 9: 33}
    assert per_unit(10_000_000, 3) == 3_333_333
    assert per_unit(10_000_000, 0) is None


# --- Grants in the database -------------------------------------------------------------------


@pytest.fixture
def measures(community, measure):
    other = MeasureFactory(community=community, title="Balansebarna")
    other.partner_links.create(partner=measure.lead_partner)
    return [measure, other]


def grant_data(measure, **changes):
    data = {
        "name": "Aktivitetsmidler 2025",
        "funder": "Drammen kommune",
        "funder_kind": "municipality",
        "applicant": measure.lead_partner,
        "amount_applied": 12_000_000,
        "amount_granted": 10_000_000,
        "period_start": datetime.date(2025, 1, 1),
        "period_end": datetime.date(2025, 12, 31),
        "status": "granted",
        "report_deadline": datetime.date(2026, 2, 1),
    }
    return {**data, **changes}


@pytest.fixture
def grant(measures, partner_user):
    return grant_create(
        community=measures[0].community,
        user=partner_user,
        data=grant_data(measures[0]),
        parts={measures[0].pk: Part(share=Decimal(60)), measures[1].pk: Part(share=Decimal(40))},
    )


@pytest.mark.django_db
def test_a_grant_is_saved_with_its_shares_and_one_history_row(grant, measures, partner_user):
    links = {link.measure_id: link.share for link in grant.measure_links.all()}
    assert links == {measures[0].pk: Decimal(60), measures[1].pk: Decimal(40)}
    history = list(grant.history.all())
    assert len(history) == 1
    assert history[0].history_user == partner_user
    assert {link.measure_id for link in history[0].measures.all()} == {m.pk for m in measures}


@pytest.mark.django_db
def test_a_refused_save_saves_nothing(measures, partner_user):
    with pytest.raises(ValidationError):
        grant_create(
            community=measures[0].community,
            user=partner_user,
            data=grant_data(measures[0]),
            parts={measures[0].pk: Part(share=Decimal(60))},
        )
    assert not Grant.objects.exists()
    assert not GrantMeasure.objects.exists()


@pytest.mark.django_db
def test_a_measure_of_another_community_is_refused(grant, measures):
    elsewhere = MeasureFactory(title="Annet sted")
    with pytest.raises(ValidationError) as error:
        grant_update(
            grant=grant,
            user=None,
            version=grant.version,
            data={},
            parts={elsewhere.pk: Part()},
        )
    assert "measures" in error.value.message_dict


@pytest.mark.django_db
def test_two_edits_merge_and_a_clash_asks(grant, measures, partner_user):
    first = grant_update(
        grant=grant,
        user=partner_user,
        version=1,
        data={"status": "paid", "paid_on": datetime.date(2025, 3, 1)},
    )
    # The second person loaded version 1 and changed the note: both are kept.
    second = grant_update(grant=grant, user=partner_user, version=1, data={"note": "Utbetalt"})
    assert (second.status, second.note, second.version) == ("paid", "Utbetalt", 3)
    assert first.version == 2
    # A third, from version 1 too, changes the status to something else: a choice is needed.
    with pytest.raises(VersionConflict) as conflict:
        grant_update(grant=grant, user=partner_user, version=1, data={"status": "reported"})
    assert [item.label for item in conflict.value.conflicts] == ["Status"]
    assert Grant.objects.get(pk=grant.pk).status == "paid"


# --- Pages and who may use them ---------------------------------------------------------------


@pytest.mark.django_db
def test_who_sees_and_edits_a_grant(as_user, grant, people, community):
    outsider_partner = CommunityPartnerFactory(partner__name="Annen klubb").partner
    outsider = UserFactory(username="fremmed", partners=[outsider_partner])
    detail = reverse("funding:grant_detail", args=[grant.pk])
    edit = reverse("funding:grant_update", args=[grant.pk])
    seen = {
        name: as_user(user).get(detail).status_code
        for name, user in {**people, "outsider": outsider}.items()
    }
    assert seen == {
        "anonymous": 302,
        "evaluator": 200,
        "other_partner": 404,  # not on the measures, did not apply
        "partner": 200,
        "staff": 200,
        "outsider": 404,
    }
    edits = {name: as_user(user).get(edit).status_code for name, user in people.items()}
    assert edits == {
        "anonymous": 302,
        "evaluator": 403,
        "other_partner": 404,
        "partner": 200,
        "staff": 200,
    }


@pytest.mark.django_db
def test_a_refused_post_changes_nothing(as_user, grant, evaluator):
    response = as_user(evaluator).post(
        reverse("funding:grant_update", args=[grant.pk]), {"name": "Kapret", "version": 1}
    )
    assert response.status_code == 403
    grant.refresh_from_db()
    assert (grant.name, grant.version) == ("Aktivitetsmidler 2025", 1)


def form_post(measures, **changes) -> dict:
    post = {
        "name": "Sparebankstiftelsen 2025",
        "funder": "Sparebankstiftelsen DNB",
        "funder_kind": "foundation",
        "applicant": measures[0].lead_partner.pk,
        "amount_applied": "250 000",
        "amount_granted": "200 000,50",
        "period_start": "2025-01-01",
        "period_end": "2025-12-31",
        "status": "granted",
        "measures": [m.pk for m in measures],
        f"share_{measures[0].pk}": "75",
        f"share_{measures[1].pk}": "25",
    }
    return {**post, **changes}


@pytest.mark.django_db
def test_a_partner_records_a_grant_for_two_measures(as_user, partner_user, measures, community):
    url = reverse("funding:grant_create") + f"?community={community.slug}"
    response = as_user(partner_user).post(url, form_post(measures))
    grant = Grant.objects.get()
    assert response.status_code == 302
    assert grant.amount_granted == 20_000_050
    page = as_user(partner_user).get(grant.get_absolute_url()).content.decode()
    # 75 % and 25 % of kr 200 000,50 leave half an øre each: the first in order gets it.
    assert kr("kr 150 000,37") in page
    assert kr("kr 50 000,13") in page
    measure_page = as_user(partner_user).get(measures[1].get_absolute_url()).content.decode()
    assert "Sparebankstiftelsen 2025" in measure_page


@pytest.mark.django_db
def test_shares_that_do_not_add_up_come_back_next_to_the_measures(
    as_user, partner_user, measures, community
):
    url = reverse("funding:grant_create") + f"?community={community.slug}"
    response = as_user(partner_user).post(
        url, form_post(measures, **{f"share_{measures[1].pk}": "20"})
    )
    assert response.status_code == 200
    assert "Andelene blir til sammen 95 %; de må bli 100 %." in response.content.decode()
    assert not Grant.objects.exists()


@pytest.mark.django_db
def test_a_bad_amount_is_a_message_next_to_the_field(as_user, partner_user, measures, community):
    url = reverse("funding:grant_create") + f"?community={community.slug}"
    response = as_user(partner_user).post(url, form_post(measures, amount_applied="mange penger"))
    assert response.status_code == 200
    assert response.context["form"].errors["amount_applied"]
    assert not Grant.objects.exists()


@pytest.mark.django_db
def test_the_history_page_shows_who_changed_what(as_user, grant, partner_user):
    grant_update(grant=grant, user=partner_user, version=1, data={"amount_granted": 11_000_000})
    page = as_user(partner_user).get(reverse("funding:grant_history", args=[grant.pk]))
    text = page.content.decode()
    assert kr("kr 100 000,00") in text and kr("kr 110 000,00") in text
    assert "Beløp innvilget" in text


# --- The funder's report ----------------------------------------------------------------------


@pytest.fixture
def activity(measures):
    ReportFactory(
        measure=measures[0],
        period_start=datetime.date(2025, 3, 7),
        sessions=2,
        participants=40,
        girls=18,
        volunteers=3,
        volunteer_hours=6,
    )
    ReportFactory(measure=measures[1], period_start=datetime.date(2025, 9, 5), participants=60)
    ReportFactory(measure=measures[1], period_start=datetime.date(2024, 9, 5), participants=999)


@pytest.mark.django_db
def test_the_report_has_the_evaluation_pages_numbers_for_the_same_period(
    as_user, grant, activity, partner_user, community
):
    client = as_user(partner_user)
    report = client.get(reverse("funding:grant_report", args=[grant.pk])).context["report"]
    evaluation = client.get(
        reverse("partnerships:community_evaluation", args=[community.slug])
        + "?start=2025-01-01&end=2025-12-31"
    ).context
    by_title = {m.title: m for m in evaluation["measures"]}
    for measure in report.measures:
        shown = by_title[measure.title]
        for name in ("sessions_total", "participants_total", "girls_total", "volunteers_total"):
            assert getattr(measure, name) == getattr(shown, name), name
    assert report.totals["participants_total"] == evaluation["totals"]["participants_total"] == 100
    assert report.totals["per_participant"] == 100_000  # kr 100 000 / 100 attendances
    assert "attendances" in report.method_note or "oppmøter" in str(report.method_note)


@pytest.mark.django_db
def test_the_report_exports_as_csv_and_xlsx(as_user, grant, activity, partner_user):
    client = as_user(partner_user)
    csv = client.get(reverse("funding:grant_report_csv", args=[grant.pk]))
    text = csv.content.decode("utf-8-sig")
    assert csv["Content-Type"].startswith("text/csv")
    rows = [line.split(";") for line in text.splitlines()]
    assert rows[0][:6] == [
        "Tilskudd",
        "Tilskuddsgiver",
        "Periode fra",
        "Periode til",
        "Tiltak",
        "Del av tilskuddet (kr)",
    ]
    by_measure = {row[4]: row for row in rows[1:4]}
    assert by_measure["Åpen hall"][5] == "60000,00"  # 60 % of kr 100 000, decimal comma
    assert by_measure["Balansebarna"][8] == "60"
    assert by_measure["Sum"][5] == "100000,00"
    xlsx = client.get(reverse("funding:grant_report_xlsx", args=[grant.pk]))
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    total = next(row for row in rows if row[4] == "Sum")
    assert total[5] == 100_000 and total[8] == 100


@pytest.mark.django_db
def test_a_grant_the_user_cannot_see_has_no_export(as_user, grant, other_partner_user):
    response = as_user(other_partner_user).get(reverse("funding:grant_report_csv", args=[grant.pk]))
    assert response.status_code == 404


@pytest.mark.django_db
def test_the_community_and_evaluation_pages_show_money_per_year(
    as_user, grant, activity, other_partner_user, community
):
    # Summed money is shown to every logged-in user, like the reports' totals.
    client = as_user(other_partner_user)
    page = client.get(community.get_absolute_url()).content.decode()
    assert "Innvilget per år, etter type tilskuddsgiver" in page
    assert kr("kr 100 000,00") in page
    evaluation = client.get(
        reverse("partnerships:community_evaluation", args=[community.slug]) + "?year=2025"
    ).content.decode()
    assert "Det er " + kr("kr 1 000,00") + " per deltaker (oppmøte) i perioden." in evaluation


# --- Goals and context figures ----------------------------------------------------------------


@pytest.mark.django_db
def test_the_evaluation_page_shows_goals_from_the_reports_beside_context(
    as_user, activity, measures, community, partner_user, other_partner_user
):
    Goal.objects.create(
        community=community,
        measure=measures[0],
        title="Flere jenter på Åpen hall",
        indicator="girls_share",
        baseline=Decimal(30),
        baseline_year=2023,
        target=Decimal(50),
        target_year=2026,
    )
    Goal.objects.create(
        community=community,
        title="Flere ganger",
        indicator="participants_per_session",
        baseline=Decimal(10),
        baseline_year=2023,
        target=Decimal(40),
        target_year=2026,
    )
    ContextFigure.objects.create(
        community=community,
        title="Unge som sjelden er fysisk aktive",
        value=Decimal(14),
        unit="%",
        year=2024,
        source="Ungdata 2024",
    )
    response = as_user(other_partner_user).get(
        reverse("partnerships:community_evaluation", args=[community.slug]) + "?year=2025"
    )
    progress = {row.goal.title: row for row in response.context["progress"]}
    # Åpen hall: 18 girls of 40 = 45 %, three quarters of the way from 30 to 50.
    assert (
        progress["Flere jenter på Åpen hall"].value,
        progress["Flere jenter på Åpen hall"].percent,
    ) == (
        Decimal("45.0"),
        75,
    )
    # The community: 100 participants in 3 sessions = 33.3 per session.
    assert progress["Flere ganger"].value == Decimal("33.3")
    text = response.content.decode()
    assert "Bakgrunn: tall fra andre kilder" in text and "Ungdata 2024" in text


@pytest.mark.django_db
def test_goals_are_kept_by_the_communitys_partners(as_user, community, people):
    url = reverse("funding:goal_create", args=[community.slug])
    post = {
        "title": "Flere frivillige",
        "indicator": "volunteers",
        "baseline": "40",
        "baseline_year": "2024",
        "target": "80",
        "target_year": "2023",
    }
    statuses = {name: as_user(user).get(url).status_code for name, user in people.items()}
    assert statuses == {
        "anonymous": 302,
        "evaluator": 403,
        "other_partner": 200,
        "partner": 200,
        "staff": 200,
    }
    refused = as_user(people["partner"]).post(url, post)
    assert "Målåret kan ikke være før året for utgangspunktet." in refused.content.decode()
    saved = as_user(people["partner"]).post(url, {**post, "target_year": "2027"})
    assert saved.status_code == 302
    goals_page = as_user(people["evaluator"]).get(saved["Location"]).content.decode()
    assert "Flere frivillige" in goals_page


# --- Admin and the dashboard ------------------------------------------------------------------


def admin_post(measures, shares, **changes) -> dict:
    data = {
        "community": measures[0].community.pk,
        "name": "Fylkeskommunens tilskudd",
        "funder": "Buskerud fylkeskommune",
        "funder_kind": "county",
        "applicant": measures[0].lead_partner.pk,
        "amount_applied": "80 000",
        "amount_granted": "80 000",
        "period_start": "2025-01-01",
        "period_end": "2025-12-31",
        "status": "paid",
        "loaded_version": "",
        "seen_version": "",
        "offered_keys": "",
        "measure_links-TOTAL_FORMS": str(len(measures)),
        "measure_links-INITIAL_FORMS": "0",
        "measure_links-MIN_NUM_FORMS": "0",
        "measure_links-MAX_NUM_FORMS": "1000",
    }
    for i, (measure, share) in enumerate(zip(measures, shares, strict=True)):
        data[f"measure_links-{i}-measure"] = measure.pk
        data[f"measure_links-{i}-share"] = share
        data[f"measure_links-{i}-amount"] = ""
    return {**data, **changes}


@pytest.mark.django_db
def test_admin_refuses_shares_that_do_not_add_up_and_saves_through_the_service(
    as_user, staff, measures
):
    url = reverse("admin:funding_grant_add")
    refused = as_user(staff).post(url, admin_post(measures, ["50", "30"]))
    assert refused.status_code == 200
    assert "Andelene blir til sammen 80 %; de må bli 100 %." in refused.content.decode()
    assert not Grant.objects.exists()
    saved = as_user(staff).post(url, admin_post(measures, ["50", "50"]))
    assert saved.status_code == 302
    grant = Grant.objects.get()
    assert grant.amount_granted == 8_000_000
    assert grant.history.get().history_user == staff
    assert {link.share for link in grant.measure_links.all()} == {Decimal(50)}


@pytest.mark.django_db
def test_the_dashboard_lists_the_applicants_reports_due_within_30_days(
    as_user, grant, partner_user, other_partner_user
):
    today = datetime.date.today()
    grant_update(
        grant=grant,
        user=partner_user,
        version=1,
        data={"report_deadline": today + datetime.timedelta(days=20)},
    )
    dashboard = as_user(partner_user).get("/").content.decode()
    assert "Rapporter til tilskuddsgivere som snart skal leveres" in dashboard
    assert "Aktivitetsmidler 2025" in dashboard
    assert "Aktivitetsmidler 2025" not in as_user(other_partner_user).get("/").content.decode()
    # Reported, or due later than 30 days: not listed.
    grant_update(grant=grant, user=partner_user, version=2, data={"status": "reported"})
    assert "Aktivitetsmidler 2025" not in as_user(partner_user).get("/").content.decode()


# --- Reminders of reports to funders ------------------------------------------------------------


@pytest.mark.django_db
def test_the_applicant_is_reminded_of_a_report_due_two_weeks_and_three_days_ahead(
    grant, partner_user, other_partner_user, measures
):
    oslo = zoneinfo.ZoneInfo("Europe/Oslo")

    def at(day):
        return datetime.datetime(day.year, day.month, day.day, 10, tzinfo=oslo)

    partner_user.email, other_partner_user.email = "klubb@example.org", "skole@example.org"
    partner_user.save()
    other_partner_user.save()
    deadline = grant.report_deadline  # 1 February 2026
    assert grant_reminders_send(now=at(deadline - datetime.timedelta(days=15))) == 0
    assert grant_reminders_send(now=at(deadline - datetime.timedelta(days=14))) == 1
    assert grant_reminders_send(now=at(deadline - datetime.timedelta(days=13))) == 0  # once
    assert grant_reminders_send(now=at(deadline - datetime.timedelta(days=3))) == 1
    assert grant_reminders_send(now=at(deadline - datetime.timedelta(days=1))) == 0
    assert [r.round for r in GrantReminder.objects.order_by("round")] == [1, 2]
    emails_send_due()
    assert [message.to for message in mail.outbox] == [["klubb@example.org"]] * 2
    assert "Aktivitetsmidler 2025" in mail.outbox[0].subject
    assert f"/grants/{grant.pk}/report/" in mail.outbox[0].body
    # Reported: no more reminders, even with a new deadline.
    grant_update(
        grant=grant,
        user=partner_user,
        version=1,
        data={"status": "reported", "report_deadline": deadline + datetime.timedelta(days=30)},
    )
    assert grant_reminders_send(now=at(deadline + datetime.timedelta(days=27))) == 0


@pytest.mark.django_db
def test_the_history_shows_a_measures_part_changing(as_user, grant, measures, partner_user):
    grant_update(
        grant=grant,
        user=partner_user,
        version=1,
        data={},
        parts={measures[0].pk: Part(share=Decimal(50)), measures[1].pk: Part(share=Decimal(50))},
    )
    page = as_user(partner_user).get(reverse("funding:grant_history", args=[grant.pk]))
    changed = page.context["changes"][0].fields
    assert {(row["label"], row["before"], row["after"]) for row in changed} == {
        ("Tiltak: Åpen hall", "60 %", "50 %"),
        ("Tiltak: Balansebarna", "40 %", "50 %"),
    }


@pytest.mark.django_db
def test_load_demo_adds_konneruds_grants_once(settings):
    settings.DEBUG = True
    call_command("load_demo", stdout=io.StringIO())
    call_command("load_demo", stdout=io.StringIO())  # again: nothing twice
    grants = {
        grant.funder_kind: grant for grant in Grant.objects.filter(community__slug="konnerud")
    }
    assert set(grants) == {"municipality", "lam", "foundation"}
    municipality = grants["municipality"]
    assert municipality.amount_granted == 10_000_000  # NOK 100,000 for Balansebarna
    assert [m.title for m in municipality.measures.all()] == ["Balansebarna"]
    assert Goal.objects.filter(community__slug="konnerud").count() == 3
    assert ContextFigure.objects.filter(community__slug="konnerud").count() == 2
