import datetime

import factory
from django.contrib.auth.models import Group
from django.db import transaction

from measures.models import (
    MEASURE_HISTORY,
    Measure,
    MeasurePartner,
    Report,
    ScheduleChange,
    TargetGroup,
    TimeSlot,
)
from partnerships.models import (
    EVALUATOR_GROUP,
    Community,
    CommunityPartner,
    HolidayPeriod,
    Meeting,
    Partner,
    PartnerMembership,
    User,
)


class CommunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Community

    name = factory.Sequence(lambda n: f"Lokalsamfunn {n}")
    municipality = "Drammen"
    partnership_since = 2014


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner

    name = factory.Sequence(lambda n: f"Partner {n}")
    kind = Partner.Kind.SPORTS_CLUB


class CommunityPartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CommunityPartner

    community = factory.SubFactory(CommunityFactory)
    partner = factory.SubFactory(PartnerFactory)
    role = "Partner"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"bruker{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.invalid")
    password = factory.django.Password("lokalsamfunn")

    @factory.post_generation
    def partners(self, create, extracted, **kwargs):
        for partner in extracted or ():
            PartnerMembership.objects.create(user=self, partner=partner)

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        for name in extracted or ():
            self.groups.add(Group.objects.get_or_create(name=name)[0])


def evaluator_group() -> list[str]:
    return [EVALUATOR_GROUP]


class MeasureFactory(factory.django.DjangoModelFactory):
    """A measure whose lead partner is a partner of its community and of the measure."""

    class Meta:
        model = Measure
        skip_postgeneration_save = True

    community = factory.SubFactory(CommunityFactory)
    title = factory.Sequence(lambda n: f"Tiltak {n}")
    slug = factory.Sequence(lambda n: f"tiltak-{n}")
    summary = "Et tiltak for barn og unge."
    status = Measure.Status.ACTIVE
    lead_partner = factory.LazyAttribute(
        lambda m: CommunityPartnerFactory(community=m.community).partner
    )

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        """As ``measure_create`` writes it: the lead partner's link (the database checks it at
        commit) and then the first history row, which holds that partner."""
        measure = model_class(*args, **kwargs)
        with transaction.atomic():
            measure.skip_history_when_saving = True
            measure.save()
            del measure.skip_history_when_saving
            MeasurePartner.objects.create(measure=measure, partner=measure.lead_partner)
            MEASURE_HISTORY.create_historical_record(measure, "+")
        return measure

    @factory.post_generation
    def partners(self, create, extracted, **kwargs):
        for partner in extracted or ():
            CommunityPartner.objects.get_or_create(community=self.community, partner=partner)
            MeasurePartner.objects.get_or_create(measure=self, partner=partner)


class ReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Report

    measure = factory.SubFactory(MeasureFactory)
    period_start = datetime.date(2026, 3, 6)
    period_end = factory.LazyAttribute(lambda r: r.period_start)
    participants = 20
    girls = 9
    volunteers = 3
    volunteer_hours = 9


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Meeting

    community = factory.SubFactory(CommunityFactory)
    title = factory.Sequence(lambda n: f"Partnermøte {n}")
    date = datetime.date(2026, 2, 8)
    kind = Meeting.Kind.PARTNER_MEETING


class TimeSlotFactory(factory.django.DjangoModelFactory):
    """Fridays 19–23 from the autumn of 2026, until further notice."""

    class Meta:
        model = TimeSlot

    measure = factory.SubFactory(MeasureFactory)
    weekdays = (5,)
    starts_at = datetime.time(19)
    ends_at = datetime.time(23)
    season_start = datetime.date(2026, 8, 17)


class ScheduleChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ScheduleChange

    slot = factory.SubFactory(TimeSlotFactory)
    date = datetime.date(2026, 9, 4)
    kind = ScheduleChange.Kind.CANCELLED


class HolidayPeriodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HolidayPeriod

    community = factory.SubFactory(CommunityFactory)
    name = "Høstferie"
    first_day = datetime.date(2026, 9, 28)
    last_day = datetime.date(2026, 10, 2)


def target_group(name: str = "13–19 år") -> TargetGroup:
    return TargetGroup.objects.get(name=name)
