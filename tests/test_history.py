"""Every change of a measure is kept: one history row per save, shown field by field."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from measures.models import Measure, Report
from measures.services import (
    measure_create,
    measure_set_archived,
    measure_update,
    report_create,
    report_update,
)
from tests.factories import CommunityPartnerFactory, target_group

pytestmark = pytest.mark.django_db


def partners_in(record) -> dict[str, str]:
    return {row.partner.name: row.contribution for row in record.partners.all()}


def groups_in(record) -> set[str]:
    return {row.targetgroup.name for row in record.target_groups.all()}


class TestOneRowPerSave:
    def test_create_writes_one_row_holding_partners_and_target_groups(
        self, community, partner_user
    ):
        club = partner_user.partners.get()
        school = CommunityPartnerFactory(community=community, partner__name="Skolen").partner
        measure = measure_create(
            community=community,
            user=partner_user,
            data={"title": "Fargeløpet", "summary": "Løp i farger.", "lead_partner": club},
            partners=[club, school],
            target_groups=[target_group("6–12 år")],
            contributions={school.pk: "Låner ut skolegården"},
        )
        [record] = measure.history.all()
        assert record.history_type == "+"
        assert record.history_user == partner_user
        assert partners_in(record) == {club.name: "", "Skolen": "Låner ut skolegården"}
        assert groups_in(record) == {"6–12 år"}

    def test_an_edit_is_one_row_with_the_new_partners_and_groups(
        self, measure, partner_user, other_partner_user
    ):
        school = other_partner_user.partners.get()
        before = measure.history.count()
        measure_update(
            measure=measure,
            user=partner_user,
            version=measure.version,
            data={"title": "Åpen hall fredag", "schedule": "Fredager 19–23"},
            partners=[measure.lead_partner, school],
            target_groups=[target_group("13–19 år"), target_group("20–25 år")],
            contributions={school.pk: "Låner ut gymsalen"},
        )
        assert measure.history.count() == before + 1
        record = measure.history.latest()
        assert record.title == "Åpen hall fredag"
        assert record.version == 2
        assert record.history_user == partner_user
        assert partners_in(record) == {measure.lead_partner.name: "", "Skolen": "Låner ut gymsalen"}
        assert groups_in(record) == {"13–19 år", "20–25 år"}

    def test_archive_and_restore_are_a_row_each_with_their_reason(self, measure, partner_user):
        measure_set_archived(measure=measure, user=partner_user, archived=True)
        measure_set_archived(measure=measure, user=partner_user, archived=True)  # no change
        measure_set_archived(measure=measure, user=partner_user, archived=False)
        reasons = list(
            measure.history.order_by("history_id").values_list("history_change_reason", flat=True)
        )
        assert reasons[-2:] == ["archived", "restored"]

    def test_reports_keep_their_history_with_who(self, measure, partner_user, other_partner_user):
        report = report_create(
            measure=measure,
            user=partner_user,
            data={"period_start": datetime.date(2026, 3, 6), "participants": 20},
        )
        report_update(report=report, user=other_partner_user, version=1, data={"participants": 23})
        rows = list(report.history.order_by("history_id"))
        assert [(r.history_type, r.participants, r.history_user) for r in rows] == [
            ("+", 20, partner_user),
            ("~", 23, other_partner_user),
        ]


class TestHistoryPage:
    def edit_twice(self, measure, partner_user, other_partner_user):
        measure_update(
            measure=measure,
            user=partner_user,
            version=1,
            data={"schedule": "Fredager 19–23"},
            partners=[measure.lead_partner],
        )
        measure_update(
            measure=measure,
            user=other_partner_user,
            version=2,
            data={"status": Measure.Status.PAUSED, "started_on": datetime.date(2026, 1, 9)},
            partners=[measure.lead_partner, other_partner_user.partners.get()],
        )

    def test_tells_who_changed_what_when(
        self, as_user, community, partner_user, other_partner_user
    ):
        other_partner_user.first_name, other_partner_user.last_name = "Sara", "Skole"
        other_partner_user.save()
        club = partner_user.partners.get()
        measure = measure_create(
            community=community,
            user=partner_user,
            data={"title": "Aktiv senior", "summary": "Trening.", "lead_partner": club},
            partners=[club],
        )
        self.edit_twice(measure, partner_user, other_partner_user)
        response = as_user(partner_user).get(reverse("measures:history", args=[measure.pk]))
        assert response.status_code == 200
        changes = response.context["changes"]
        assert [change.record.history_user for change in changes[:2]] == [
            other_partner_user,
            partner_user,
        ]
        newest = {field.label: (field.before, field.after) for field in changes[0].fields}
        assert newest["Status"] == ("Planlagt", "På pause")
        assert newest["Startdato"] == ("–", "09.01.2026")
        assert newest["Partnere"][1].endswith("Skolen")
        older = {field.label: (field.before, field.after) for field in changes[1].fields}
        assert older == {"Tidspunkt": ("–", "Fredager 19–23")}
        text = re.sub(r"\s+", " ", response.text)
        assert "Sara Skole (Skolen)" in text
        assert "endret tiltaket" in text

    def test_times_are_oslo_time(self, as_user, measure, partner_user):
        measure_update(measure=measure, user=partner_user, version=1, data={"venue": "Hallen"})
        record = measure.history.latest()
        record.history_date = datetime.datetime(2026, 7, 1, 10, 30, tzinfo=datetime.UTC)
        record.save()
        response = as_user(partner_user).get(reverse("measures:history", args=[measure.pk]))
        assert "1. juli 2026 kl. 12:30" in response.text  # summer time, UTC+2

    def test_readers_see_it_too(self, as_user, evaluator, measure):
        response = as_user(evaluator).get(reverse("measures:history", args=[measure.pk]))
        assert response.status_code == 200

    def test_anonymous_is_sent_to_log_in(self, client, measure):
        response = client.get(reverse("measures:history", args=[measure.pk]))
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))

    @pytest.mark.parametrize("edits", [2, 30])
    def test_twenty_changes_a_page(self, as_user, measure, partner_user, edits):
        for version in range(1, edits + 1):
            measure_update(
                measure=measure,
                user=partner_user,
                version=version,
                data={"schedule": f"Uke {version}"},
                target_groups=[target_group("Alle")],
            )
        response = as_user(partner_user).get(reverse("measures:history", args=[measure.pk]))
        assert len(response.context["changes"]) == min(edits + 1, 20)

    def test_the_last_change_on_a_page_is_compared_with_the_one_before_it(
        self, as_user, measure, partner_user
    ):
        for version in range(1, 22):
            measure_update(
                measure=measure,
                user=partner_user,
                version=version,
                data={"venue": f"Sal {version}"},
            )
        response = as_user(partner_user).get(reverse("measures:history", args=[measure.pk]))
        last_on_page = response.context["changes"][-1]
        assert [(f.before, f.after) for f in last_on_page.fields] == [("Sal 1", "Sal 2")]


class TestAdmin:
    def change_url(self, measure):
        return reverse("admin:measures_measure_change", args=[measure.pk])

    def post_data(self, measure, **changes):
        from tests.test_admin import measure_post_data

        links = list(measure.partner_links.all())
        data = measure_post_data(measure, [link.partner for link in links], **changes)
        data["partner_links-INITIAL_FORMS"] = str(len(links))
        for i, link in enumerate(links):
            data[f"partner_links-{i}-id"] = link.pk
            data[f"partner_links-{i}-measure"] = measure.pk
        data["reports-TOTAL_FORMS"] = "0"
        return data

    def test_a_change_goes_through_the_service_as_one_row(self, as_user, staff, measure):
        before = measure.history.count()
        response = as_user(staff).post(
            self.change_url(measure),
            self.post_data(measure, title="Åpen hall (admin)", loaded_version=1),
        )
        assert response.status_code == 302
        measure.refresh_from_db()
        assert (measure.title, measure.version, measure.updated_by) == (
            "Åpen hall (admin)",
            2,
            staff,
        )
        assert measure.history.count() == before + 1
        assert measure.history.latest().history_user == staff

    def test_a_stale_admin_form_is_merged_with_what_was_saved_meanwhile(
        self, as_user, staff, measure, partner_user
    ):
        measure_update(measure=measure, user=partner_user, version=1, data={"venue": "Hallen"})
        response = as_user(staff).post(
            self.change_url(measure),
            self.post_data(measure, title="Admins tittel", loaded_version=1),
        )
        assert response.status_code == 302
        measure.refresh_from_db()
        assert (measure.title, measure.venue, measure.version) == ("Admins tittel", "Hallen", 3)

    def test_a_field_both_changed_in_admin_asks_which_to_keep(
        self, as_user, staff, measure, partner_user
    ):
        measure_update(measure=measure, user=partner_user, version=1, data={"title": "Deres"})
        client = as_user(staff)
        stale = self.post_data(measure, title="Admins tittel", loaded_version=1)
        response = client.post(self.change_url(measure), stale)
        assert response.status_code == 200
        assert "etter at du åpnet skjemaet" in response.text
        assert 'value="Admins tittel"' in response.text  # the input is kept
        assert 'name="keep_mine" value="title"' in response.text
        measure.refresh_from_db()
        assert (measure.title, measure.version) == ("Deres", 2)

        form = response.context["adminform"].form
        choose = {**stale, "seen_version": "2", "offered_keys": form.data["offered_keys"]}
        assert client.post(self.change_url(measure), choose).status_code == 302
        measure.refresh_from_db()
        assert (measure.title, measure.version) == ("Deres", 3)  # unticked: theirs is kept

        choose = {**stale, "seen_version": "3", "offered_keys": "title", "keep_mine": "title"}
        measure_update(measure=measure, user=partner_user, version=3, data={"title": "Igjen"})
        refused = client.post(self.change_url(measure), choose)  # chosen against version 3
        assert refused.status_code == 200
        choose["seen_version"] = "4"
        assert client.post(self.change_url(measure), choose).status_code == 302
        measure.refresh_from_db()
        assert (measure.title, measure.version) == ("Admins tittel", 5)

    def test_history_can_be_read_but_not_reverted(self, as_user, staff, measure, partner_user):
        measure_update(measure=measure, user=partner_user, version=1, data={"venue": "Hallen"})
        client = as_user(staff)
        first = measure.history.earliest()
        history_url = reverse("admin:measures_measure_history", args=[measure.pk])
        assert client.get(history_url).status_code == 200
        old_url = reverse("admin:measures_measure_simple_history", args=[measure.pk, first.pk])
        page = client.get(old_url)
        assert page.status_code == 200
        assert "Gå tilbake" not in page.text and "Revert" not in page.text
        response = client.post(old_url, self.post_data(measure, venue="", loaded_version=2))
        assert response.status_code == 403
        measure.refresh_from_db()
        assert (measure.venue, measure.version) == ("Hallen", 2)

    def test_report_admin_saves_through_the_service(self, as_user, staff, measure):
        report = Report.objects.create(
            measure=measure, period_start=datetime.date(2026, 3, 6), participants=20
        )
        response = as_user(staff).post(
            reverse("admin:measures_report_change", args=[report.pk]),
            {
                "measure": measure.pk,
                "period_start": "2026-03-06",
                "period_end": "2026-03-06",
                "sessions": "1",
                "participants": "23",
                "girls": "",
                "volunteers": "0",
                "volunteer_hours": "0",
                "note": "",
                "loaded_version": "1",
            },
        )
        assert response.status_code == 302
        latest = report.history.latest()
        assert (latest.participants, latest.history_user) == (23, staff)


def test_dashboard_links_a_change_to_its_place_in_the_history(
    as_user, measure, partner_user, other_partner_user
):
    measure_update(measure=measure, user=other_partner_user, version=1, data={"venue": "Hallen"})
    record = measure.history.latest()
    response = as_user(partner_user).get("/")
    assert f"/measures/{measure.pk}/history/#change-{record.history_id}" in response.text
    assert timezone.localtime(record.history_date).strftime("%d.%m.%Y") in response.text
