"""The shared cache: sessions, the logged-in user, the evaluation page, the filter choices.

Each test runs twice: with the tests' local-memory cache and with a real Redis (127.0.0.1:6379,
or TEST_REDIS_URL; skipped with the reason printed when none is running, failed with
REDIS_REQUIRED=1 as in CI). What is kept must never outlive a change a user would notice.
"""

import datetime
import os
import uuid
from decimal import Decimal

import pytest
import redis
from django.contrib.auth.models import Group, Permission
from django.test import Client

from funding.allocation import Part
from funding.models import Grant
from funding.services import grant_create
from measures.models import Measure, Report
from measures.services import measure_update, report_create
from partnerships.models import PartnerMembership
from partnerships.services import meeting_create
from tests.factories import (
    MeasureFactory,
    PartnerFactory,
    ReportFactory,
    UserFactory,
    target_group,
)

pytestmark = pytest.mark.django_db

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def redis_or_skip() -> redis.Redis:
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.ConnectionError:
        message = f"no Redis at {REDIS_URL} (start one: redis-server --daemonize yes)"
        if os.environ.get("REDIS_REQUIRED"):
            pytest.fail(message)
        pytest.skip(message)
    return client


@pytest.fixture(params=["local memory", "redis"])
def shared_cache(request, settings):
    """The cache the portal shares between requests: local memory, or a real Redis under a
    key prefix of its own (removed afterwards)."""
    if request.param == "local memory":
        yield request.param
        return
    client = redis_or_skip()
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    settings.CACHES = {
        "default": {
            "BACKEND": "aktive.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": prefix,
        }
    }
    yield request.param
    keys = list(client.scan_iter(f"{prefix}:*"))
    if keys:
        client.delete(*keys)


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


class TestTheLoggedInUser:
    def test_sessions_and_user_cost_no_query(
        self, shared_cache, partner_user, django_assert_num_queries
    ):
        client = logged_in(partner_user)
        client.get("/nothing-here/")  # the session and the user are read, and kept
        with django_assert_num_queries(0):
            response = client.get("/nothing-here/")
        assert response.status_code == 404
        assert partner_user.partners.get().name in response.text  # the header, from the cache

    def test_a_user_removed_from_a_partner_loses_access_at_once(
        self, shared_cache, partner_user, measure
    ):
        client = logged_in(partner_user)
        edit = f"/measures/{measure.pk}/edit/"
        page = client.get(edit)
        assert page.status_code == 200
        assert measure.lead_partner.name in page.text  # the header names the user's partner
        PartnerMembership.objects.filter(user=partner_user).delete()
        assert client.get(edit).status_code == 403
        assert measure.lead_partner.name not in client.get("/").text

    def test_removed_through_the_partner_and_added_back(self, shared_cache, partner_user, measure):
        client = logged_in(partner_user)
        edit = f"/measures/{measure.pk}/edit/"
        assert client.get(edit).status_code == 200
        measure.lead_partner.members.remove(partner_user)
        assert client.get(edit).status_code == 403
        partner_user.partners.add(measure.lead_partner)
        assert client.get(edit).status_code == 200

    def test_a_deactivated_user_is_logged_out_at_once(self, shared_cache, partner_user):
        client = logged_in(partner_user)
        assert client.get("/").status_code == 200
        partner_user.is_active = False
        partner_user.save()
        assert client.get("/").status_code == 302

    def test_a_password_changed_elsewhere_ends_other_sessions(self, shared_cache, partner_user):
        client = logged_in(partner_user)
        assert client.get("/").status_code == 200
        partner_user.set_password("et-helt-nytt-passord-2026")
        partner_user.save()
        assert client.get("/").status_code == 302

    def test_rights_taken_from_a_group_are_gone_at_once(self, shared_cache, staff, measure):
        client = logged_in(staff)
        edit = f"/measures/{measure.pk}/edit/"
        assert client.get(edit).status_code == 200
        group = Group.objects.get(name=staff.groups.get().name)
        group.permissions.remove(Permission.objects.get(codename="change_measure"))
        assert client.get(edit).status_code == 403

    def test_a_renamed_partner_shows_in_the_header_at_once(self, shared_cache, partner_user):
        client = logged_in(partner_user)
        partner = partner_user.partners.get()
        assert partner.name in client.get("/").text
        partner.name = "Konnerud IL Fotball"
        partner.save()
        assert "Konnerud IL Fotball" in client.get("/").text

    def test_logging_out_ends_the_session_for_every_copy_of_the_cookie(
        self, shared_cache, partner_user
    ):
        client = logged_in(partner_user)
        copy = Client()
        copy.cookies = client.cookies  # the same session, as another server would see it
        assert copy.get("/").status_code == 200
        client.post("/accounts/logout/")
        assert copy.get("/").status_code == 302


class TestTheEvaluationPage:
    URL = "/communities/{slug}/evaluation/?year=2025"

    def test_kept_in_the_cache_and_made_anew_after_a_report(
        self, shared_cache, partner_user, measure, django_assert_max_num_queries
    ):
        url = self.URL.format(slug=measure.community.slug)
        client = logged_in(partner_user)
        first = client.get(url)
        assert "4321" not in first.text.replace("\xa0", "").replace(" ", "")
        with django_assert_max_num_queries(1):  # the community; the rest from the cache
            again = client.get(url)
        assert again.context["body"] == first.context["body"]
        report_create(
            measure=measure,
            user=partner_user,
            data={"period_start": datetime.date(2025, 3, 7), "participants": 4321},
        )
        after = client.get(url)
        assert "4321" in after.text.replace("\xa0", "").replace(" ", "")

    def test_a_change_elsewhere_keeps_it(
        self, shared_cache, partner_user, measure, django_assert_max_num_queries
    ):
        url = self.URL.format(slug=measure.community.slug)
        elsewhere = MeasureFactory(title="Annet sted")  # another community, its partners
        client = logged_in(partner_user)
        client.get(url)
        ReportFactory(measure=elsewhere, period_start=datetime.date(2025, 3, 7))
        with django_assert_max_num_queries(1):
            client.get(url)

    def test_meetings_corrections_and_deletions_show_at_once(
        self, shared_cache, partner_user, measure
    ):
        url = self.URL.format(slug=measure.community.slug)
        client = logged_in(partner_user)
        report = ReportFactory(
            measure=measure, period_start=datetime.date(2025, 5, 2), participants=1234
        )
        assert "1234" in client.get(url).text.replace("\xa0", "").replace(" ", "")
        meeting_create(
            community=measure.community,
            user=partner_user,
            data={
                "kind": "focus_group",
                "title": "Fokusgruppe om våren",
                "date": report.period_start,
            },
            partners_present=[measure.lead_partner],
        )
        assert "Fokusgruppe om våren" in client.get(url).text
        Report.objects.filter(pk=report.pk).delete()  # admin's delete, not a service
        assert "1234" not in client.get(url).text.replace("\xa0", "").replace(" ", "")

    def test_the_language_and_bad_input_are_not_mixed_up(self, shared_cache, partner_user, measure):
        url = self.URL.format(slug=measure.community.slug)
        client = logged_in(partner_user)
        norwegian = client.get(url).text
        client.cookies["django_language"] = "en"
        english = client.get(url).text
        assert "Measures in the period" in english
        assert "Measures in the period" not in norwegian
        bad = client.get(url.replace("year=2025", "start=2025-02-01"))
        assert "Fill in both dates" in bad.text


def test_a_new_partner_is_a_filter_choice_at_once(shared_cache, partner_user):
    client = logged_in(partner_user)
    assert "Drammen turnforening" not in client.get("/measures/").text
    PartnerFactory(name="Drammen turnforening")
    assert "Drammen turnforening" in client.get("/measures/").text


def test_a_new_user_sees_no_one_elses_header(shared_cache, partner_user):
    other = UserFactory(username="annen", first_name="Kari", last_name="Nordmann")
    client = logged_in(partner_user)
    client.get("/")
    assert "Kari Nordmann" in logged_in(other).get("/").text
    assert "Kari Nordmann" not in client.get("/").text


class TestTheMeasureList:
    def test_kept_and_made_anew_when_a_measure_changes(
        self, shared_cache, partner_user, measure, django_assert_max_num_queries
    ):
        client = logged_in(partner_user)
        assert "Åpen hall" in client.get("/measures/?q=hall").text
        with django_assert_max_num_queries(1):  # the communities for "New measure"
            again = client.get("/measures/?q=hall")
        assert "Åpen hall" in again.text
        measure_update(
            measure=measure,
            user=partner_user,
            version=measure.version,
            data={"title": "Åpen gymsal"},
        )
        assert "Åpen gymsal" not in client.get("/measures/?q=hall").text
        assert "Åpen gymsal" in client.get("/measures/?q=gymsal").text
        measure.target_groups.add(target_group("Seniorer 60+"))
        assert "Seniorer 60+" in client.get("/measures/?q=gymsal").text

    def test_the_new_measure_button_is_each_users_own(self, shared_cache, partner_user, evaluator):
        assert "Nytt tiltak" in logged_in(partner_user).get("/measures/").text
        assert "Nytt tiltak" not in logged_in(evaluator).get("/measures/").text


def test_without_a_shared_cache_pages_are_made_anew(settings, partner_user, measure):
    """Each process's own local memory would keep a page another process has changed: with
    CACHE_SHARED off nothing that can change is taken from it, and the session and user come
    from the database."""
    settings.CACHE_SHARED = False
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    client = logged_in(partner_user)
    report = ReportFactory(measure=measure, period_start=datetime.date(2025, 5, 2), participants=11)
    url = f"/communities/{measure.community.slug}/evaluation/?year=2025"
    assert client.get(url).status_code == 200
    Report.objects.filter(pk=report.pk).update(participants=4567)  # no signal: as elsewhere
    assert "4567" in client.get(url).text.replace("\xa0", "").replace(" ", "")
    assert "Åpen hall" in client.get("/measures/").text
    Measure.objects.filter(pk=measure.pk).update(title="Åpen gymsal")
    assert "Åpen gymsal" in client.get("/measures/").text
    PartnerMembership.objects.filter(user=partner_user).update(partner=PartnerFactory())
    assert client.get(f"/measures/{measure.pk}/edit/").status_code == 403


def test_a_grant_shows_on_the_kept_evaluation_page_at_once(shared_cache, partner_user, measure):
    """Grants are on the evaluation page, which is kept in the cache: a new grant, and a
    change to its amount, replace the community's data version."""
    url = TestTheEvaluationPage.URL.format(slug=measure.community.slug)
    client = logged_in(partner_user)
    assert "87 654,00" not in client.get(url).text.replace("\xa0", " ")
    data = {
        "name": "Kulturmidler 2025",
        "funder": "Drammen kommune",
        "funder_kind": "municipality",
        "applicant": measure.lead_partner,
        "amount_applied": 8_765_400,
        "amount_granted": 8_765_400,
        "period_start": datetime.date(2025, 1, 1),
        "period_end": datetime.date(2025, 12, 31),
        "status": "granted",
        "report_deadline": datetime.date(2026, 2, 1),
    }
    grant = grant_create(
        community=measure.community,
        user=partner_user,
        data=data,
        parts={measure.pk: Part(share=Decimal(100))},
    )
    shown = client.get(url).text.replace("\xa0", " ")
    assert "87 654,00" in shown
    Grant.objects.filter(pk=grant.pk).update(amount_granted=1_234_500)  # no signal: kept
    Grant.objects.get(pk=grant.pk).save()  # admin's save (a signal): made anew
    assert "12 345,00" in client.get(url).text.replace("\xa0", " ")
