"""Grants at county scale for the generated data: ``generate_funding``.

Run by ``generate_data`` (by name: measures knows nothing of this app) with its ``--seed``,
``--until`` and ``--years``; the same arguments give the same grants. Each community without
grants gets, per year, a grant from the municipality split by shares between two or three of its
measures, local activity funds (LAM) split equally, and now and then a foundation's grant with a
final report; older grants are reported, this year's paid or due, next year's applied for.
Written through ``grant_create``, as the pages write them (one history row each).
"""

import datetime
import random
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from funding.allocation import Part
from funding.models import Grant, Indicator
from funding.services import context_figure_save, goal_save, grant_create
from measures.models import Measure
from partnerships.models import Community, Partner

FOUNDATIONS = ("Sparebankstiftelsen DNB", "Gjensidigestiftelsen", "Stiftelsen VI")
SHARES = ((Decimal(60), Decimal(40)), (Decimal(50), Decimal(30), Decimal(20)))


class Command(BaseCommand):
    help = "Give every generated community a few grants a year (municipality, LAM, foundations)."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--until", type=datetime.date.fromisoformat, default=None)
        parser.add_argument("--years", type=int, default=5)

    @transaction.atomic
    def handle(self, *args, **options):
        until = options["until"] or timezone.localdate()
        years = range(until.year - options["years"] + 1, until.year + 1)
        made = 0
        communities = Community.objects.exclude(grants__isnull=False).order_by("pk")
        for community in communities:
            rng = random.Random(f"{options['seed']}-funding-{community.slug}")
            club = Partner.objects.filter(
                community_memberships__community=community, kind=Partner.Kind.SPORTS_CLUB
            ).first()
            measures = list(
                Measure.objects.filter(community=community, is_archived=False).order_by("pk")[:12]
            )
            if club is None or len(measures) < 3:
                continue
            for year in years:
                for data, parts in self.grants(rng, community, year, until, measures):
                    grant_create(
                        community=community,
                        user=None,
                        data={**data, "applicant": club},
                        parts=parts,
                    )
                    made += 1
            self.goals(rng, community, until, measures)
        self.stdout.write(f"Generated {made:,} grants.")

    def goals(self, rng: random.Random, community, until, measures) -> None:
        """A goal for the community, one for a measure, and an Ungdata figure as context."""
        first = until.year - 2
        goal_save(
            community=community,
            user=None,
            data={
                "title": "Flere frivillige",
                "indicator": Indicator.VOLUNTEERS,
                "baseline": Decimal(rng.randrange(200, 400)),
                "baseline_year": first,
                "target": Decimal(rng.randrange(500, 900)),
                "target_year": until.year + 1,
            },
        )
        goal_save(
            community=community,
            user=None,
            data={
                "title": f"Flere jenter på {measures[0].title}",
                "measure": measures[0],
                "indicator": Indicator.GIRLS_SHARE,
                "baseline": Decimal(rng.randrange(25, 40)),
                "baseline_year": first,
                "target": Decimal(rng.randrange(45, 55)),
                "target_year": until.year + 1,
            },
        )
        context_figure_save(
            community=community,
            user=None,
            data={
                "title": "Ungdomsskoleelever som sjelden er fysisk aktive",
                "value": Decimal(rng.randrange(8, 25)),
                "unit": "%",
                "year": until.year - 1,
                "source": f"Ungdata {until.year - 1}, {community.municipality}",
            },
        )

    def grants(self, rng: random.Random, community, year: int, until, measures):
        municipality = community.municipality or "Kommunen"
        shares = rng.choice(SHARES)
        chosen = rng.sample(measures, len(shares))
        granted = rng.randrange(50, 300) * 1_000 * 100  # whole thousands of kroner, in øre
        yield (
            self.dated(
                rng,
                year,
                until,
                name=f"{municipality} kommune, Aktive Lokalsamfunn {year}",
                funder=f"{municipality} kommune",
                funder_kind="municipality",
                granted=granted,
                start=datetime.date(year, 1, 1),
                end=datetime.date(year, 12, 31),
            ),
            {m.pk: Part(share=share) for m, share in zip(chosen, shares, strict=True)},
        )
        lam = rng.sample(measures, rng.choice((1, 2)))
        yield (
            self.dated(
                rng,
                year,
                until,
                name=f"Lokale aktivitetsmidler {year}",
                funder=f"{municipality} idrettsråd (LAM)",
                funder_kind="lam",
                granted=rng.randrange(10, 60) * 1_000 * 100,
                start=datetime.date(year, 1, 1),
                end=datetime.date(year, 12, 31),
            ),
            {m.pk: Part() for m in lam},
        )
        if rng.random() < 0.4:
            measure = rng.choice(measures)
            yield (
                self.dated(
                    rng,
                    year,
                    until,
                    name=f"{rng.choice(FOUNDATIONS)}: {measure.title}",
                    funder=rng.choice(FOUNDATIONS),
                    funder_kind="foundation",
                    granted=rng.randrange(100, 400) * 1_000 * 100,
                    start=datetime.date(year, 8, 1),
                    end=datetime.date(year + 1, 7, 31),
                ),
                {measure.pk: Part()},
            )

    def dated(self, rng, year, until, *, granted, start, end, **data) -> dict:
        """A grant's status and dates as they would be on ``until``."""
        deadline = end + datetime.timedelta(days=60)
        values = {
            **data,
            "amount_applied": granted + rng.randrange(0, 50) * 1_000 * 100,
            "amount_granted": granted,
            "period_start": start,
            "period_end": end,
            "applied_on": start - datetime.timedelta(days=90),
            "decided_on": start - datetime.timedelta(days=30),
            "report_deadline": deadline,
        }
        if start > until:
            return {
                **values,
                "status": Grant.Status.APPLIED,
                "amount_granted": None,
                "decided_on": None,
                "report_deadline": None,
            }
        values["paid_on"] = start + datetime.timedelta(days=30)
        if deadline < until:
            return {
                **values,
                "status": Grant.Status.REPORTED,
                "reported_on": deadline - datetime.timedelta(days=rng.randrange(1, 20)),
            }
        if end < until:
            return {**values, "status": Grant.Status.REPORT_DUE}
        return {**values, "status": Grant.Status.PAID}
