"""Time the reports export and measure its memory: ``make bench-export``.

Creates a throwaway community with measures and (by default) 200,000 reports inside a
transaction, streams ``/reports/export.csv`` for it to nowhere, prints rows, seconds and peak
memory, and rolls everything back: the database is left as it was.
"""

import datetime
import resource
import time
import tracemalloc
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.test import RequestFactory

from measures.exports import reports_csv
from measures.models import Measure, MeasurePartner, Report
from partnerships.models import Community, CommunityPartner, Partner

MEASURES = 20
BATCH = 5_000


def create_reports(measures: list[Measure], count: int) -> None:
    """``count`` reports spread over ``measures`` and eleven years, created in batches so that
    creating them does not itself raise the process's peak memory."""
    first = datetime.date(2015, 1, 1)
    for batch in range(0, count, BATCH):
        Report.objects.bulk_create(
            Report(
                measure=measures[n % len(measures)],
                period_start=first + datetime.timedelta(days=n % 4000),
                period_end=first + datetime.timedelta(days=n % 4000),
                participants=20 + n % 40,
                girls=n % 20,
                volunteers=3,
                volunteer_hours=Decimal("4.5"),
                note="Ballspill; dans og musikk" if n % 3 else "",
            )
            for n in range(batch, min(batch + BATCH, count))
        )


def max_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Command(BaseCommand):
    help = "Stream the reports CSV export of N throwaway reports; print time and peak memory."

    def add_arguments(self, parser):
        parser.add_argument("--reports", type=int, default=200_000)

    def handle(self, *args, **options):
        count = options["reports"]
        with transaction.atomic():
            community = self.create_throwaway_data(count)
            request = RequestFactory().get("/reports/export.csv", {"community": community.slug})
            request.user = get_user_model()(username="bench")
            rss_before = max_rss_mib()

            started = time.perf_counter()
            rows, size = self.stream(request)
            seconds = time.perf_counter() - started
            rss_after = max_rss_mib()

            tracemalloc.start()
            self.stream(request)
            _current, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            transaction.set_rollback(True)
        self.stdout.write(
            f"reports export: {rows:,} rows ({size / 1024 / 1024:.1f} MiB of CSV) in "
            f"{seconds:.1f} s ({rows / seconds:,.0f} rows/s); peak memory while streaming "
            f"(tracemalloc) {peak / 1024 / 1024:.1f} MiB; process max RSS {rss_before:.0f} MiB "
            f"before streaming, {rss_after:.0f} MiB after"
        )

    def stream(self, request) -> tuple[int, int]:
        """Consume the response as a client would, writing it to /dev/null."""
        response = reports_csv(request)
        rows = size = 0
        with open("/dev/null", "wb") as sink:
            for chunk in response.streaming_content:
                sink.write(chunk)
                rows += chunk.count(b"\r\n")
                size += len(chunk)
        return rows - 1, size  # less the header

    def create_throwaway_data(self, count: int) -> Community:
        started = time.perf_counter()
        community = Community.objects.create(name="Benchmark", slug="bench-export-throwaway")
        partners = [
            Partner.objects.create(name=f"Bench partner {n}", slug=f"bench-{n}") for n in range(3)
        ]
        for partner in partners:
            CommunityPartner.objects.create(community=community, partner=partner)
        measures = [
            Measure.objects.create(
                community=community,
                title=f"Åpen hall {n}",
                slug=f"apen-hall-{n}",
                summary="Benchmark",
                lead_partner=partners[0],
            )
            for n in range(MEASURES)
        ]
        MeasurePartner.objects.bulk_create(
            MeasurePartner(measure=measure, partner=partner)
            for measure in measures
            for partner in partners
        )
        create_reports(measures, count)
        self.stdout.write(
            f"created {count:,} throwaway reports in {time.perf_counter() - started:.1f} s "
            "(rolled back afterwards)"
        )
        return community
