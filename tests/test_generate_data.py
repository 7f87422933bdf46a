import datetime
import io
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Count, Sum
from django.urls import reverse

from measures.models import Measure, MeasurePartner, Report
from measures.services import (
    MEASURE_FIELDS,
    ChangeReason,
    measure_create,
    measure_set_archived,
    measure_update,
    report_update,
)
from partnerships.models import Community, CommunityPartner, Meeting, User
from partnerships.services import meeting_update

pytestmark = pytest.mark.django_db

SIZES = {"communities": 2, "measures_per_community": 6, "reports_per_measure": 4}
UNTIL = datetime.date(2026, 6, 30)


def generate(seed: int = 7, **options) -> None:
    call_command(
        "generate_data",
        **{**SIZES, **options},
        seed=seed,
        until=UNTIL,
        demo_accounts=True,
        no_progress=True,
        stdout=io.StringIO(),
    )


def snapshot() -> dict:
    return {
        "communities": list(Community.objects.values_list("name", "slug")),
        "measures": list(
            Measure.objects.order_by("pk").values_list(
                "title", "status", "lead_partner__name", "version", "is_archived"
            )
        ),
        "reports": Report.objects.aggregate(n=Count("pk"), participants=Sum("participants")),
        "history": Measure.history.count(),
        "users": list(User.objects.order_by("username").values_list("username", flat=True)),
    }


def generated_twice(first_seed: int, second_seed: int) -> tuple[dict, dict]:
    snapshots = []
    for seed in (first_seed, second_seed):
        with transaction.atomic():
            generate(seed)
            snapshots.append(snapshot())
            transaction.set_rollback(True)
    return snapshots[0], snapshots[1]


def test_the_same_seed_gives_the_same_data():
    first, second = generated_twice(7, 7)
    assert first == second
    other, _ = generated_twice(8, 8)
    assert [m[0] for m in other["measures"]] != [m[0] for m in first["measures"]]


def test_sizes_are_the_sizes_asked_for():
    generate()
    assert Community.objects.count() == 2
    assert Measure.objects.count() == 12
    assert Report.objects.count() == 48
    # Every partner of a measure is a partner of its community; the lead is among them.
    for link in MeasurePartner.objects.select_related("measure"):
        assert CommunityPartner.objects.filter(
            community=link.measure.community_id, partner=link.partner_id
        ).exists()
    for measure in Measure.objects.all():
        assert measure.partner_links.filter(partner=measure.lead_partner).exists()
        assert measure.target_groups.exists()


def test_search_text_is_filled_so_search_finds_generated_measures():
    generate()
    measure = Measure.objects.first()
    assert measure.search_text == measure.search_text.casefold() != ""
    assert measure in Measure.objects.search(measure.title.upper())


def test_history_rows_match_each_measure_and_report():
    generate()
    for measure in Measure.objects.for_detail():
        rows = list(measure.history.order_by("history_date", "history_id"))
        assert [row.version for row in rows] == list(range(1, measure.version + 1))
        assert rows[0].history_type == "+" and rows[-1].title == measure.title
        assert rows[-1].status == measure.status
        assert {r.partner_id for r in rows[-1].partners.all()} == {
            link.partner_id for link in measure.partner_links.all()
        }
        assert rows[-1].history_date.date() <= UNTIL
    assert Report.history.filter(history_type="+").count() == Report.objects.count()
    assert Report.objects.filter(reported_by__isnull=True).count() == 0
    assert Report.objects.filter(period_start__gt=UNTIL).count() == 0


def test_every_user_logs_in_with_the_password(client):
    generate(password="hemmelig-passord")
    user = User.objects.filter(memberships__isnull=False).first()
    response = client.post(
        reverse("login"), {"username": user.username, "password": "hemmelig-passord"}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_refuses_with_debug_off_without_the_flag_and_refuses_to_run_twice():
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("generate_data", **SIZES, stdout=io.StringIO())
    generate()
    with pytest.raises(CommandError, match="generated here before"):
        generate()


def test_meetings_have_partners_of_their_community_present_and_a_history(as_user):
    generate()
    meetings = list(Meeting.objects.prefetch_related("partners_present"))
    # Two to four a year in each community, over the five years before UNTIL and UNTIL's year.
    assert 2 * 6 * SIZES["communities"] <= len(meetings) <= 4 * 6 * SIZES["communities"]
    for meeting in meetings:
        present = {partner.pk for partner in meeting.partners_present.all()}
        partners = set(
            CommunityPartner.objects.filter(community=meeting.community_id).values_list(
                "partner_id", flat=True
            )
        )
        assert present and present <= partners
        rows = list(meeting.history.order_by("history_date", "history_id"))
        assert [row.version for row in rows] == list(range(1, meeting.version + 1))
        assert [row.history_type for row in rows] == ["+"] + ["~"] * (len(rows) - 1)
        assert rows[0].history_user_id == meeting.created_by_id is not None
        assert rows[-1].minutes == meeting.minutes != ""
        assert {row.partner_id for row in rows[-1].partners_present.all()} == present
        assert meeting.created_at.date() <= UNTIL and meeting.date <= UNTIL
    assert {meeting.version for meeting in meetings} == {1, 2}
    # The evaluation page lists them with who was present.
    meeting = next(m for m in meetings if m.date.year == 2025)
    client = as_user(User.objects.filter(memberships__isnull=False).first())
    url = reverse("partnerships:community_evaluation", args=[meeting.community.slug])
    page = client.get(url, {"year": 2025}).text
    assert meeting.get_absolute_url() in page
    assert meeting.partners_present.all()[0].name in page


def test_history_rows_carry_the_version_each_save_wrote_so_an_old_form_merges():
    generate()
    report = Report.objects.filter(version=2).first()
    first, second = report.history.order_by("history_date", "history_id")
    assert (first.history_type, first.version, second.history_type, second.version) == (
        "+",
        1,
        "~",
        2,
    )
    assert first.participants != second.participants == report.participants
    # Someone who loaded the report before the correction adds a note: the merge reads the
    # history row of version 1 as the base and keeps the corrected participants.
    loaded = {name: getattr(first, name) for name in ("period_start", "participants", "note")}
    merged = report_update(
        report=report, user=report.reported_by, version=1, data={**loaded, "note": "Regn."}
    )
    assert (merged.participants, merged.note, merged.version) == (report.participants, "Regn.", 3)

    meeting = Meeting.objects.filter(version=2).first()
    first = meeting.history.get(version=1)
    assert first.minutes == "" and meeting.minutes
    merged = meeting_update(
        meeting=meeting,
        user=meeting.created_by,
        version=1,
        data={"title": "Fokusgruppe om høsten", "minutes": first.minutes},
    )
    assert (merged.title, merged.minutes, merged.version) == (
        "Fokusgruppe om høsten",
        meeting.minutes,
        3,
    )


def history_page(client, measure) -> str:
    """The list of changes on the measure's history page, without keys and times."""
    text = client.get(reverse("measures:history", args=[measure.pk])).text
    changes = re.search(r'<ol class="list-unstyled history">.*?</ol>', text, re.DOTALL).group()
    return re.sub(r'id="change-\d+"|<time [^>]*>.*?</time>', "", changes)


def test_a_generated_history_page_reads_as_one_saved_through_the_services(as_user):
    generate(measures_per_community=40)  # enough that one was archived after edits
    archived = Measure.history.filter(history_change_reason=ChangeReason.ARCHIVED)
    measure = Measure.objects.filter(pk__in=archived.values("id")).order_by("-version").first()
    records = list(measure.history.order_by("history_date", "history_id"))
    assert len(records) >= 3
    # The same saves by the same people through the services, as a twin with the same slug.
    Measure.objects.filter(pk=measure.pk).update(slug="generert")
    first = records[0]
    links = list(first.partners.all())
    twin = measure_create(
        community=measure.community,
        user=first.history_user,
        data={name: getattr(first, name) for name in (*MEASURE_FIELDS, "slug")},
        partners=[link.partner for link in links],
        target_groups=[row.targetgroup for row in first.target_groups.all()],
        contributions={link.partner_id: link.contribution for link in links},
    )
    for record in records[1:]:
        if record.history_change_reason == ChangeReason.ARCHIVED:
            twin = measure_set_archived(measure=twin, user=record.history_user, archived=True)
        else:
            twin = measure_update(
                measure=twin,
                user=record.history_user,
                version=twin.version,
                data={name: getattr(record, name) for name in MEASURE_FIELDS},
            )
    assert twin.version == measure.version
    client = as_user(User.objects.filter(memberships__isnull=False).first())
    generated, saved = history_page(client, measure), history_page(client, twin)
    assert "arkiverte tiltaket" in generated
    assert generated == saved
