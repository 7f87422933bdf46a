"""The partners' pages for times, changed days, school holidays and the public pages: who may
do what (anonymous, another community's partner, the measure's partner, staff), that a refused
request saved nothing, and planned vs reported on the measure and evaluation pages."""

import datetime

import pytest
from django.urls import reverse

from measures.models import ScheduleChange, TimeSlot
from measures.services import report_create
from partnerships.models import Community, HolidayPeriod
from tests.factories import (
    CommunityFactory,
    CommunityPartnerFactory,
    HolidayPeriodFactory,
    TimeSlotFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

D = datetime.date

SLOT_POST = {
    "weekdays": ["2", "3"],
    "starts_at": "14:00",
    "ends_at": "16:00",
    "venue": "Krokstadelva skole",
    "season_start": "2026-08-17",
    "season_end": "2027-06-18",
    "pauses_in_school_holidays": "on",
}


@pytest.fixture
def outsider(db):
    """A partner of another community."""
    other = CommunityPartnerFactory(community=CommunityFactory(name="Gulskogen")).partner
    return UserFactory(username="gulskogen-il", partners=[other])


def snapshot():
    return (
        list(TimeSlot.objects.values_list("pk", "version", "weekdays")),
        list(ScheduleChange.objects.values_list("pk", "date")),
        list(HolidayPeriod.objects.values_list("pk", "name")),
        list(Community.objects.values_list("pk", "is_public")),
    )


def test_who_may_open_the_times_page(as_user, measure, partner_user, other_partner_user, staff):
    url = reverse("measures:schedule", args=[measure.pk])
    assert as_user(None).get(url).status_code == 302
    assert as_user(other_partner_user).get(url).status_code == 403
    assert as_user(partner_user).get(url).status_code == 200
    assert as_user(staff).get(url).status_code == 200


def test_a_partner_adds_a_time_and_others_are_refused_without_a_trace(
    as_user, measure, partner_user, other_partner_user, outsider
):
    url = reverse("measures:slot_create", args=[measure.pk])
    before = snapshot()
    for user in (other_partner_user, outsider):
        assert as_user(user).post(url, SLOT_POST).status_code == 403
    assert as_user(None).post(url, SLOT_POST).status_code == 302
    assert snapshot() == before
    response = as_user(partner_user).post(url, SLOT_POST)
    assert response.status_code == 302
    slot = TimeSlot.objects.get()
    assert slot.weekdays == (2, 3) and slot.venue == "Krokstadelva skole"
    assert slot.history.get().history_user == partner_user
    page = as_user(partner_user).get(reverse("measures:detail", args=[measure.pk]))
    assert "Tirsdag og onsdag 14:00–16:00" in page.content.decode()


def test_a_time_that_ends_before_it_starts_is_said_next_to_the_field(
    as_user, measure, partner_user
):
    url = reverse("measures:slot_create", args=[measure.pk])
    response = as_user(partner_user).post(url, {**SLOT_POST, "ends_at": "13:00"})
    assert response.status_code == 200
    assert "Slutten må være etter starten" in response.content.decode()
    response = as_user(partner_user).post(url, {**SLOT_POST, "weekdays": ["9"]})
    assert response.status_code == 200
    assert not TimeSlot.objects.exists()


def test_editing_a_time_merges_and_a_stale_form_asks(as_user, measure, partner_user, staff):
    slot = TimeSlotFactory(measure=measure)
    url = reverse("measures:slot_update", args=[measure.pk, slot.pk])
    form = {**SLOT_POST, "weekdays": ["5"], "starts_at": "19:00", "ends_at": "23:00"}
    response = as_user(staff).post(
        url,
        {**form, "season_start": "2026-08-17", "season_end": "", "venue": "Hallen", "version": 1},
    )
    assert response.status_code == 302
    # The partner's form was loaded at version 1 too, and changes the venue as well.
    response = as_user(partner_user).post(
        url, {**form, "season_end": "", "venue": "Skolen", "version": 1}
    )
    assert response.status_code == 200
    assert "Noen andre lagret dette mens du redigerte" in response.content.decode()
    assert response.context["conflict_choices"][0]["label"] == "Sted"
    slot.refresh_from_db()
    assert slot.venue == "Hallen" and slot.version == 2


def test_cancelling_a_day_and_undoing_it(as_user, measure, partner_user, other_partner_user):
    slot = TimeSlotFactory(measure=measure)
    url = reverse("measures:schedule", args=[measure.pk])
    cancel = {"slot": slot.pk, "kind": "cancelled", "date": "2026-11-13", "note": "Eksamen"}
    assert as_user(other_partner_user).post(url, cancel).status_code == 403
    assert not ScheduleChange.objects.exists()
    # Not a session (a Thursday): said next to the date, nothing saved.
    response = as_user(partner_user).post(url, {**cancel, "date": "2026-11-12"})
    assert response.status_code == 200
    assert "Det er ingen økt å avlyse denne dagen" in response.content.decode()
    assert not ScheduleChange.objects.exists()
    assert as_user(partner_user).post(url, cancel).status_code == 302
    change = ScheduleChange.objects.get()
    undo = reverse("measures:schedule_change_delete", args=[measure.pk, change.pk])
    assert as_user(other_partner_user).post(undo).status_code == 403
    assert ScheduleChange.objects.exists()
    assert as_user(partner_user).post(undo).status_code == 302
    assert not ScheduleChange.objects.exists()


def test_removing_a_time_keeps_it_in_the_history(
    as_user, measure, partner_user, other_partner_user
):
    slot = TimeSlotFactory(measure=measure)
    url = reverse("measures:slot_delete", args=[measure.pk, slot.pk])
    assert as_user(other_partner_user).post(url).status_code == 403
    assert as_user(partner_user).get(url).status_code == 405
    assert TimeSlot.objects.exists()
    assert as_user(partner_user).post(url).status_code == 302
    assert not TimeSlot.objects.exists()
    assert TimeSlot.history.filter(history_type="-").get().history_user == partner_user


def test_a_community_s_partners_enter_its_school_holidays(
    as_user, community, measure, partner_user, outsider, staff
):
    url = reverse("partnerships:community_holidays", args=[community.slug])
    data = {"name": "Høstferie", "first_day": "2026-09-28", "last_day": "2026-10-02"}
    before = snapshot()
    assert as_user(outsider).post(url, data).status_code == 403
    assert snapshot() == before
    assert as_user(outsider).get(url).status_code == 200  # every logged-in user reads
    assert "Legg til en skoleferie" not in as_user(outsider).get(url).content.decode()
    assert as_user(partner_user).post(url, data).status_code == 302
    period = HolidayPeriod.objects.get()
    assert period.community == community and period.created_by == partner_user
    wrong = as_user(partner_user).post(url, {**data, "last_day": "2026-09-01"})
    assert "Siste dag kan ikke være før første dag" in wrong.content.decode()
    # The municipality's holidays are staff's: a partner cannot remove them.
    municipal = HolidayPeriodFactory(community=None, municipality="Drammen", name="Juleferie")
    text = as_user(partner_user).get(url).content.decode()
    assert "Juleferie" in text and "For hele Drammen kommune" in text
    delete = reverse("partnerships:holiday_delete", args=[community.slug, municipal.pk])
    assert as_user(partner_user).post(delete).status_code == 404
    own = reverse("partnerships:holiday_delete", args=[community.slug, period.pk])
    assert as_user(outsider).post(own).status_code == 403
    assert as_user(staff).post(own).status_code == 302
    assert list(HolidayPeriod.objects.all()) == [municipal]


def test_a_community_s_partners_show_or_hide_its_public_pages(
    as_user, community, measure, partner_user, outsider, staff
):
    url = reverse("partnerships:community_public", args=[community.slug])
    assert as_user(outsider).post(url, {"action": "publish"}).status_code == 403
    assert as_user(partner_user).post(url, {"action": "toggle"}).status_code == 400
    community.refresh_from_db()
    assert not community.is_public
    assert as_user(partner_user).post(url, {"action": "publish"}).status_code == 302
    assert as_user(partner_user).post(url, {"action": "publish"}).status_code == 302  # twice
    community.refresh_from_db()
    assert community.is_public
    assert community.history.filter(is_public=True).count() == 1
    page = as_user(partner_user).get(url).content.decode()
    assert "/hva-skjer/konnerud/" in page and "innebygd" in page  # the links and embed code
    assert as_user(staff).post(url, {"action": "hide"}).status_code == 302
    community.refresh_from_db()
    assert not community.is_public


def test_the_measure_page_shows_planned_beside_reported(as_user, measure, partner_user, settings):
    TimeSlotFactory(measure=measure, season_start=D(2025, 8, 18))
    today = datetime.date.today()
    last_month = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    report_create(
        measure=measure,
        user=partner_user,
        data={"period_start": last_month, "participants": 30, "sessions": 1},
    )
    response = as_user(partner_user).get(reverse("measures:detail", args=[measure.pk]))
    rows = {row.month: row for row in response.context["planned"]}
    row = rows[last_month]
    assert row.reported == 1 and row.planned >= 1
    assert row.missing == row.planned - 1
    assert "Planlagt og rapportert" in response.content.decode()


def test_the_evaluation_page_shows_planned_sessions_and_what_is_missing(
    as_user, community, measure, partner_user
):
    TimeSlotFactory(measure=measure, season_start=D(2025, 1, 1))
    report_create(
        measure=measure,
        user=partner_user,
        data={"period_start": D(2025, 3, 7), "participants": 30, "sessions": 4},
    )
    url = reverse("partnerships:community_evaluation", args=[community.slug]) + "?year=2025"
    response = as_user(partner_user).get(url)
    (row,) = response.context["measures"]
    # Every Friday of 2025 but the public holidays that fall on one (Good Friday, 26 Dec).
    assert row.planned_total == 52 - 2
    text = response.content.decode()
    assert "Planlagt" in text and "46 ikke rapportert" in text
