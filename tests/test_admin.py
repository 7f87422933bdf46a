import pytest
from django.contrib import admin
from django.urls import reverse

from funding.models import GrantMeasure
from measures.models import MeasurePartner, ScheduleChange
from partnerships.models import CommunityPartner, Meeting, User
from tests.factories import (
    CommunityPartnerFactory,
    MeasureFactory,
    MeetingFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

MODELS = sorted(
    (model._meta.app_label, model._meta.model_name)
    for model in admin.site._registry
    if model._meta.app_label in {"partnerships", "measures", "funding"}
)


# Edited only inside their parent's admin page, through the parent's service.
EDITED_WITH_PARENT = {MeasurePartner, ScheduleChange, GrantMeasure}


def test_every_model_of_both_apps_is_in_admin():
    from django.apps import apps

    for label in ("partnerships", "measures", "funding"):
        for model in apps.get_app_config(label).get_models():
            if model._meta.model_name.startswith("historical"):
                continue
            assert (model in admin.site._registry) is (model not in EDITED_WITH_PARENT), model


@pytest.mark.parametrize(("app", "model"), MODELS)
def test_sports_council_staff_sees_every_changelist_and_add_page(as_user, staff, app, model):
    MeasureFactory()  # something in every list
    client = as_user(staff)
    changelist = client.get(reverse(f"admin:{app}_{model}_changelist"))
    assert changelist.status_code == 200
    assert client.get(reverse(f"admin:{app}_{model}_add")).status_code == 200


def test_admin_is_in_norwegian(as_user, staff):
    response = as_user(staff).get(reverse("admin:index"))
    assert response.headers["Content-Language"] == "nb"
    assert "Logg ut" in response.text


def test_staff_cannot_delete_users(as_user, staff):
    user = UserFactory()
    response = as_user(staff).post(reverse("admin:partnerships_user_delete", args=[user.pk]))
    assert response.status_code == 403
    assert User.objects.filter(pk=user.pk).exists()


def measure_post_data(measure, partner_rows, **changes):
    data = {
        "community": measure.community.pk,
        "title": measure.title,
        "slug": measure.slug,
        "summary": measure.summary,
        "description": "",
        "status": measure.status,
        "lead_partner": measure.lead_partner.pk,
        "schedule": "Fredager 19–23",
        "venue": "",
        "started_on": "",
        "ended_on": "",
        "image_alt": "",
        "is_free": "on",
        "partner_links-TOTAL_FORMS": str(len(partner_rows)),
        "partner_links-INITIAL_FORMS": "0",
        "partner_links-MIN_NUM_FORMS": "1",
        "partner_links-MAX_NUM_FORMS": "1000",
        "reports-TOTAL_FORMS": "0",
        "reports-INITIAL_FORMS": "0",
        "reports-MIN_NUM_FORMS": "0",
        "reports-MAX_NUM_FORMS": "1000",
        "slots-TOTAL_FORMS": "0",
        "slots-INITIAL_FORMS": "0",
        "slots-MIN_NUM_FORMS": "0",
        "slots-MAX_NUM_FORMS": "1000",
    }
    for i, partner in enumerate(partner_rows):
        data[f"partner_links-{i}-partner"] = partner.pk
        data[f"partner_links-{i}-contribution"] = ""
    data.update(changes)
    return data


class TestMeasureInlineValidation:
    def add(self, client, measure, partners, **changes):
        return client.post(
            reverse("admin:measures_measure_add"),
            measure_post_data(measure, partners, slug="nytt-tiltak", **changes),
        )

    def test_refuses_a_partner_from_another_community(self, as_user, staff):
        measure = MeasureFactory()
        outsider = CommunityPartnerFactory(partner__name="Fremmed IL").partner
        response = self.add(as_user(staff), measure, [measure.lead_partner, outsider])
        assert response.status_code == 200
        assert "Fremmed IL" in response.text
        assert not measure.community.measures.filter(slug="nytt-tiltak").exists()

    def test_refuses_a_lead_partner_not_among_the_partners(self, as_user, staff):
        measure = MeasureFactory()
        school = CommunityPartnerFactory(community=measure.community).partner
        response = self.add(as_user(staff), measure, [school])
        assert response.status_code == 200
        assert not measure.community.measures.filter(slug="nytt-tiltak").exists()

    def test_accepts_partners_of_the_community(self, as_user, staff):
        measure = MeasureFactory()
        school = CommunityPartnerFactory(community=measure.community).partner
        response = self.add(as_user(staff), measure, [measure.lead_partner, school])
        assert response.status_code == 302
        created = measure.community.measures.get(slug="nytt-tiltak")
        assert set(created.partners.all()) == {measure.lead_partner, school}


def test_community_inline_refuses_removing_a_partner_on_a_measure(as_user, staff):
    school = CommunityPartnerFactory(partner__name="Skolen")
    measure = MeasureFactory(community=school.community, partners=[school.partner])
    link = school
    data = {
        "name": measure.community.name,
        "slug": measure.community.slug,
        "municipality": measure.community.municipality,
        "description": "",
        "partnership_since": "2014",
        "is_active": "on",
        "reporting_frequency": "monthly",
        "memberships-TOTAL_FORMS": "1",
        "memberships-INITIAL_FORMS": "1",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
        "memberships-0-id": link.pk,
        "memberships-0-community": measure.community.pk,
        "memberships-0-partner": link.partner.pk,
        "memberships-0-role": "",
        "memberships-0-since": "",
        "memberships-0-DELETE": "on",
    }
    url = reverse("admin:partnerships_community_change", args=[measure.community.pk])
    response = as_user(staff).post(url, data)
    assert response.status_code == 200
    assert measure.title in response.text
    assert CommunityPartner.objects.filter(pk=link.pk).exists()

    MeasurePartner.objects.filter(partner=link.partner).delete()
    response = as_user(staff).post(url, data)
    assert response.status_code == 302
    assert not CommunityPartner.objects.filter(pk=link.pk).exists()


def test_meeting_admin_refuses_partners_from_another_community(as_user, staff):
    meeting = MeetingFactory()
    outsider = CommunityPartnerFactory(partner__name="Fremmed IL").partner
    data = {
        "community": meeting.community.pk,
        "kind": Meeting.Kind.FOCUS_GROUP,
        "title": "Fokusgruppe",
        "date": "08.02.2024",
        "venue": "Svendsedammen skole",
        "partners_present": [outsider.pk],
        "minutes": "",
    }
    url = reverse("admin:partnerships_meeting_change", args=[meeting.pk])
    response = as_user(staff).post(url, data)
    assert response.status_code == 200
    assert "Fremmed IL" in response.text
    meeting.refresh_from_db()
    assert meeting.title != "Fokusgruppe"
