import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from measures.models import Report, TargetGroup
from partnerships.models import CommunityPartner
from partnerships.text import fold, norwegian_slugify
from partnerships.validators import validate_partners_in_community
from tests.factories import (
    CommunityFactory,
    CommunityPartnerFactory,
    MeasureFactory,
    MeetingFactory,
    PartnerFactory,
    ReportFactory,
)

pytestmark = pytest.mark.django_db


def assert_refused_by_database(make):
    with pytest.raises(IntegrityError), transaction.atomic():
        make()


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Fargeløpet", "fargelopet"),
        ("Åpen hall", "apen-hall"),
        ("Ærlig talt – Øvre Eiker", "aerlig-talt-ovre-eiker"),
        ("E-sport", "e-sport"),
    ],
)
def test_slugs_map_norwegian_letters_as_django_admin_does(text, slug):
    assert norwegian_slugify(text) == slug


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Åpen HALL", "apen hall"),
        ("Fargeløpet", "fargelopet"),
        ("ÆRLIG  talt\n– Øvre", "aerlig talt – ovre"),
        ("Kafé Crème", "kafe creme"),
        ("Straße", "strasse"),
    ],
)
def test_search_text_is_folded_so_accents_do_not_matter(text, folded):
    """What search compares, stored and typed alike: "apen" meets "Åpen"."""
    assert fold(text) == folded


def test_community_and_partner_get_unique_slugs_from_their_names():
    first = CommunityFactory(name="Åssiden")
    second = CommunityFactory(name="Åssiden")
    assert (first.slug, second.slug) == ("assiden", "assiden-2")
    assert PartnerFactory(name="Konnerud IL").slug == "konnerud-il"


def test_target_groups_are_seeded_in_reporting_order():
    names = list(TargetGroup.objects.values_list("name", flat=True))
    assert names == [
        "0–5 år",
        "6–12 år",
        "13–19 år",
        "20–25 år",
        "26 år og eldre",
        "Seniorer 60+",
        "Familier",
        "Alle",
    ]


def test_slug_unique_per_community_but_reusable_elsewhere():
    measure = MeasureFactory(slug="apen-hall")
    MeasureFactory(slug="apen-hall")  # another community
    assert_refused_by_database(
        lambda: MeasureFactory(community=measure.community, slug="apen-hall")
    )


def test_one_community_partner_per_pair():
    link = CommunityPartnerFactory()
    assert_refused_by_database(
        lambda: CommunityPartner.objects.create(community=link.community, partner=link.partner)
    )


def test_measure_cannot_end_before_it_started():
    assert_refused_by_database(
        lambda: MeasureFactory(
            started_on=datetime.date(2024, 5, 1), ended_on=datetime.date(2024, 4, 30)
        )
    )
    measure = MeasureFactory(
        started_on=datetime.date(2024, 5, 1), ended_on=datetime.date(2024, 5, 1)
    )
    assert measure.ended_on == measure.started_on


@pytest.mark.parametrize(
    "fields",
    [
        {"period_start": datetime.date(2026, 3, 6), "period_end": datetime.date(2026, 3, 5)},
        {"participants": -1},
        {"sessions": -1},
        {"volunteers": -2},
        {"volunteer_hours": -1},
        {"girls": -1},
        {"participants": 10, "girls": 11},
    ],
)
def test_database_refuses_impossible_reports(fields):
    measure = MeasureFactory()
    assert_refused_by_database(lambda: ReportFactory(measure=measure, **fields))
    assert not Report.objects.exists()


def test_report_period_end_defaults_to_start_and_girls_may_equal_participants():
    report = ReportFactory(period_end=None, participants=12, girls=12)
    report.refresh_from_db()
    assert report.period_end == report.period_start
    assert str(report).endswith("06.03.2026")


def test_protect_keeps_measures_and_reports():
    report = ReportFactory()
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        report.measure.delete()
    with pytest.raises(ProtectedError):
        report.measure.community.delete()
    with pytest.raises(ProtectedError):
        report.measure.lead_partner.delete()


def test_deleted_author_leaves_the_measure():
    from tests.factories import UserFactory

    user = UserFactory()
    measure = MeasureFactory(created_by=user, updated_by=user)
    user.delete()
    measure.refresh_from_db()
    assert measure.created_by is None


class TestPartnersInCommunity:
    def test_accepts_partners_of_the_community_with_the_lead_among_them(self):
        measure = MeasureFactory()
        school = CommunityPartnerFactory(community=measure.community).partner
        validate_partners_in_community(
            community=measure.community,
            partners=[measure.lead_partner, school],
            lead_partner=measure.lead_partner,
        )

    def test_refuses_a_partner_from_another_community(self):
        measure = MeasureFactory()
        outsider = CommunityPartnerFactory(partner__name="Fremmed IL").partner
        with pytest.raises(ValidationError) as caught:
            validate_partners_in_community(
                community=measure.community,
                partners=[measure.lead_partner, outsider],
                lead_partner=measure.lead_partner,
            )
        assert "Fremmed IL" in str(caught.value.message_dict["partners"])

    def test_refuses_a_lead_partner_outside_the_community(self):
        measure = MeasureFactory()
        outsider = PartnerFactory(name="Fremmed IL")
        with pytest.raises(ValidationError) as caught:
            validate_partners_in_community(
                community=measure.community, partners=[outsider], lead_partner=outsider
            )
        assert "lead_partner" in caught.value.message_dict

    def test_refuses_a_lead_partner_missing_from_the_partners(self):
        measure = MeasureFactory()
        school = CommunityPartnerFactory(community=measure.community).partner
        with pytest.raises(ValidationError) as caught:
            validate_partners_in_community(
                community=measure.community, partners=[school], lead_partner=measure.lead_partner
            )
        assert "partners" in caught.value.message_dict

    def test_meeting_partners_present(self):
        meeting = MeetingFactory()
        outsider = PartnerFactory()
        with pytest.raises(ValidationError) as caught:
            validate_partners_in_community(
                community=meeting.community, partners=[outsider], field="partners_present"
            )
        assert "partners_present" in caught.value.message_dict
