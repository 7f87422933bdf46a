"""What a principal on a phone, a club leader and the researcher stumbled on (issue 16, part A):
deleting a report or a meeting, the report form's period, a contribution that ticks its
partner, the lead partner's default, "New measure" only for those who may, and people present
at a meeting who are not partners."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from measures.models import Measure, MeasurePartner, Report
from measures.periods import add_months, last_completed_period
from measures.services import report_delete
from notifications.models import Notification
from partnerships.models import Community, Meeting
from partnerships.services import meeting_create
from tests.factories import (
    CommunityPartnerFactory,
    MeetingFactory,
    ReportFactory,
    UserFactory,
)
from tests.test_measure_views import measure_form_data

pytestmark = pytest.mark.django_db


def delete_url(report):
    return reverse("measures:report_delete", args=[report.pk])


def state():
    """What a refused request must leave untouched."""
    return (
        sorted(Report.objects.values_list("pk", "participants", "version")),
        sorted(Meeting.objects.values_list("pk", "title", "version")),
        Report.history.filter(history_type="-").count(),
        Meeting.history.filter(history_type="-").count(),
    )


class TestDeleteAReport:
    @pytest.mark.parametrize("role", ["partner", "staff"])
    def test_those_who_edit_the_measure_confirm_and_delete(self, as_user, people, measure, role):
        kept = ReportFactory(
            measure=measure, participants=20, period_start=datetime.date(2026, 3, 1)
        )
        twice = ReportFactory(
            measure=measure, participants=20, period_start=datetime.date(2026, 3, 1)
        )
        client = as_user(people[role])
        page = client.get(delete_url(twice))
        assert page.status_code == 200
        assert "Slett rapport for «Åpen hall»" in page.text
        assert "Ja, slett rapporten" in page.text
        response = client.post(delete_url(twice), {"version": twice.version})
        assert response.headers["Location"] == measure.get_absolute_url() + "#reports"
        assert list(Report.objects.values_list("pk", flat=True)) == [kept.pk]
        # The history keeps it: its deletion row has its counts, who and when.
        row = Report.history.get(id=twice.pk, history_type="-")
        assert (row.participants, row.history_user) == (20, people[role])
        # The message is shown in the reports section, where the page opens.
        page = client.get(response.headers["Location"])
        reports = page.text[page.text.index('id="reports"') :]
        assert "Rapporten er slettet." in reports

    @pytest.mark.parametrize("role", ["anonymous", "evaluator", "other_partner"])
    def test_others_are_refused_and_nothing_is_deleted(self, as_user, people, measure, role):
        report = ReportFactory(measure=measure)
        before = state()
        client = as_user(people[role])
        expected = 302 if role == "anonymous" else 403
        assert client.get(delete_url(report)).status_code == expected
        assert client.post(delete_url(report), {"version": report.version}).status_code == expected
        assert state() == before

    def test_the_delete_link_is_shown_only_to_those_who_may(self, as_user, people, measure):
        report = ReportFactory(measure=measure)
        assert delete_url(report) in as_user(people["partner"]).get(measure.get_absolute_url()).text
        page = as_user(people["evaluator"]).get(measure.get_absolute_url()).text
        assert delete_url(report) not in page

    def test_a_report_corrected_meanwhile_is_not_deleted(self, as_user, partner_user, measure):
        report = ReportFactory(measure=measure, participants=20)
        loaded = report.version
        Report.objects.filter(pk=report.pk).update(participants=25, version=loaded + 1)
        response = as_user(partner_user).post(delete_url(report), {"version": loaded})
        assert response.status_code == 409
        assert "Noen endret denne rapporten" in response.text
        assert 'name="version" value="2"' in response.text  # confirming again deletes it
        assert Report.objects.filter(pk=report.pk).exists()

    @pytest.mark.parametrize("data", [{}, {"version": "x"}, {"version": "1\x00"}])
    def test_a_post_without_the_version_is_refused(self, as_user, partner_user, measure, data):
        report = ReportFactory(measure=measure)
        before = state()
        assert as_user(partner_user).post(delete_url(report), data).status_code == 400
        assert state() == before

    def test_a_double_submit_returns_to_the_measure(self, as_user, partner_user, measure):
        report = ReportFactory(measure=measure)
        client = as_user(partner_user)
        client.post(delete_url(report), {"version": report.version})
        again = client.post(delete_url(report), {"version": report.version})
        assert again.headers["Location"] == measure.get_absolute_url() + "#reports"
        assert Report.history.filter(id=report.pk, history_type="-").count() == 1
        assert client.get(reverse("measures:report_delete", args=[999_999])).status_code == 404

    def test_a_deleted_report_counts_nowhere(self, as_user, partner_user, measure):
        year = timezone.localdate().year
        day = datetime.date(year, 1, 10)
        ReportFactory(measure=measure, period_start=day, participants=30)
        twice = ReportFactory(measure=measure, period_start=day, participants=30)
        report_delete(report=twice, user=partner_user)
        totals = Measure.objects.with_report_totals().get(pk=measure.pk)
        assert (totals.report_count, totals.participants_total) == (1, 30)
        client = as_user(partner_user)
        community = client.get(measure.community.get_absolute_url())
        assert community.context["participants_this_year"] == 30
        evaluation = client.get(
            reverse("partnerships:community_evaluation", args=[measure.community.slug])
            + f"?year={year}"
        )
        assert evaluation.context["totals"]["participants_total"] == 30
        export = client.get("/reports/export.csv?archived=include")
        rows = b"".join(export.streaming_content).decode("utf-8-sig").strip().splitlines()
        assert len(rows) == 2  # the header and the one report left
        chart = client.get(measure.get_absolute_url()).context["chart"]
        assert sum(chart.series[0].values) == 30

    def test_the_history_and_the_feed_show_it_as_deleted(
        self, as_user, partner_user, other_partner_user, measure
    ):
        report = ReportFactory(measure=measure, participants=17)
        report_delete(report=report, user=partner_user)
        history = as_user(partner_user).get(reverse("measures:history", args=[measure.pk]))
        deleted = history.text[history.text.index('id="deleted-reports"') :]
        assert "slettet rapporten" in deleted and "17" in deleted
        assert history.context["deleted_reports"][0].history_user == partner_user
        # The other partners' dashboard says who deleted a report of which measure.
        MeasurePartner.objects.create(measure=measure, partner=other_partner_user.partners.get())
        feed = as_user(other_partner_user).get("/")
        start = report.period_start.strftime("%d.%m.%Y")
        assert f"Slettet rapporten fra {start}" in feed.text
        assert measure.title in feed.text

    def test_the_other_partners_are_told(self, partner_user, other_partner_user, measure):
        MeasurePartner.objects.create(measure=measure, partner=other_partner_user.partners.get())
        report = ReportFactory(measure=measure)
        report_delete(report=report, user=partner_user)
        notification = Notification.objects.get(recipient=other_partner_user)
        assert notification.report_record.history_type == "-"

    def test_admin_deletes_through_the_service(self, as_user, staff, measure):
        report = ReportFactory(measure=measure)
        url = reverse("admin:measures_report_delete", args=[report.pk])
        response = as_user(staff).post(url, {"post": "yes"})
        assert response.status_code == 302
        assert Report.history.get(id=report.pk, history_type="-").history_user == staff


class TestReportForm:
    def url(self, measure):
        return reverse("measures:report_create", args=[measure.pk])

    def test_it_starts_on_the_last_completed_month_with_one_tap_choices(
        self, as_user, partner_user, measure
    ):
        page = as_user(partner_user).get(self.url(measure))
        period = last_completed_period("monthly", timezone.localdate())
        form = page.context["form"]
        assert (form["period_start"].value(), form["period_end"].value()) == (
            period.start,
            period.end,
        )
        this_month = timezone.localdate().replace(day=1)
        assert f'href="?month={this_month:%Y-%m}"' in page.text
        assert f'href="?month={add_months(this_month, -1):%Y-%m}"' in page.text
        assert "Forrige måned" in page.text and "Denne måneden" in page.text
        # Volunteers are counted as participants are, and the form says so.
        assert "Tre frivillige på fire kvelder blir 12." in page.text

    def test_a_quarterly_community_starts_on_the_last_quarter(self, as_user, partner_user, measure):
        Community.objects.filter(pk=measure.community_id).update(reporting_frequency="quarterly")
        form = as_user(partner_user).get(self.url(measure)).context["form"]
        period = last_completed_period("quarterly", timezone.localdate())
        assert form["period_start"].value() == period.start
        assert form["period_end"].value() == period.end

    def test_a_month_in_the_address_wins(self, as_user, partner_user, measure):
        form = as_user(partner_user).get(self.url(measure) + "?month=2026-02").context["form"]
        assert form["period_start"].value() == datetime.date(2026, 2, 1)
        assert form["period_end"].value() == datetime.date(2026, 2, 28)

    def test_link_text_and_page_title_agree(self, as_user, partner_user, measure):
        report = ReportFactory(measure=measure)
        client = as_user(partner_user)
        assert ">Rett opp<" in client.get(measure.get_absolute_url()).text
        page = client.get(reverse("measures:report_update", args=[report.pk]))
        assert "<h1>Rett opp rapport for «Åpen hall»</h1>" in page.text


class TestNewMeasure:
    def url(self, measure):
        return reverse("measures:create") + f"?community={measure.community.slug}"

    def test_the_lead_partner_starts_as_the_users_own(self, as_user, other_partner_user, measure):
        form = as_user(other_partner_user).get(self.url(measure)).context["form"]
        school = other_partner_user.partners.get()
        assert form["lead_partner"].value() == school.pk
        assert form["partners"].value() == [school.pk]

    def test_a_contribution_ticks_its_partner(
        self, as_user, partner_user, other_partner_user, measure
    ):
        school = other_partner_user.partners.get()
        data = measure_form_data(measure, title="Balansebarna", summary="Turn for de minste.")
        data[f"contribution_{school.pk}"] = "Låner ut gymsalen"  # its box left unticked
        response = as_user(partner_user).post(self.url(measure), data)
        assert response.status_code == 302
        created = Measure.objects.get(title="Balansebarna")
        assert dict(created.partner_links.values_list("partner__name", "contribution")) == {
            measure.lead_partner.name: "",
            "Skolen": "Låner ut gymsalen",
        }

    def test_the_form_loads_the_script_that_ticks_the_box(self, as_user, partner_user, measure):
        page = as_user(partner_user).get(self.url(measure)).text
        assert "js/forms.js" in page and "data-ticks=" in page


class TestWhoIsOfferedWhat:
    def test_new_measure_only_for_those_who_may_create_one(self, as_user, people, measure):
        new = reverse("measures:create")
        assert f'href="{new}"' in as_user(people["partner"]).get("/").text
        assert f'href="{new}"' in as_user(people["staff"]).get("/").text
        assert f'href="{new}"' not in as_user(people["evaluator"]).get("/").text
        loner = UserFactory(username="uten-partner")
        assert f'href="{new}"' not in as_user(loner).get("/").text

    def test_meetings_are_one_tap_from_the_dashboard(self, as_user, evaluator, measure):
        page = as_user(evaluator).get("/").text
        assert reverse("partnerships:meeting_list", args=[measure.community.slug]) in page


def meeting_url(meeting, action=""):
    return reverse(
        f"partnerships:meeting_{action or 'detail'}", args=[meeting.community.slug, meeting.pk]
    )


class TestDeleteAMeeting:
    @pytest.mark.parametrize("role", ["evaluator", "other_partner", "staff"])
    def test_those_who_edit_it_confirm_and_delete(self, as_user, people, community, role):
        meeting = MeetingFactory(community=community, title="Fokusgruppe")
        client = as_user(people[role])
        assert "Ja, slett møtet" in client.get(meeting_url(meeting, "delete")).text
        response = client.post(meeting_url(meeting, "delete"), {"version": meeting.version})
        meetings = reverse("partnerships:meeting_list", args=[community.slug])
        assert response.headers["Location"] == meetings
        assert not Meeting.objects.exists()
        row = Meeting.history.get(id=meeting.pk, history_type="-")
        assert row.history_user == people[role]
        listing = client.get(meetings)
        assert "Møtet «Fokusgruppe» er slettet." in listing.text
        deleted = listing.text[listing.text.index('id="deleted"') :]
        assert "Fokusgruppe" in deleted
        # A second press of the button lands on the list that says it is deleted.
        again = client.post(meeting_url(meeting, "delete"), {"version": meeting.version})
        assert again.headers["Location"] == meetings + "#deleted"

    def test_others_are_refused_and_nothing_is_deleted(self, as_user, community):
        meeting = MeetingFactory(community=community)
        outsider = UserFactory(partners=[CommunityPartnerFactory().partner])
        before = state()
        for client in (as_user(outsider),):
            assert client.get(meeting_url(meeting, "delete")).status_code == 403
            post = client.post(meeting_url(meeting, "delete"), {"version": meeting.version})
            assert post.status_code == 403
        anonymous = as_user(None).post(meeting_url(meeting, "delete"), {"version": 1})
        assert anonymous.status_code == 302
        assert state() == before

    def test_a_meeting_changed_meanwhile_is_not_deleted(self, as_user, evaluator, community):
        meeting = MeetingFactory(community=community)
        Meeting.objects.filter(pk=meeting.pk).update(version=2)
        response = as_user(evaluator).post(meeting_url(meeting, "delete"), {"version": 1})
        assert response.status_code == 409
        assert Meeting.objects.filter(pk=meeting.pk).exists()

    def test_a_deleted_meeting_leaves_the_evaluation(self, as_user, evaluator, community):
        meeting = meeting_create(
            community=community,
            user=evaluator,
            data={"kind": "focus_group", "title": "Registrert to ganger", "date": "2026-03-01"},
        )
        url = reverse("partnerships:community_evaluation", args=[community.slug]) + "?year=2026"
        client = as_user(evaluator)
        assert "Registrert to ganger" in client.get(url).text
        client.post(meeting_url(meeting, "delete"), {"version": meeting.version}, follow=True)
        assert "Registrert to ganger" not in client.get(url).text


class TestOthersPresent:
    def test_counts_of_parents_pupils_and_others_are_recorded_and_shown(
        self, as_user, evaluator, community
    ):
        url = reverse("partnerships:meeting_create", args=[community.slug])
        data = {
            "kind": "focus_group",
            "title": "Foreldremøte",
            "date": "2026-03-01",
            "parents_present": "4",
            "pupils_present": "12",
            "others_present": "",
        }
        client = as_user(evaluator)
        response = client.post(url, data)
        meeting = Meeting.objects.get()
        assert response.headers["Location"] == meeting.get_absolute_url()
        assert (meeting.parents_present, meeting.pupils_present, meeting.others_present) == (
            4,
            12,
            0,
        )
        page = client.get(meeting.get_absolute_url()).text
        assert "4 foreldre" in page and "12 elever" in page
        listing = client.get(reverse("partnerships:meeting_list", args=[community.slug])).text
        assert "Andre til stede: 4 foreldre, 12 elever" in " ".join(listing.split())

    @pytest.mark.parametrize("value", ["-1", "tolv", "100000"])
    def test_bad_counts_are_a_message_next_to_the_field(self, as_user, evaluator, community, value):
        url = reverse("partnerships:meeting_create", args=[community.slug])
        data = {"kind": "other", "title": "Møte", "date": "2026-03-01", "pupils_present": value}
        response = as_user(evaluator).post(url, data)
        assert response.status_code == 200
        assert response.context["form"].errors["pupils_present"]
        assert not Meeting.objects.exists()
