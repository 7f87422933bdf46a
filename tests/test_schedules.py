"""Sessions from time slots: weekdays and Oslo wall-clock times across both DST changes, public
and school holidays, cancelled and added days, seasons and a measure's end.

The school year 2026/27 below is Drammen's kind of calendar: autumn break in week 40, Christmas,
winter break in week 9, Easter (Easter Sunday 2027 is also the day summer time starts) and the
summer holiday.
"""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from measures.models import Measure, ScheduleChange, TimeSlot
from measures.periods import Period
from measures.schedules import (
    HolidayCalendar,
    planned_sessions,
    sessions,
    slot_dates,
    slots_of,
)
from measures.services import (
    schedule_change_create,
    schedule_change_delete,
    timeslot_create,
    timeslot_delete,
    timeslot_update,
)
from partnerships.models import Community, HolidayPeriod
from partnerships.services import holiday_period_create
from partnerships.versioning import VersionConflict
from tests.factories import (
    CommunityFactory,
    HolidayPeriodFactory,
    MeasureFactory,
    ScheduleChangeFactory,
    TimeSlotFactory,
)

D = datetime.date
T = datetime.time
SCHOOL_YEAR = [
    ("Høstferie", D(2026, 9, 28), D(2026, 10, 2)),
    ("Juleferie", D(2026, 12, 21), D(2027, 1, 1)),
    ("Vinterferie", D(2027, 3, 1), D(2027, 3, 5)),
    ("Påskeferie", D(2027, 3, 22), D(2027, 3, 29)),
    ("Sommerferie", D(2027, 6, 19), D(2027, 8, 15)),
]
YEAR = (D(2026, 8, 17), D(2027, 8, 16))


def add_school_year(community) -> None:
    for name, first, last in SCHOOL_YEAR:
        HolidayPeriodFactory(community=community, name=name, first_day=first, last_day=last)


@pytest.fixture
def school_year(community):
    add_school_year(community)


def calendar_of(community) -> HolidayCalendar:
    return HolidayCalendar.for_community(community)


def days(found) -> list[datetime.date]:
    return [session.day for session in found]


def fresh(slot: TimeSlot) -> TimeSlot:
    """The slot as the pages load it: with its measure and changes."""
    return next(s for s in slots_of([slot.measure]) if s.pk == slot.pk)


@pytest.mark.django_db
def test_weekly_sessions_keep_the_wall_clock_time_across_both_dst_changes(measure, school_year):
    slot = fresh(TimeSlotFactory(measure=measure, weekdays=(7,), starts_at=T(10), ends_at=T(12)))
    slot.pauses_in_school_holidays = False
    found = {s.day: s for s in sessions([slot], *YEAR, calendar_of(measure.community))}

    # Summer time until the last Sunday of October, winter time after it, summer time again
    # from the last Sunday of March: always 10:00 on the clock, an hour apart in UTC.
    before, after = found[D(2026, 10, 18)], found[D(2026, 10, 25)]
    assert before.start.isoformat() == "2026-10-18T10:00:00+02:00"
    assert after.start.isoformat() == "2026-10-25T10:00:00+01:00"
    utc = datetime.UTC
    assert after.start.astimezone(utc) - before.start.astimezone(utc) == datetime.timedelta(
        days=7, hours=1
    )
    assert found[D(2027, 3, 21)].start.utcoffset() == datetime.timedelta(hours=1)
    assert found[D(2027, 4, 4)].start.utcoffset() == datetime.timedelta(hours=2)
    assert found[D(2027, 4, 4)].end.isoformat() == "2027-04-04T12:00:00+02:00"
    # Easter Sunday 2027 is the day summer time starts, and a public holiday: no session.
    assert D(2027, 3, 28) not in found


@pytest.mark.django_db
def test_public_holidays_have_no_sessions_even_for_slots_that_run_in_school_holidays(
    measure, school_year
):
    senior = fresh(
        TimeSlotFactory(
            measure=measure,
            weekdays=(1, 4),
            starts_at=T(10),
            ends_at=T(12),
            season_start=D(2026, 1, 1),
            pauses_in_school_holidays=False,
        )
    )
    calendar = calendar_of(measure.community)
    found = days(sessions([senior], *YEAR, calendar))
    for holiday in (D(2027, 3, 25), D(2027, 3, 29), D(2027, 5, 6), D(2027, 5, 17)):
        assert holiday not in found, calendar.public_holiday(holiday)
    # It keeps running in the school holidays: the autumn break, Christmas, summer.
    assert {D(2026, 10, 1), D(2026, 12, 28), D(2027, 7, 1)} <= set(found)
    dates = slot_dates(senior, *YEAR, calendar)
    assert dates.skipped[D(2027, 5, 6)] == "Kristi himmelfartsdag"


@pytest.mark.django_db
def test_slots_that_follow_the_school_calendar_pause_in_its_holidays(measure, school_year):
    hall = fresh(TimeSlotFactory(measure=measure, weekdays=(2, 3), starts_at=T(14), ends_at=T(16)))
    found = set(days(sessions([hall], *YEAR, calendar_of(measure.community))))
    assert D(2026, 9, 22) in found and D(2026, 10, 6) in found
    for name, first, last in SCHOOL_YEAR:
        day = first
        while day <= last:
            assert day not in found, name
            day += datetime.timedelta(days=1)
    assert slot_dates(hall, *YEAR, calendar_of(measure.community)).skipped[D(2026, 9, 29)] == (
        "Høstferie"
    )


@pytest.mark.django_db
def test_a_municipality_s_holidays_apply_to_its_communities_only(measure):
    HolidayPeriodFactory(
        community=None, municipality="Drammen", first_day=D(2026, 9, 28), last_day=D(2026, 10, 2)
    )
    HolidayPeriodFactory(
        community=None, municipality="Lier", first_day=D(2026, 10, 5), last_day=D(2026, 10, 9)
    )
    other = CommunityFactory(municipality="Drammen")
    HolidayPeriodFactory(community=other, first_day=D(2026, 10, 12), last_day=D(2026, 10, 16))
    slot = fresh(TimeSlotFactory(measure=measure))  # Fridays; the measure is in Drammen
    found = set(
        days(sessions([slot], D(2026, 9, 1), D(2026, 10, 31), calendar_of(measure.community)))
    )
    assert D(2026, 10, 2) not in found  # Drammen's autumn break
    assert D(2026, 10, 9) in found  # Lier's is not Drammen's
    assert D(2026, 10, 16) in found  # another community's own holiday


@pytest.mark.django_db
def test_cancelled_and_added_days(measure, school_year):
    slot = TimeSlotFactory(measure=measure)
    ScheduleChangeFactory(slot=slot, date=D(2026, 11, 13), note="Hallen brukes til eksamen")
    # Open one Friday of the autumn break after all, and a Saturday for the summer party.
    ScheduleChangeFactory(slot=slot, date=D(2026, 10, 2), kind=ScheduleChange.Kind.ADDED)
    ScheduleChangeFactory(
        slot=slot, date=D(2027, 6, 12), kind=ScheduleChange.Kind.ADDED, note="Sommeravslutning"
    )
    found = sessions([fresh(slot)], *YEAR, calendar_of(measure.community), with_cancelled=True)
    by_day = {s.day: s for s in found}
    assert by_day[D(2026, 11, 13)].cancelled
    assert by_day[D(2026, 11, 13)].note == "Hallen brukes til eksamen"
    assert by_day[D(2026, 10, 2)].added and not by_day[D(2026, 10, 2)].cancelled
    assert by_day[D(2027, 6, 12)].start.isoformat() == "2027-06-12T19:00:00+02:00"
    held = days(sessions([fresh(slot)], *YEAR, calendar_of(measure.community)))
    assert D(2026, 11, 13) not in held and D(2026, 10, 2) in held and D(2027, 6, 12) in held


@pytest.mark.django_db
def test_the_season_and_the_measure_s_own_dates_bound_the_sessions(community):
    measure = MeasureFactory(community=community, ended_on=D(2027, 2, 5))
    measure.started_on = D(2026, 9, 1)
    measure.save()
    slot = fresh(
        TimeSlotFactory(measure=measure, season_start=D(2026, 8, 17), season_end=D(2027, 6, 18))
    )
    found = days(sessions([slot], *YEAR, calendar_of(community)))
    assert found[0] == D(2026, 9, 4)  # the measure starts 1 September, a Tuesday
    assert found[-1] == D(2027, 2, 5)  # and ends on a Friday
    slot.measure.ended_on = None
    assert days(sessions([slot], *YEAR, calendar_of(community)))[-1] == D(2027, 6, 18)


@pytest.mark.django_db
def test_planned_sessions_per_month_count_only_days_gone_by(measure, school_year):
    slot = fresh(TimeSlotFactory(measure=measure))
    calendar = calendar_of(measure.community)
    planned = planned_sessions(
        [slot], Period(D(2026, 9, 1), D(2026, 12, 31)), calendar, until=D(2026, 11, 15)
    )
    # September: 4, 11, 18, 25; October: 9, 16, 23, 30 (the 2nd is the autumn break);
    # November up to the 15th: 6 and 13.
    assert planned == {
        (measure.pk, D(2026, 9, 1)): 4,
        (measure.pk, D(2026, 10, 1)): 4,
        (measure.pk, D(2026, 11, 1)): 2,
    }


# --- Writing slots and changes --------------------------------------------------------------


@pytest.mark.django_db
def test_slots_are_written_through_services_with_history(measure, partner_user):
    slot = timeslot_create(
        measure=measure,
        user=partner_user,
        data={
            "weekdays": [5],
            "starts_at": T(19),
            "ends_at": T(23),
            "venue": "Konnerudhallen",
            "season_start": D(2026, 8, 17),
            "season_end": None,
            "pauses_in_school_holidays": True,
        },
    )
    assert slot.weekdays == (5,)
    slot = timeslot_update(
        slot=slot, user=partner_user, version=1, data={"weekdays": [2, 3], "starts_at": T(14)}
    )
    slot.refresh_from_db()
    assert (slot.weekdays, slot.starts_at, slot.version) == ((2, 3), T(14), 2)
    assert [row.history_user for row in slot.history.all()] == [partner_user, partner_user]
    timeslot_delete(slot=slot, user=partner_user)
    assert not TimeSlot.objects.exists()
    assert TimeSlot.history.filter(history_type="-").get().history_user == partner_user


@pytest.mark.django_db
def test_two_people_changing_different_things_of_a_slot_are_both_kept(measure, partner_user):
    slot = TimeSlotFactory(measure=measure)
    timeslot_update(slot=slot, user=partner_user, version=1, data={"venue": "Konnerudhallen"})
    merged = timeslot_update(slot=slot, user=partner_user, version=1, data={"ends_at": T(22)})
    assert (merged.venue, merged.ends_at, merged.version) == ("Konnerudhallen", T(22), 3)
    with pytest.raises(VersionConflict):
        timeslot_update(slot=slot, user=partner_user, version=1, data={"venue": "Skolen"})


@pytest.mark.django_db
def test_a_slot_that_ends_before_it_starts_is_refused_and_nothing_saved(measure, partner_user):
    with pytest.raises(ValidationError) as refused:
        timeslot_create(
            measure=measure,
            user=partner_user,
            data={
                "weekdays": [5],
                "starts_at": T(19),
                "ends_at": T(18),
                "season_start": D(2026, 8, 17),
            },
        )
    assert "ends_at" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        timeslot_create(
            measure=measure,
            user=partner_user,
            data={
                "weekdays": [],
                "starts_at": T(19),
                "ends_at": T(20),
                "season_start": D(2026, 8, 1),
            },
        )
    assert "weekdays" in refused.value.message_dict
    assert not TimeSlot.objects.exists()


@pytest.mark.django_db
def test_only_a_session_can_be_cancelled_and_only_a_free_day_added(measure, partner_user):
    holiday_period_create(
        community=measure.community,
        user=partner_user,
        data={"name": "Høstferie", "first_day": D(2026, 9, 28), "last_day": D(2026, 10, 2)},
    )
    slot = TimeSlotFactory(measure=measure)
    with pytest.raises(ValidationError) as refused:
        schedule_change_create(
            slot=slot, user=partner_user, data={"date": D(2026, 10, 2), "kind": "cancelled"}
        )
    assert "Høstferie" in str(refused.value)
    with pytest.raises(ValidationError):
        schedule_change_create(
            slot=slot, user=partner_user, data={"date": D(2026, 10, 8), "kind": "cancelled"}
        )
    with pytest.raises(ValidationError):
        schedule_change_create(
            slot=slot, user=partner_user, data={"date": D(2026, 10, 9), "kind": "added"}
        )
    assert not ScheduleChange.objects.exists()
    change = schedule_change_create(
        slot=slot,
        user=partner_user,
        data={"date": D(2026, 10, 9), "kind": "cancelled", "note": "Eksamen"},
    )
    assert change.history.get().history_user == partner_user
    schedule_change_delete(change=change, user=partner_user)
    assert not ScheduleChange.objects.exists()


@pytest.mark.django_db
def test_a_holiday_belongs_to_a_community_or_a_municipality(community, partner_user):
    with pytest.raises(ValidationError) as refused:
        holiday_period_create(
            community=community,
            municipality="Drammen",
            user=partner_user,
            data={"name": "Høstferie", "first_day": D(2026, 9, 28), "last_day": D(2026, 10, 2)},
        )
    assert "municipality" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        holiday_period_create(
            community=community,
            user=partner_user,
            data={"name": "Høstferie", "first_day": D(2026, 10, 2), "last_day": D(2026, 9, 28)},
        )
    assert "last_day" in refused.value.message_dict
    assert not HolidayPeriod.objects.exists()


def test_generate_data_gives_times_school_holidays_and_public_pages(db):
    call_command(
        "generate_data",
        communities=2,
        measures_per_community=6,
        reports_per_measure=2,
        seed=5,
        until=D(2026, 6, 30),
        demo_accounts=True,
        no_progress=True,
        stdout=io.StringIO(),
    )
    measures = list(Measure.objects.all())
    with_slots = set(TimeSlot.objects.values_list("measure_id", flat=True))
    assert {m.pk for m in measures} == with_slots  # every measure has a weekly time
    assert TimeSlot.history.count() == TimeSlot.objects.count()  # each slot's creation row
    first = Community.objects.order_by("pk").first()
    assert first.is_public
    names = set(
        HolidayPeriod.objects.filter(municipality=first.municipality).values_list("name", flat=True)
    )
    assert {"Høstferie", "Juleferie", "Vinterferie", "Påskeferie", "Sommerferie"} == names
    # Sessions can be computed for every generated slot, in one pass.
    found = sessions(slots_of(measures), D(2025, 8, 1), D(2026, 6, 30), HolidayCalendar())
    assert found
