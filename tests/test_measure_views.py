import datetime

import pytest
from django.urls import reverse

from measures.models import Measure, MeasurePartner, Report
from tests.factories import (
    CommunityFactory,
    CommunityPartnerFactory,
    MeasureFactory,
    ReportFactory,
    UserFactory,
    target_group,
)

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "evaluator", "other_partner", "partner", "staff"]


def snapshot(measure):
    """What a refused request must leave untouched."""
    measure.refresh_from_db()
    return (
        measure.title,
        measure.schedule,
        measure.version,
        measure.is_archived,
        set(measure.partner_links.values_list("partner_id", "contribution")),
        Report.objects.count(),
        list(Report.objects.values_list("participants", flat=True)),
    )


def measure_form_data(measure, **changes):
    data = {
        "title": measure.title,
        "summary": measure.summary,
        "description": "Hallen er åpen.",
        "status": measure.status,
        "lead_partner": measure.lead_partner.pk,
        "partners": [measure.lead_partner.pk],
        "target_groups": [target_group("13–19 år").pk],
        "schedule": "Fredager 19–23",
        "venue": "Konnerudhallen",
        "started_on": "",
        "ended_on": "",
        "version": measure.version,
    }
    data.update(changes)
    return data


def report_form_data(**changes):
    data = {
        "period_start": "2026-11-20",
        "period_end": "",
        "sessions": "1",
        "participants": "23",
        "girls": "11",
        "volunteers": "3",
        "volunteer_hours": "7,5",
        "note": "God stemning.",
        "version": "1",  # the version a form for an existing report was loaded at
    }
    data.update(changes)
    return data


class TestReadPages:
    @pytest.mark.parametrize("role", ROLES)
    def test_every_logged_in_user_reads_list_and_measure(self, as_user, people, measure, role):
        client = as_user(people[role])
        for url in (reverse("measures:list"), measure.get_absolute_url()):
            response = client.get(url)
            if role == "anonymous":
                assert response.status_code == 302
                assert response.headers["Location"].startswith(reverse("login"))
            else:
                assert response.status_code == 200
                assert "Åpen hall" in response.text

    @pytest.mark.parametrize(
        ("role", "sees_buttons"),
        [("evaluator", False), ("other_partner", False), ("partner", True), ("staff", True)],
    )
    def test_edit_buttons_only_for_those_allowed(
        self, as_user, people, measure, role, sees_buttons
    ):
        response = as_user(people[role]).get(measure.get_absolute_url())
        edit_url = reverse("measures:update", args=[measure.pk])
        assert (edit_url in response.text) is sees_buttons
        assert (reverse("measures:report_create", args=[measure.pk]) in response.text) is (
            sees_buttons
        )

    def test_measure_page_shows_partners_contributions_and_reports_newest_first(
        self, as_user, partner_user, measure
    ):
        MeasurePartner.objects.filter(measure=measure).update(contribution="Låner ut hallen")
        ReportFactory(measure=measure, period_start=datetime.date(2026, 1, 9), participants=17)
        ReportFactory(measure=measure, period_start=datetime.date(2026, 2, 6), participants=31)
        response = as_user(partner_user).get(measure.get_absolute_url())
        text = response.text
        assert "Låner ut hallen" in text
        assert text.index("06.02.2026") < text.index("09.01.2026")

    def test_missing_or_non_numeric_ids_are_404(self, as_user, partner_user):
        client = as_user(partner_user)
        assert client.get("/measures/999999/").status_code == 404
        assert client.get("/measures/abc/").status_code == 404
        assert client.get("/reports/999999/edit/").status_code == 404

    @pytest.mark.parametrize("page", ["abc", "999", "-1"])
    def test_bad_page_numbers_are_404(self, as_user, partner_user, measure, page):
        client = as_user(partner_user)
        assert client.get(reverse("measures:list"), {"page": page}).status_code == 404
        assert client.get(measure.get_absolute_url(), {"page": page}).status_code == 404


class TestMeasureList:
    def test_search_is_case_insensitive_for_norwegian_letters(self, as_user, partner_user):
        community = CommunityFactory()
        MeasureFactory(community=community, title="Åpen hall")
        MeasureFactory(community=community, title="Fargeløpet", summary="ÆRLIG MORO")
        MeasureFactory(community=community, title="Aktiv senior")
        client = as_user(partner_user)

        def titles(**params):
            response = client.get(reverse("measures:list"), params)
            return sorted(m.title for m in response.context["object_list"])

        assert titles(q="åpen") == ["Åpen hall", "Åpen hall"]  # and the fixture's
        assert titles(q="FARGELØP") == ["Fargeløpet"]
        assert titles(q="ærlig") == ["Fargeløpet"]
        assert titles(q="senior aktiv") == ["Aktiv senior"]
        assert titles(q="finnes ikke") == []

    def test_search_ignores_accents_and_reads_the_venue(self, as_user, partner_user):
        community = CommunityFactory()
        MeasureFactory(community=community, title="Åpen hall", venue="Gymsalen")
        MeasureFactory(community=community, title="Kafé", venue="Klubbhuset på Øvre Konnerud")
        client = as_user(partner_user)

        def titles(q):
            response = client.get(reverse("measures:list"), {"q": q})
            shown = response.context["object_list"]
            return sorted(m.title for m in shown if m.community == community)

        assert titles("apen hall") == ["Åpen hall"]  # typed without å, as on a phone
        assert titles("APEN") == ["Åpen hall"]
        assert titles("kafe") == ["Kafé"]
        assert titles("Kafé") == ["Kafé"]
        assert titles("ovre konnerud") == ["Kafé"]  # the venue
        assert titles("gymsalen åpen") == ["Åpen hall"]

    def test_filters_combine_and_stay_in_the_pagination_links(self, as_user, partner_user):
        community = CommunityFactory(slug="konnerud-2")
        youth = target_group("13–19 år")
        for n in range(25):
            measure = MeasureFactory(community=community, title=f"Ungdom {n:02}")
            measure.target_groups.add(youth)
        MeasureFactory(community=community, title="Ungdom pauset", status=Measure.Status.PAUSED)
        params = {"community": "konnerud-2", "status": "active", "target_group": youth.pk}
        response = as_user(partner_user).get(reverse("measures:list"), params)
        assert response.context["paginator"].count == 25
        assert len(response.context["object_list"]) == 20
        assert "community=konnerud-2&amp;status=active&amp;target_group=" in response.text
        assert "page=2" in response.text

    def test_a_year_shows_the_measures_of_that_year_and_its_exports_count_that_year(
        self, as_user, partner_user, measure
    ):
        community = measure.community
        older = MeasureFactory(
            community=community, title="Balansebarna", started_on=datetime.date(2024, 8, 1)
        )
        ReportFactory(measure=older, period_start=datetime.date(2025, 3, 1))
        ended = MeasureFactory(
            community=community,
            title="Gammelt tiltak",
            status="ended",
            started_on=datetime.date(2020, 1, 1),
            ended_on=datetime.date(2023, 6, 1),
        )
        response = as_user(partner_user).get(
            reverse("measures:list"), {"community": community.slug, "year": "2025"}
        )
        # The fixture's measure was entered today without a start date: not there in 2025.
        assert list(response.context["object_list"]) == [older]
        assert ended not in response.context["object_list"]
        html = response.text
        assert '<option value="2025" selected>2025</option>' in html
        assert f"/measures/export.xlsx?community={community.slug}&amp;year=2025" in html
        assert "Nedlastingene har disse tiltakene med tallene for 2025." in html
        assert "Alle rapportene for disse tiltakene (CSV)" in html
        assert "Åpne Excel-filen (XLSX) i et regneark" in html

    def test_partner_filter(self, as_user, partner_user, measure):
        other = MeasureFactory(community=measure.community)
        response = as_user(partner_user).get(
            reverse("measures:list"), {"partner": measure.lead_partner.slug}
        )
        assert list(response.context["object_list"]) == [measure]
        assert other not in response.context["object_list"]

    def test_archived_measures_are_hidden_unless_asked_for(self, as_user, partner_user, measure):
        MeasureFactory(community=measure.community, title="Gammelt", is_archived=True)
        client = as_user(partner_user)
        default = client.get(reverse("measures:list"))
        assert [m.title for m in default.context["object_list"]] == ["Åpen hall"]
        only = client.get(reverse("measures:list"), {"archived": "only"})
        assert [m.title for m in only.context["object_list"]] == ["Gammelt"]

    def test_unknown_filter_values_give_an_empty_list_not_an_error(self, as_user, partner_user):
        response = as_user(partner_user).get(
            reverse("measures:list"), {"community": "finnes-ikke", "status": "x"}
        )
        assert response.status_code == 200
        assert list(response.context["object_list"]) == []


class TestEditMeasure:
    @pytest.mark.parametrize(
        ("role", "status"),
        [("evaluator", 403), ("other_partner", 403), ("partner", 200), ("staff", 200)],
    )
    def test_who_may_open_the_form(self, as_user, people, measure, role, status):
        response = as_user(people[role]).get(reverse("measures:update", args=[measure.pk]))
        assert response.status_code == status

    @pytest.mark.parametrize("role", ["anonymous", "evaluator", "other_partner"])
    def test_refused_post_saves_nothing(self, as_user, people, measure, role):
        before = snapshot(measure)
        response = as_user(people[role]).post(
            reverse("measures:update", args=[measure.pk]),
            measure_form_data(measure, title="Kapret", schedule="Aldri"),
        )
        assert response.status_code == (302 if role == "anonymous" else 403)
        assert snapshot(measure) == before

    @pytest.mark.parametrize("role", ["partner", "staff"])
    def test_allowed_users_save_and_the_version_goes_up(self, as_user, people, measure, role):
        school = CommunityPartnerFactory(community=measure.community).partner
        data = measure_form_data(
            measure,
            schedule="Fredager 18–22",
            partners=[measure.lead_partner.pk, school.pk],
            **{f"contribution_{school.pk}": "Informerer elevene"},
        )
        response = as_user(people[role]).post(reverse("measures:update", args=[measure.pk]), data)
        assert response.status_code == 302
        measure.refresh_from_db()
        assert measure.schedule == "Fredager 18–22"
        assert measure.version == 2
        assert measure.updated_by == people[role]
        assert dict(measure.partner_links.values_list("partner_id", "contribution"))[school.pk] == (
            "Informerer elevene"
        )

    def test_lead_partner_is_always_kept_among_partners(self, as_user, partner_user, measure):
        school = CommunityPartnerFactory(community=measure.community).partner
        data = measure_form_data(measure, partners=[school.pk])
        as_user(partner_user).post(reverse("measures:update", args=[measure.pk]), data)
        assert set(measure.partners.all()) == {measure.lead_partner, school}

    @pytest.mark.parametrize(
        ("changes", "field", "message"),
        [
            ({"title": ""}, "title", "Feltet er påkrevet."),
            ({"summary": "x" * 301}, "summary", "300"),
            ({"title": "x" * 201}, "title", "200"),
            (
                {"started_on": "2026-05-01", "ended_on": "2026-04-01"},
                "ended_on",
                "Sluttdatoen kan ikke være før startdatoen.",
            ),
            ({"started_on": "32.13.2026"}, "started_on", "gyldig dato"),
            ({"status": "closed"}, "status", "gyldig valg"),
        ],
    )
    def test_bad_input_is_a_form_error_next_to_the_field(
        self, as_user, partner_user, measure, changes, field, message
    ):
        before = snapshot(measure)
        response = as_user(partner_user).post(
            reverse("measures:update", args=[measure.pk]), measure_form_data(measure, **changes)
        )
        assert response.status_code == 200
        errors = " ".join(response.context["form"].errors[field])
        assert message in errors
        assert snapshot(measure) == before

    def test_a_partner_from_another_community_is_refused(self, as_user, partner_user, measure):
        outsider = CommunityPartnerFactory(partner__name="Fremmed IL").partner
        before = snapshot(measure)
        response = as_user(partner_user).post(
            reverse("measures:update", args=[measure.pk]),
            measure_form_data(measure, partners=[measure.lead_partner.pk, outsider.pk]),
        )
        assert response.status_code == 200
        assert response.context["form"].errors["partners"]
        assert snapshot(measure) == before

    def test_the_form_offers_only_the_communitys_partners(self, as_user, partner_user, measure):
        outsider = CommunityPartnerFactory(partner__name="Fremmed IL").partner
        response = as_user(partner_user).get(reverse("measures:update", args=[measure.pk]))
        form = response.context["form"]
        assert outsider not in form.fields["partners"].queryset
        assert outsider not in form.fields["lead_partner"].queryset
        assert measure.lead_partner in form.fields["partners"].queryset
        assert "Fremmed IL" not in response.text

    def test_a_stale_save_is_merged_with_what_others_saved(
        self, as_user, partner_user, staff, measure
    ):
        url = reverse("measures:update", args=[measure.pk])
        loaded = measure_form_data(
            measure, venue="", description="", schedule="", target_groups=[]
        )  # the form as loaded: the measure as stored
        as_user(staff).post(url, {**loaded, "venue": "Sal B"})
        response = as_user(partner_user).post(url, {**loaded, "schedule": "Mitt forslag"})
        assert response.status_code == 302
        measure.refresh_from_db()
        assert (measure.schedule, measure.venue, measure.version) == ("Mitt forslag", "Sal B", 3)

    def test_a_field_both_changed_asks_which_to_keep_and_keeps_what_was_typed(
        self, as_user, partner_user, staff, measure
    ):
        as_user(staff).post(
            reverse("measures:update", args=[measure.pk]),
            measure_form_data(measure, schedule="Deres forslag"),
        )
        stale = measure_form_data(measure, schedule="Mitt forslag")
        response = as_user(partner_user).post(reverse("measures:update", args=[measure.pk]), stale)
        assert response.status_code == 200
        assert 'value="Mitt forslag"' in response.text  # the user's input is kept
        assert "Deres forslag" in response.text  # the newer value is shown
        measure.refresh_from_db()
        assert (measure.schedule, measure.version) == ("Deres forslag", 2)
        assert response.context["form"].data["seen_version"] == measure.version
        assert [save.history_user for save in response.context["conflict"].saves] == [staff]
        assert [c["label"] for c in response.context["conflict_choices"]] == ["Tidspunkt"]
        assert 'name="resolve_schedule" id="resolve_schedule-theirs" value="theirs" checked' in (
            response.text
        )
        assert "<title>Endre «Åpen hall»" in response.text

    def test_after_choosing_mine_both_edits_are_in_the_history(
        self, as_user, partner_user, staff, measure
    ):
        url = reverse("measures:update", args=[measure.pk])
        stale = measure_form_data(measure, schedule="Mitt forslag")
        as_user(staff).post(url, measure_form_data(measure, schedule="Deres forslag"))
        client = as_user(partner_user)
        reviewed = client.post(url, stale).context["form"].data.copy()
        reviewed["resolve_schedule"] = "mine"
        assert client.post(url, reviewed).status_code == 302
        measure.refresh_from_db()
        assert (measure.schedule, measure.version) == ("Mitt forslag", 3)
        assert [(r.schedule, r.history_user) for r in measure.history.order_by("-history_id")][
            :2
        ] == [("Mitt forslag", partner_user), ("Deres forslag", staff)]


class TestCreateMeasure:
    def test_partner_creates_a_measure_in_its_community(self, as_user, partner_user, measure):
        url = reverse("measures:create") + f"?community={measure.community.slug}"
        data = measure_form_data(measure, title="Fargeløpet", summary="Et løp for alle.")
        response = as_user(partner_user).post(url, data)
        created = Measure.objects.get(title="Fargeløpet")
        assert response.headers["Location"] == created.get_absolute_url()
        assert created.slug == "fargelopet"
        assert created.community == measure.community
        assert created.created_by == partner_user
        assert list(created.partners.all()) == [measure.lead_partner]

    def test_without_a_community_a_single_choice_redirects(self, as_user, partner_user, measure):
        response = as_user(partner_user).get(reverse("measures:create"))
        assert response.headers["Location"].endswith(f"?community={measure.community.slug}")

    @pytest.mark.parametrize(("role", "status"), [("evaluator", 403), ("other_partner", 200)])
    def test_who_may_create(self, as_user, people, measure, role, status):
        url = reverse("measures:create") + f"?community={measure.community.slug}"
        assert as_user(people[role]).get(url).status_code == status

    def test_a_partner_outside_the_community_is_refused(self, as_user, measure):
        outsider = UserFactory(partners=[CommunityPartnerFactory().partner])
        url = reverse("measures:create") + f"?community={measure.community.slug}"
        client = as_user(outsider)
        assert client.get(url).status_code == 403
        response = client.post(url, measure_form_data(measure, title="Nytt"))
        assert response.status_code == 403
        assert not Measure.objects.filter(title="Nytt").exists()

    def test_unknown_community_is_404(self, as_user, partner_user):
        url = reverse("measures:create") + "?community=finnes-ikke"
        assert as_user(partner_user).get(url).status_code == 404


class TestArchive:
    def test_partner_archives_and_restores_with_confirmation(self, as_user, partner_user, measure):
        client = as_user(partner_user)
        url = reverse("measures:archive", args=[measure.pk])
        assert 'name="action" value="archive"' in client.get(url).text
        client.post(url, {"action": "archive"})
        measure.refresh_from_db()
        assert measure.is_archived
        assert 'name="action" value="restore"' in client.get(url).text
        client.post(url, {"action": "restore"})
        measure.refresh_from_db()
        assert not measure.is_archived
        assert Measure.objects.filter(pk=measure.pk).exists()

    def test_archiving_twice_leaves_it_archived(
        self, as_user, partner_user, other_partner_user, measure
    ):
        """A double submit, or two partners pressing "archive" at once, is not a toggle."""
        MeasurePartner.objects.create(measure=measure, partner=other_partner_user.partners.get())
        url = reverse("measures:archive", args=[measure.pk])
        for user in (partner_user, other_partner_user, other_partner_user):
            as_user(user).post(url, {"action": "archive"})
        measure.refresh_from_db()
        assert (measure.is_archived, measure.version) == (True, 2)

    @pytest.mark.parametrize("data", [{}, {"action": "toggle"}, {"action": "archive\x00"}])
    def test_a_post_that_does_not_say_what_is_refused(self, as_user, partner_user, measure, data):
        before = snapshot(measure)
        response = as_user(partner_user).post(reverse("measures:archive", args=[measure.pk]), data)
        assert response.status_code == 400
        assert snapshot(measure) == before

    @pytest.mark.parametrize("role", ["anonymous", "evaluator", "other_partner"])
    def test_refused(self, as_user, people, measure, role):
        before = snapshot(measure)
        response = as_user(people[role]).post(reverse("measures:archive", args=[measure.pk]))
        assert response.status_code == (302 if role == "anonymous" else 403)
        assert snapshot(measure) == before


class TestReports:
    def test_partner_logs_a_report_and_sees_it(self, as_user, partner_user, measure):
        client = as_user(partner_user)
        response = client.post(
            reverse("measures:report_create", args=[measure.pk]), report_form_data()
        )
        assert response.status_code == 302
        report = measure.reports.get()
        assert report.participants == 23
        assert report.period_end == report.period_start  # one evening
        assert str(report.volunteer_hours) == "7.5"  # typed with a decimal comma
        assert report.reported_by == partner_user
        page = client.get(measure.get_absolute_url())
        assert "20.11.2026" in page.text

    def test_partner_corrects_a_report(self, as_user, partner_user, measure):
        report = ReportFactory(measure=measure)
        response = as_user(partner_user).post(
            reverse("measures:report_update", args=[report.pk]),
            report_form_data(participants="40", girls="20"),
        )
        assert response.status_code == 302
        report.refresh_from_db()
        assert report.participants == 40

    @pytest.mark.parametrize("role", ["anonymous", "evaluator", "other_partner"])
    def test_refused_posts_save_nothing(self, as_user, people, measure, role):
        report = ReportFactory(measure=measure, participants=20)
        before = snapshot(measure)
        client = as_user(people[role])
        new = client.post(reverse("measures:report_create", args=[measure.pk]), report_form_data())
        edit = client.post(
            reverse("measures:report_update", args=[report.pk]),
            report_form_data(participants="99"),
        )
        expected = 302 if role == "anonymous" else 403
        assert (new.status_code, edit.status_code) == (expected, expected)
        assert snapshot(measure) == before

    @pytest.mark.parametrize(("role", "status"), [("partner", 200), ("staff", 200)])
    def test_allowed_users_open_the_forms(self, as_user, people, measure, role, status):
        report = ReportFactory(measure=measure)
        client = as_user(people[role])
        assert client.get(reverse("measures:report_create", args=[measure.pk])).status_code == 200
        assert client.get(reverse("measures:report_update", args=[report.pk])).status_code == 200

    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"participants": "-1"}, "participants"),
            ({"participants": ""}, "participants"),
            ({"participants": "tjue"}, "participants"),
            ({"participants": "10", "girls": "11"}, "girls"),
            ({"period_start": "2026-11-20", "period_end": "2026-11-19"}, "period_end"),
            ({"period_start": ""}, "period_start"),
            ({"volunteers": "-3"}, "volunteers"),
            ({"volunteer_hours": "-2"}, "volunteer_hours"),
            ({"sessions": "99999999999"}, "sessions"),
            ({"note": "x" * 100_000}, "note"),
        ],
    )
    def test_bad_input_gives_a_form_error_and_saves_nothing(
        self, as_user, partner_user, measure, changes, field
    ):
        response = as_user(partner_user).post(
            reverse("measures:report_create", args=[measure.pk]), report_form_data(**changes)
        )
        assert response.status_code == 200
        assert response.context["form"].errors[field]
        assert not Report.objects.exists()


@pytest.mark.parametrize(
    "query",
    ["", "community=konnerud&status=active&archived=only", "status=x&community=finnes-ikke"],
)
def test_filter_selects_render_what_djangos_select_renders(community, measure, query):
    """The list's filters render their selects in Python (hundreds of partners): the same
    options, values, labels and selection as ``forms.Select``, attributes in any order."""
    import re

    from django import forms
    from django.http import QueryDict

    from measures.filters import MeasureFilter

    def parts(html):
        tags = re.findall(r"<(select|option)([^>]*)>([^<]*)", html.replace("\n", ""))
        return [(tag, sorted(attrs.split()), text.strip()) for tag, attrs, text in tags]

    filterset = MeasureFilter(QueryDict(query), queryset=Measure.objects.all())
    fast = {name: str(filterset.form[name]) for name in filterset.form.fields}
    for name, field in filterset.form.fields.items():
        if isinstance(field.widget, forms.Select):
            field.widget.__class__ = forms.Select
            assert parts(fast[name]) == parts(str(filterset.form[name])), name
    if "community=konnerud" in query:
        assert '<option value="konnerud" selected>Konnerud</option>' in fast["community"]
