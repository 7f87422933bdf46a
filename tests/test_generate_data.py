import datetime
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Count, Sum
from django.urls import reverse

from measures.models import Measure, MeasurePartner, Report
from partnerships.models import Community, CommunityPartner, User

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
