"""Konnerud's grants, goals and context figures for the demo: ``load_demo_funding``.

Run by ``load_demo`` (which asks for it by name: measures knows nothing of this app). Idempotent:
what exists already (by name) is left as it is. Amounts are plausible, not real.
"""

import datetime
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from funding.allocation import Part
from funding.models import ContextFigure, Goal, Grant
from funding.money import parse_kroner
from funding.services import context_figure_save, goal_save, grant_create
from measures.models import Measure
from partnerships.models import Community, Partner, User


class Command(BaseCommand):
    help = "Add Konnerud's demo grants (municipality, LAM, a foundation), goals and context."

    @transaction.atomic
    def handle(self, *args, **options):
        community = Community.objects.filter(slug="konnerud").first()
        if community is None:
            raise CommandError("Run load_demo first: there is no Konnerud.")
        measures = {m.title: m for m in Measure.objects.filter(community=community)}
        club = Partner.objects.get(slug="konnerud-il")
        leader = User.objects.filter(username="konnerud-il").first()
        year = timezone.localdate().year
        grants = [
            (
                {
                    "name": f"Drammen kommune, Aktive Lokalsamfunn {year}",
                    "funder": "Drammen kommune",
                    "funder_kind": "municipality",
                    "amount_applied": parse_kroner("120 000"),
                    "amount_granted": parse_kroner("100 000"),
                    "period_start": datetime.date(year, 1, 1),
                    "period_end": datetime.date(year, 12, 31),
                    "status": "paid",
                    "applied_on": datetime.date(year - 1, 10, 15),
                    "decided_on": datetime.date(year - 1, 12, 12),
                    "paid_on": datetime.date(year, 2, 1),
                    "report_deadline": datetime.date(year + 1, 1, 31),
                    "note": "Tildelt per klubb og tiltak i kommunens fordeling.",
                },
                {"Balansebarna": Part()},
            ),
            (
                {
                    "name": f"Lokale aktivitetsmidler {year - 1}",
                    "funder": "Drammen idrettsråd (LAM)",
                    "funder_kind": "lam",
                    "amount_applied": parse_kroner("60 000"),
                    "amount_granted": parse_kroner("45 000"),
                    "period_start": datetime.date(year - 1, 1, 1),
                    "period_end": datetime.date(year - 1, 12, 31),
                    "status": "reported",
                    "applied_on": datetime.date(year - 2, 11, 1),
                    "decided_on": datetime.date(year - 1, 3, 1),
                    "paid_on": datetime.date(year - 1, 4, 1),
                    "report_deadline": datetime.date(year, 3, 1),
                    "reported_on": datetime.date(year, 2, 20),
                },
                {
                    "Åpen hall": Part(amount=parse_kroner("30 000")),
                    "Aktiv senior": Part(amount=parse_kroner("15 000")),
                },
            ),
            (
                {
                    "name": "Gjensidigestiftelsen: Åpen hall og E-sport",
                    "funder": "Gjensidigestiftelsen",
                    "funder_kind": "foundation",
                    "amount_applied": parse_kroner("250 000"),
                    "amount_granted": parse_kroner("200 000"),
                    "period_start": datetime.date(year - 1, 8, 1),
                    "period_end": datetime.date(year, 7, 31),
                    "status": "report_due",
                    "applied_on": datetime.date(year - 1, 3, 15),
                    "decided_on": datetime.date(year - 1, 6, 10),
                    "paid_on": datetime.date(year - 1, 8, 20),
                    "report_deadline": timezone.localdate() + datetime.timedelta(days=21),
                    "note": "Stiftelsen ber om tallfestede mål og en sluttrapport.",
                },
                {"Åpen hall": Part(share=Decimal(70)), "E-sport": Part(share=Decimal(30))},
            ),
        ]
        made = 0
        for data, parts in grants:
            if Grant.objects.filter(community=community, name=data["name"]).exists():
                continue
            grant_create(
                community=community,
                user=leader,
                data={**data, "applicant": club},
                parts={
                    measures[title].pk: part for title, part in parts.items() if title in measures
                },
            )
            made += 1
        goals = [
            (
                "Flere jenter på Åpen hall",
                "Åpen hall",
                "girls_share",
                "30",
                year - 2,
                "45",
                year + 1,
            ),
            (
                "Balansebarna fyller gruppene",
                "Balansebarna",
                "participants_per_session",
                "12",
                year - 2,
                "16",
                year,
            ),
            (
                "Flere frivillige i lokalsamfunnet",
                None,
                "volunteers",
                "400",
                year - 2,
                "600",
                year + 1,
            ),
        ]
        for title, measure, indicator, baseline, base_year, target, target_year in goals:
            if Goal.objects.filter(community=community, title=title).exists():
                continue
            goal_save(
                community=community,
                user=leader,
                data={
                    "title": title,
                    "measure": measures.get(measure) if measure else None,
                    "indicator": indicator,
                    "baseline": Decimal(baseline),
                    "baseline_year": base_year,
                    "target": Decimal(target),
                    "target_year": target_year,
                    "note": "Telt fra aktivitetsrapportene.",
                },
            )
        figures = [
            (
                "Ungdomsskoleelever som sjelden er fysisk aktive",
                "14",
                "%",
                2024,
                "Ungdata 2024, Drammen",
            ),
            (
                "Barn i lavinntektsfamilier",
                "11",
                "%",
                2023,
                "Folkehelseprofil 2025, Drammen kommune",
            ),
        ]
        for title, value, unit, figure_year, source in figures:
            if ContextFigure.objects.filter(community=community, title=title).exists():
                continue
            context_figure_save(
                community=community,
                user=leader,
                data={
                    "title": title,
                    "value": Decimal(value),
                    "unit": unit,
                    "year": figure_year,
                    "source": source,
                },
            )
        self.stdout.write(f"Demo grants for Konnerud: {made} added.")
