"""Nothing anyone saves is lost: versions and the three-way merge of shared records."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from measures.models import MeasurePartner, Report
from measures.services import measure_update, report_create, report_update
from partnerships.models import Meeting
from partnerships.services import meeting_create, meeting_update
from partnerships.versioning import MINE, THEIRS, VersionConflict, three_way_merge
from tests.factories import CommunityPartnerFactory, target_group

pytestmark = pytest.mark.django_db


class TestThreeWayMerge:
    BASE = {"title": "Åpen hall", "venue": "Hallen", "schedule": "Fredager"}

    def test_a_field_only_they_changed_keeps_their_value(self):
        merge = three_way_merge(self.BASE, {**self.BASE, "venue": "Sal B"}, self.BASE)
        assert merge.values["venue"] == "Sal B"
        assert (merge.conflicts, merge.theirs_changed) == ((), ("venue",))

    def test_a_field_only_i_changed_takes_my_value(self):
        merge = three_way_merge(self.BASE, self.BASE, {**self.BASE, "title": "Ny"})
        assert merge.values["title"] == "Ny"
        assert merge.mine_changed == ("title",)

    def test_different_fields_are_combined(self):
        merge = three_way_merge(
            self.BASE, {**self.BASE, "venue": "Sal B"}, {**self.BASE, "schedule": "Lørdager"}
        )
        assert merge.values == {"title": "Åpen hall", "venue": "Sal B", "schedule": "Lørdager"}
        assert not merge.conflicts

    def test_the_same_change_by_both_is_no_conflict(self):
        both = {**self.BASE, "venue": "Sal B"}
        assert not three_way_merge(self.BASE, both, both).conflicts

    def test_a_field_both_changed_needs_a_choice_and_keeps_theirs_until_then(self):
        theirs, mine = {**self.BASE, "venue": "Sal B"}, {**self.BASE, "venue": "Sal C"}
        merge = three_way_merge(self.BASE, theirs, mine)
        assert (merge.conflicts, merge.values["venue"]) == (("venue",), "Sal B")
        assert three_way_merge(self.BASE, theirs, mine, {"venue": MINE}).values["venue"] == "Sal C"
        chosen = three_way_merge(self.BASE, theirs, mine, {"venue": THEIRS})
        assert (chosen.values["venue"], chosen.conflicts) == ("Sal B", ())

    def test_members_of_a_relation_merge_one_by_one(self):
        base = {"partner:1": "Leder", "partner:2": ""}
        theirs = {"partner:1": "Leder", "partner:2": "", "partner:3": "Låner hallen"}  # added 3
        mine = {"partner:1": "Leder og trener"}  # removed 2, changed 1
        merge = three_way_merge(base, theirs, mine)
        assert not merge.conflicts
        assert merge.values == {
            "partner:1": "Leder og trener",
            "partner:2": None,
            "partner:3": "Låner hallen",
        }

    def test_without_the_loaded_version_every_difference_needs_a_choice(self):
        merge = three_way_merge(None, {**self.BASE, "venue": "Sal B"}, self.BASE)
        assert merge.conflicts == ("venue",)


def edit(measure, user, version, **changes):
    """A partner's save of the measure's edit form, loaded at ``version``."""
    return measure_update(measure=measure, user=user, version=version, data=changes)


class TestMeasureMerge:
    def test_partners_contributions_and_target_groups_merge_like_fields(
        self, measure, partner_user, other_partner_user
    ):
        school = other_partner_user.partners.get()
        lead = measure.lead_partner
        measure_update(
            measure=measure,
            user=other_partner_user,
            version=1,
            data={},
            partners=[lead, school],
            contributions={school.pk: "Låner ut gymsalen"},
            target_groups=[target_group("13–19 år")],
        )
        # The club, from version 1: its own contribution and another target group.
        saved = measure_update(
            measure=measure,
            user=partner_user,
            version=1,
            data={"schedule": "Fredager 19–23"},
            partners=[lead],
            contributions={lead.pk: "Har ansvaret"},
            target_groups=[target_group("6–12 år")],
        )
        links = dict(saved.partner_links.values_list("partner__name", "contribution"))
        assert links == {lead.name: "Har ansvaret", school.name: "Låner ut gymsalen"}
        assert {g.name for g in saved.target_groups.all()} == {"6–12 år", "13–19 år"}
        assert (saved.schedule, saved.version) == ("Fredager 19–23", 3)
        latest = saved.history.latest()  # the merge is one history row, with both partners
        assert latest.history_user == partner_user
        assert {row.partner_id for row in latest.partners.all()} == {lead.pk, school.pk}

    def test_a_contribution_both_changed_is_a_choice(self, measure, partner_user, staff):
        lead = measure.lead_partner
        for user, text in ((staff, "Deres tekst"), (partner_user, "Min tekst")):
            try:
                measure_update(
                    measure=measure,
                    user=user,
                    version=1,
                    data={},
                    partners=[lead],
                    contributions={lead.pk: text},
                )
            except VersionConflict as conflict:
                assert [(c.label, c.theirs, c.mine) for c in conflict.conflicts] == [
                    (f"Partner: {lead.name}", "Deres tekst", "Min tekst")
                ]
        assert MeasurePartner.objects.get(measure=measure).contribution == "Deres tekst"

    def test_a_choice_made_against_an_older_version_does_not_count(
        self, measure, partner_user, staff
    ):
        edit(measure, staff, 1, venue="Sal B")
        with pytest.raises(VersionConflict):
            edit(measure, partner_user, 1, venue="Sal C")
        edit(measure, staff, 2, venue="Sal D")  # a third save, after the choice was offered

        def keep_mine(seen_version: int):
            return measure_update(
                measure=measure,
                user=partner_user,
                version=1,
                data={"venue": "Sal C"},
                seen_version=seen_version,
                resolutions={"venue": MINE},
            )

        with pytest.raises(VersionConflict) as conflict:
            keep_mine(seen_version=2)
        assert conflict.value.conflicts[0].theirs == "Sal D"
        saved = keep_mine(seen_version=3)
        assert (saved.venue, saved.version) == ("Sal C", 4)

    def test_the_lead_partner_is_one_of_the_partners_in_the_database_too(self, measure):
        if connection.vendor != "postgresql":
            pytest.skip("the composite foreign key exists on PostgreSQL only (see 0009)")
        with pytest.raises(IntegrityError), transaction.atomic():
            MeasurePartner.objects.filter(measure=measure, partner=measure.lead_partner).delete()
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class TestMeasurePage:
    def test_a_third_save_after_the_conflict_page_asks_again(
        self, as_user, measure, partner_user, staff
    ):
        from tests.test_measure_views import measure_form_data

        url = reverse("measures:update", args=[measure.pk])
        as_user(staff).post(url, measure_form_data(measure, venue="Sal B"))
        client = as_user(partner_user)
        page = client.post(url, measure_form_data(measure, venue="Sal C"))
        reviewed = page.context["form"].data.copy()
        reviewed["resolve_venue"] = "mine"
        edit(measure, staff, 2, venue="Sal D")
        again = client.post(url, reviewed)
        assert again.status_code == 200
        assert "Sal D" in again.text
        measure.refresh_from_db()
        assert (measure.venue, measure.version) == ("Sal D", 3)

    def test_their_other_changes_are_shown_in_the_form(self, as_user, measure, partner_user, staff):
        from tests.test_measure_views import measure_form_data

        url = reverse("measures:update", args=[measure.pk])
        school = CommunityPartnerFactory(community=measure.community, partner__name="Skolen")
        as_user(staff).post(
            url,
            measure_form_data(
                measure,
                venue="Sal B",
                title="Åpen hall for alle",
                partners=[measure.lead_partner.pk, school.partner.pk],
                **{f"contribution_{school.partner.pk}": "Låner ut salen"},
            ),
        )
        page = as_user(partner_user).post(url, measure_form_data(measure, venue="Sal C"))
        form = page.context["form"]
        assert form.data["title"] == "Åpen hall for alle"  # only they changed it
        assert form.data["venue"] == "Sal C"  # both changed it: the form keeps mine
        assert str(school.partner.pk) in form.data.getlist("partners")
        assert form.data[f"contribution_{school.partner.pk}"] == "Låner ut salen"


def report_data(**changes):
    return {
        "period_start": datetime.date(2026, 3, 1),
        "period_end": datetime.date(2026, 3, 31),
        "sessions": 4,
        "participants": 80,
        "girls": 30,
        "volunteers": 3,
        "volunteer_hours": 12,
        "note": "",
        **changes,
    }


class TestReports:
    def test_corrections_of_different_counts_are_combined(
        self, measure, partner_user, other_partner_user
    ):
        report = report_create(measure=measure, user=partner_user, data=report_data())
        report_update(report=report, user=partner_user, version=1, data=report_data(girls=35))
        saved = report_update(
            report=report, user=other_partner_user, version=1, data=report_data(volunteers=5)
        )
        assert (saved.girls, saved.volunteers, saved.version) == (35, 5, 3)

    def test_the_same_count_corrected_twice_is_a_choice_on_the_page(
        self, as_user, measure, partner_user, staff
    ):
        report = report_create(measure=measure, user=partner_user, data=report_data())
        url = reverse("measures:report_update", args=[report.pk])
        form = {
            "period_start": "2026-03-01",
            "period_end": "2026-03-31",
            "sessions": "4",
            "participants": "80",
            "girls": "30",
            "volunteers": "3",
            "volunteer_hours": "12",
            "note": "",
            "version": "1",
        }
        assert as_user(staff).post(url, {**form, "participants": "85"}).status_code == 302
        client = as_user(partner_user)
        page = client.post(url, {**form, "participants": "90", "note": "Fullt hus"})
        assert page.status_code == 200
        choices = page.context["conflict_choices"]
        assert [(c["label"], c["theirs"], c["mine"]) for c in choices] == [
            ("Deltakere", "85", "90")
        ]
        report.refresh_from_db()
        assert (report.participants, report.note, report.version) == (85, "", 2)
        chosen = page.context["form"].data.copy()
        chosen["resolve_participants"] = "mine"
        assert client.post(url, chosen).status_code == 302
        report.refresh_from_db()
        assert (report.participants, report.note, report.version) == (90, "Fullt hus", 3)


class TestMeetings:
    def test_a_meeting_edit_is_versioned_with_its_partners_present(
        self, community, measure, partner_user, evaluator
    ):
        club = measure.lead_partner
        school = CommunityPartnerFactory(community=community, partner__name="Skolen").partner
        data = {
            "kind": Meeting.Kind.FOCUS_GROUP,
            "title": "Fokusgruppe",
            "date": datetime.date(2026, 2, 8),
            "venue": "",
            "minutes": "",
        }
        meeting = meeting_create(
            community=community, user=evaluator, data=data, partners_present=[club]
        )
        meeting_update(
            meeting=meeting,
            user=partner_user,
            version=1,
            data={**data, "minutes": "Referat"},
            partners_present=[club],
        )
        saved = meeting_update(
            meeting=meeting,
            user=evaluator,
            version=1,
            data={**data, "venue": "Skolen"},
            partners_present=[club, school],
        )
        assert (saved.minutes, saved.venue, saved.version) == ("Referat", "Skolen", 3)
        assert set(saved.partners_present.all()) == {club, school}
        assert [r.history_user for r in saved.history.order_by("history_id")] == [
            evaluator,
            partner_user,
            evaluator,
        ]
        with pytest.raises(VersionConflict) as conflict:
            meeting_update(
                meeting=meeting, user=evaluator, version=2, data={**data, "venue": "Hallen"}
            )
        assert [(c.label, c.theirs, c.mine) for c in conflict.value.conflicts] == [
            ("Sted", "Skolen", "Hallen")
        ]


class TestDateWindow:
    @pytest.mark.parametrize("day", [datetime.date(202, 3, 1), datetime.date(2099, 1, 1)])
    def test_a_report_outside_the_window_is_refused_with_a_message(
        self, as_user, measure, partner_user, day
    ):
        response = as_user(partner_user).post(
            reverse("measures:report_create", args=[measure.pk]),
            {
                "period_start": day.isoformat(),
                "participants": "10",
                "sessions": "1",
                "volunteers": "0",
                "volunteer_hours": "0",
            },
        )
        assert response.status_code == 200
        assert "Skriv en dato mellom 01.01.2000 og 31.12." in str(
            response.context["form"].errors["period_start"]
        )
        assert not Report.objects.exists()

    def test_the_services_refuse_it_too(self, measure, partner_user, community, evaluator):
        with pytest.raises(ValidationError):
            report_create(
                measure=measure,
                user=partner_user,
                data=report_data(period_start=datetime.date(202, 3, 1)),
            )
        with pytest.raises(ValidationError):
            edit(measure, partner_user, 1, started_on=datetime.date(1999, 12, 31))
        with pytest.raises(ValidationError):
            meeting_create(
                community=community,
                user=evaluator,
                data={"kind": "other", "title": "Møte", "date": datetime.date(202, 1, 1)},
            )
