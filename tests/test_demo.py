import datetime

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command

from measures.models import Measure, MeasurePartner, Report, ScheduleChange, TimeSlot
from measures.schedules import HolidayCalendar, sessions, slots_of
from partnerships.models import (
    EVALUATOR_GROUP,
    SPORTS_COUNCIL_GROUP,
    Community,
    CommunityPartner,
    HolidayPeriod,
    Meeting,
    Partner,
    User,
)

pytestmark = pytest.mark.django_db

COUNTED = [Community, Partner, CommunityPartner, User, Measure, MeasurePartner, Report, Meeting]


def counts():
    return {model.__name__: model.objects.count() for model in COUNTED}


def load_demo(settings, capsys, **options):
    settings.DEBUG = True
    call_command("load_demo", **options)
    return capsys.readouterr().out


def test_load_demo_gives_konnerud_and_the_same_rows_twice(settings, capsys):
    output = load_demo(settings, capsys)
    first = counts()
    load_demo(settings, capsys)
    assert counts() == first
    assert first["Partner"] == 7
    assert first["Measure"] == 7
    assert first["Report"] > 50
    assert "lokalsamfunn" in output and "konnerud-il" in output

    konnerud = Community.objects.get(slug="konnerud")
    assert konnerud.municipality == "Drammen"
    assert konnerud.partnership_since == 2014
    titles = set(konnerud.measures.values_list("title", flat=True))
    assert {"Åpen hall", "Balansebarna", "Aktiv senior", "Fargeløpet", "E-sport"} <= titles
    fargelopet = konnerud.measures.get(title="Fargeløpet")
    assert fargelopet.slug == "fargelopet"
    assert fargelopet.lead_partner in fargelopet.partners.all()

    meeting = Meeting.objects.get(community=konnerud)
    assert meeting.kind == Meeting.Kind.FOCUS_GROUP
    assert meeting.date.isoformat() == "2024-02-08"
    assert meeting.venue == "Svendsedammen skole"
    assert meeting.partners_present.count() == 7


def test_demo_accounts_and_their_roles(settings, capsys):
    load_demo(settings, capsys)
    council = User.objects.get(username="idrettsrad")
    assert council.is_staff and not council.is_superuser
    assert council.groups.filter(name=SPORTS_COUNCIL_GROUP).exists()
    assert council.check_password("lokalsamfunn")

    researcher = User.objects.get(username="forsker")
    assert researcher.groups.filter(name=EVALUATOR_GROUP).exists()
    assert not researcher.partners.exists()
    assert not researcher.has_perm("measures.change_measure")

    hallermoen = User.objects.get(username="hallermoen")
    assert list(hallermoen.partners.values_list("name", flat=True)) == ["Hallermoen skole"]
    assert not hallermoen.is_staff
    # Roles only, no names of real people.
    assert hallermoen.get_full_name() == "Rektor Hallermoen skole"
    assert (
        not Measure.objects.get(title="Åpen hall")
        .partners.filter(pk__in=hallermoen.partners.all())
        .exists()
    )


def test_load_demo_refuses_accounts_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--demo-accounts"):
        call_command("load_demo")
    assert not User.objects.exists()
    assert not Community.objects.exists()


def test_load_demo_with_debug_off_and_explicit_flag(settings):
    settings.DEBUG = False
    call_command("load_demo", demo_accounts=True, stdout=None)
    assert User.objects.filter(username="konnerud-il").exists()


def test_setup_roles_is_idempotent_and_never_lets_staff_delete_users():
    call_command("setup_roles", verbosity=0)
    council = Group.objects.get(name=SPORTS_COUNCIL_GROUP)
    first = set(council.permissions.values_list("codename", flat=True))
    call_command("setup_roles", verbosity=0)
    assert set(council.permissions.values_list("codename", flat=True)) == first
    assert Group.objects.count() == 2
    assert "delete_user" not in first
    assert {"change_measure", "add_report", "change_community", "change_user"} <= first
    evaluator = set(
        Group.objects.get(name=EVALUATOR_GROUP).permissions.values_list("codename", flat=True)
    )
    assert "view_measure" in evaluator and "add_meeting" in evaluator
    assert "change_measure" not in evaluator


def test_load_demo_gives_konnerud_times_school_holidays_and_public_pages(settings, capsys):
    load_demo(settings, capsys)
    konnerud = Community.objects.get(slug="konnerud")
    assert konnerud.is_public
    hall = konnerud.measures.get(title="Åpen hall")
    slot = TimeSlot.objects.get(measure=hall)
    assert (slot.weekdays, f"{slot.starts_at:%H:%M}", f"{slot.ends_at:%H:%M}") == (
        (5,),
        "19:00",
        "23:00",
    )
    assert hall.is_public and hall.venue == "Konnerudhallen"
    senior = TimeSlot.objects.get(measure__title="Aktiv senior")
    assert f"{senior.starts_at:%H:%M}–{senior.ends_at:%H:%M}" == "11:30–12:30"
    fargelopet = TimeSlot.objects.get(measure__title="Fargeløpet")
    assert fargelopet.season_start == fargelopet.season_end
    assert fargelopet.season_start.month == 6 and fargelopet.season_start.isoweekday() == 6
    names = set(HolidayPeriod.objects.filter(municipality="Drammen").values_list("name", flat=True))
    assert names == {"Høstferie", "Juleferie", "Vinterferie", "Påskeferie", "Sommerferie"}
    assert ScheduleChange.objects.filter(slot=slot, kind=ScheduleChange.Kind.CANCELLED).exists()
    # A weekly measure reports its sessions but one: the portal shows it as missing.
    today = datetime.date.today()
    past = sessions(
        slots_of([hall]),
        today - datetime.timedelta(weeks=52),
        today - datetime.timedelta(days=1),
        HolidayCalendar.for_community(konnerud),
    )
    reported = set(hall.reports.values_list("period_start", flat=True))
    assert {s.day for s in past} - reported == {past[-2].day}
    # A second run adds nothing.
    before = (
        TimeSlot.objects.count(),
        HolidayPeriod.objects.count(),
        ScheduleChange.objects.count(),
    )
    load_demo(settings, capsys)
    assert (
        TimeSlot.objects.count(),
        HolidayPeriod.objects.count(),
        ScheduleChange.objects.count(),
    ) == before
