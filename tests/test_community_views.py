import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from measures.models import Measure
from partnerships.models import Meeting
from tests.factories import (
    CommunityFactory,
    CommunityPartnerFactory,
    MeasureFactory,
    MeetingFactory,
    ReportFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting(community, measure):
    return MeetingFactory(community=community, title="Fokusgruppe", venue="Svendsedammen skole")


def meeting_data(community, **changes):
    data = {
        "kind": Meeting.Kind.FOCUS_GROUP,
        "title": "Fokusgruppemøte",
        "date": "2024-02-08",
        "venue": "Svendsedammen skole",
        "partners_present": [link.partner_id for link in community.memberships.all()],
        "minutes": "Partene diskuterte bærekraft.",
        "version": "1",  # the version a form for an existing meeting was loaded at
    }
    data.update(changes)
    return data


class TestCommunityPages:
    @pytest.mark.parametrize("role", ["evaluator", "other_partner", "partner", "staff"])
    def test_everyone_logged_in_reads_communities(self, as_user, people, community, role):
        client = as_user(people[role])
        assert client.get(reverse("partnerships:community_list")).status_code == 200
        assert client.get(community.get_absolute_url()).status_code == 200

    def test_anonymous_is_sent_to_login(self, client, community):
        response = client.get(community.get_absolute_url())
        assert response.status_code == 302
        assert response.headers["Location"].startswith(reverse("login"))

    def test_unknown_community_is_404(self, as_user, partner_user):
        assert as_user(partner_user).get("/communities/finnes-ikke/").status_code == 404

    def test_community_page_groups_measures_and_counts_this_years_participants(
        self, as_user, partner_user, community, measure
    ):
        MeasureFactory(community=community, title="E-sport", status=Measure.Status.PLANNED)
        MeasureFactory(community=community, title="Arkivert", is_archived=True)
        year = timezone.localdate().year
        ReportFactory(measure=measure, period_start=datetime.date(year, 1, 5), participants=23)
        ReportFactory(measure=measure, period_start=datetime.date(year, 2, 5), participants=17)
        ReportFactory(measure=measure, period_start=datetime.date(year - 1, 12, 5), participants=99)
        response = as_user(partner_user).get(community.get_absolute_url())
        groups = {
            str(group["label"]): [m.title for m in group["measures"]]
            for group in response.context["measures_by_status"]
        }
        assert groups == {"Aktiv": ["Åpen hall"], "Planlagt": ["E-sport"]}
        assert response.context["participants_this_year"] == 40
        assert response.context["active_count"] == 1
        assert "Arkivert" not in response.text

    def test_a_big_community_shows_ten_per_status_and_links_to_the_rest(
        self, as_user, partner_user, community
    ):
        for number in range(12):
            MeasureFactory(
                community=community, title=f"Tiltak {number:02d}", status=Measure.Status.PAUSED
            )
        response = as_user(partner_user).get(community.get_absolute_url())
        [group] = [g for g in response.context["measures_by_status"] if g["value"] == "paused"]
        assert group["count"] == 12
        assert [m.title for m in group["measures"]] == [f"Tiltak {n:02d}" for n in range(10)]
        assert f"?community={community.slug}&amp;status=paused" in response.text
        assert "Se alle 12" in response.text

    def test_partners_and_roles_are_listed(self, as_user, partner_user, community, measure):
        link = community.memberships.get(partner=measure.lead_partner)
        link.role = "Koordinator"
        link.save()
        response = as_user(partner_user).get(community.get_absolute_url())
        assert "Koordinator" in response.text
        assert measure.lead_partner.name in response.text


class TestMeetings:
    @pytest.mark.parametrize(
        ("role", "status"),
        [("evaluator", 200), ("other_partner", 200), ("partner", 200), ("staff", 200)],
    )
    def test_community_partners_evaluators_and_staff_record_meetings(
        self, as_user, people, community, role, status
    ):
        client = as_user(people[role])
        url = reverse("partnerships:meeting_create", args=[community.slug])
        assert client.get(url).status_code == status
        response = client.post(url, meeting_data(community, title=f"Møte {role}"))
        meeting = Meeting.objects.get(title=f"Møte {role}")
        assert response.headers["Location"] == meeting.get_absolute_url()
        assert meeting.partners_present.count() == community.memberships.count()
        assert meeting.created_by == people[role]

    def test_partner_of_another_community_is_refused(self, as_user, community, meeting):
        outsider = UserFactory(partners=[CommunityPartnerFactory().partner])
        client = as_user(outsider)
        create = reverse("partnerships:meeting_create", args=[community.slug])
        edit = reverse("partnerships:meeting_update", args=[community.slug, meeting.pk])
        assert client.get(create).status_code == 403
        assert client.post(create, meeting_data(community, title="Kapret")).status_code == 403
        assert client.post(edit, meeting_data(community, title="Kapret")).status_code == 403
        assert not Meeting.objects.filter(title="Kapret").exists()
        meeting.refresh_from_db()
        assert meeting.title == "Fokusgruppe"

    def test_anonymous_post_saves_nothing(self, client, community):
        url = reverse("partnerships:meeting_create", args=[community.slug])
        response = client.post(url, meeting_data(community))
        assert response.status_code == 302
        assert not Meeting.objects.exists()

    def test_evaluator_edits_a_meeting(self, as_user, evaluator, community, meeting):
        url = reverse("partnerships:meeting_update", args=[community.slug, meeting.pk])
        response = as_user(evaluator).post(url, meeting_data(community, minutes="Nytt referat"))
        assert response.status_code == 302
        meeting.refresh_from_db()
        assert meeting.minutes == "Nytt referat"

    def test_partners_from_another_community_are_refused(self, as_user, evaluator, community):
        outsider = CommunityPartnerFactory(partner__name="Fremmed IL").partner
        url = reverse("partnerships:meeting_create", args=[community.slug])
        response = as_user(evaluator).post(
            url, meeting_data(community, partners_present=[outsider.pk])
        )
        assert response.status_code == 200
        assert response.context["form"].errors["partners_present"]
        assert not Meeting.objects.exists()

    @pytest.mark.parametrize(
        ("changes", "field"),
        [({"title": ""}, "title"), ({"date": "i går"}, "date"), ({"kind": "fest"}, "kind")],
    )
    def test_bad_input_is_a_form_error(self, as_user, evaluator, community, changes, field):
        url = reverse("partnerships:meeting_create", args=[community.slug])
        response = as_user(evaluator).post(url, meeting_data(community, **changes))
        assert response.status_code == 200
        assert response.context["form"].errors[field]
        assert not Meeting.objects.exists()

    def test_meeting_of_another_community_is_404(self, as_user, evaluator, meeting):
        other = CommunityFactory()
        url = reverse("partnerships:meeting_detail", args=[other.slug, meeting.pk])
        assert as_user(evaluator).get(url).status_code == 404

    def test_meeting_page_and_list_show_who_was_present(
        self, as_user, other_partner_user, community, meeting
    ):
        meeting.partners_present.set(other_partner_user.partners.all())
        client = as_user(other_partner_user)
        page = client.get(meeting.get_absolute_url())
        assert "Skolen" in page.text
        listing = client.get(reverse("partnerships:meeting_list", args=[community.slug]))
        assert "Fokusgruppe" in listing.text and "Skolen" in listing.text
