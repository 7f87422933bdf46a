"""Generate a county's worth of realistic data, for benchmarks: ``generate_data``.

``python manage.py generate_data --communities 50 --measures-per-community 200
--reports-per-measure 20 --seed 1`` makes 50 Norwegian-looking communities with their partners
(a sports club, schools, the municipality, sometimes the sports council), one or two users per
partner, 10,000 measures with partners and target groups, 200,000 activity reports, a few
meetings a year, and the change history the pages read: a creation row and up to four edits per
measure by different partners' users, and a creation row (sometimes a correction) per report.

Deterministic: the same ``--seed`` and ``--until`` give the same rows. Dates are fixed by
``--until`` (default: today) and ``--years`` (default 5) before it, so the reports end "now" and
the pages that show this year and the last twelve months have data; pass ``--until`` to get the
same dates on another day.

Fast: rows are written with ``bulk_create`` (history rows too, directly into simple-history's
tables), not through ``measures.services``, which writes one row at a time. It therefore fills
what ``save()`` would: ``search_text``, ``period_end``, versions and authors. Every user gets the
same password, hashed once. Refuses to run twice on the same database, and with DEBUG off unless
given ``--demo-accounts`` (the password is printed and weak).
"""

from __future__ import annotations

import datetime
import random
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from measures.history import (
    HistoricalMeasure,
    HistoricalMeasurePartner,
    HistoricalMeasureTargetGroup,
)
from measures.models import Measure, MeasurePartner, Report, TargetGroup, search_text
from partnerships.models import (
    Community,
    CommunityPartner,
    Meeting,
    Partner,
    PartnerMembership,
    User,
)
from partnerships.text import norwegian_slugify

HistoricalReport = Report.history.model
MeasureTargetGroup = Measure.target_groups.through
MeetingPartner = Meeting.partners_present.through

DEFAULT_PASSWORD = "lokalsamfunn"
BATCH = 5_000

# (neighbourhood, municipality): combined with a suffix when more communities are asked for.
PLACES = [
    ("Konnerud", "Drammen"),
    ("Åssiden", "Drammen"),
    ("Gulskogen", "Drammen"),
    ("Fjell", "Drammen"),
    ("Skoger", "Drammen"),
    ("Tangen", "Drammen"),
    ("Mjøndalen", "Drammen"),
    ("Solbergelva", "Drammen"),
    ("Tranby", "Lier"),
    ("Lierbyen", "Lier"),
    ("Hokksund", "Øvre Eiker"),
    ("Vestfossen", "Øvre Eiker"),
    ("Røyken", "Asker"),
    ("Slemmestad", "Asker"),
    ("Heggedal", "Asker"),
    ("Holmen", "Asker"),
    ("Sandvika", "Bærum"),
    ("Bekkestua", "Bærum"),
    ("Rykkinn", "Bærum"),
    ("Fornebu", "Bærum"),
    ("Kongsberg sentrum", "Kongsberg"),
    ("Gamlegrendåsen", "Kongsberg"),
    ("Hønefoss", "Ringerike"),
    ("Vikersund", "Modum"),
    ("Åmot", "Modum"),
    ("Nesbyen", "Nesbyen"),
    ("Geilo", "Hol"),
    ("Gol", "Gol"),
    ("Sætre", "Asker"),
    ("Hurum", "Asker"),
    ("Svelvik", "Drammen"),
    ("Krokstadelva", "Drammen"),
    ("Steinberg", "Drammen"),
    ("Darbu", "Øvre Eiker"),
    ("Sylling", "Lier"),
    ("Nedre Eiker", "Drammen"),
    ("Bragernes", "Drammen"),
    ("Strømsø", "Drammen"),
    ("Stabekk", "Bærum"),
    ("Haslum", "Bærum"),
    ("Eiksmarka", "Bærum"),
    ("Vøyenenga", "Bærum"),
    ("Billingstad", "Asker"),
    ("Vollen", "Asker"),
    ("Nærsnes", "Asker"),
    ("Flå", "Flå"),
    ("Rødberg", "Nore og Uvdal"),
    ("Veggli", "Rollag"),
    ("Prestfoss", "Sigdal"),
    ("Noresund", "Krødsherad"),
]
SCHOOL_PREFIXES = ["", "Nordre ", "Søndre ", "Øvre ", "Nedre ", "Vestre "]
FIRST_NAMES = [
    "Kari", "Ola", "Ingrid", "Lars", "Sigrid", "Håkon", "Marit", "Jørgen", "Solveig", "Øystein",
    "Astrid", "Bjørn", "Ragnhild", "Eirik", "Tone", "Per", "Åse", "Trond", "Liv", "Knut",
    "Nora", "Emil", "Sofie", "Jakob", "Ida", "Magnus", "Thea", "Sander", "Maja", "Aksel",
]  # fmt: skip
LAST_NAMES = [
    "Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen", "Kristiansen",
    "Jensen", "Karlsen", "Johnsen", "Pettersen", "Eriksen", "Berg", "Haugen", "Hagen",
    "Johannessen", "Andreassen", "Jacobsen", "Dahl", "Jørgensen", "Halvorsen", "Lie", "Bakken",
    "Solberg", "Strand", "Moen", "Sæther", "Ødegård", "Fjeld",
]  # fmt: skip
ACTIVITIES = [
    "Åpen hall", "Balansebarna", "Aktiv senior", "Fargeløpet", "E-sport", "FYSAK i skolen",
    "Åpent klubbhus", "Leksehjelp og fotball", "Sykkelverksted", "Friluftsgruppe",
    "Svømmekurs", "Dans for alle", "Klatring", "Turgruppe", "Parkour", "Innebandy",
    "Sjakkklubb", "Skileik", "Aktive friminutt", "Trening for nybegynnere", "Familiebading",
    "Bordtennis", "Basket på kvelden", "Fotballskole", "Gåtur med kaffe", "Yoga",
    "Håndball for alle", "Allidrett", "Padling", "Orientering", "Styrke og balanse",
    "Ungdomsleder-kurs", "Natteravn-kveld", "Skøyteløkka", "Matlaging og aktivitet",
]  # fmt: skip
QUALIFIERS = [
    "", "for jenter", "for gutter", "på lørdager", "i skolegården", "i vinterferien",
    "i sommerferien", "for hele familien", "for nye i bygda", "med foreldre", "for ungdom",
    "for de minste", "etter skoletid", "på søndager", "i høstferien",
]  # fmt: skip
SUMMARIES = [
    "Gratis og uten påmelding, for alle som har lyst.",
    "Et trygt sted å være sammen, med voksne til stede.",
    "Lavterskel aktivitet der alle kan være med.",
    "Ungdom leder aktiviteten for yngre barn.",
    "Skolen og idrettslaget samarbeider om tid og sted.",
    "Kommunen låner ut lokaler; idrettslaget stiller med trenere.",
    "Vi møtes ute, i all slags vær.",
    "For barn og unge som ikke er med i et lag fra før.",
]
DESCRIPTIONS = [
    "Aktiviteten er åpen for alle uten påmelding. Voksne fra idrettslaget er til stede, og "
    "kommunens ungdomsarbeidere kommer innom.",
    "Skolene setter av tid og sted; idrettslaget rekrutterer og følger opp de unge lederne. "
    "Vi evaluerer tiltaket i fokusgruppe hvert halvår.",
    "Tiltaket ble startet etter ønske fra foreldre og elever. Utstyr lånes ut gratis, så "
    "ingen skal stå utenfor på grunn av økonomi.",
    "Målet er mer bevegelse i hverdagen, fellesskap på tvers av alder og at flere finner en "
    "aktivitet de liker.",
    "",
]
SCHEDULES = [
    "Fredager 19–23",
    "Mandager 17–19",
    "Tirsdager og torsdager 18–20",
    "Lørdager 10–13",
    "Ukentlig i skoletiden",
    "Hver dag i friminuttene",
    "Søndager 12–15",
    "En gang i måneden",
    "",
]
VENUES = ["hallen", "skolegården", "klubbhuset", "svømmehallen", "lysløypa", "grendehuset", ""]
CONTRIBUTIONS = [
    "Stiller med trenere",
    "Låner ut hallen",
    "Setter av tid i skoledagen",
    "Dekker utstyr",
    "Følger opp frivillige",
    "",
]
NOTES = [
    "Mange nye deltakere denne gangen.",
    "Ballspill, dans og musikk.",
    "Færre enn vanlig på grunn av været.",
    "Foreldre hjalp til med kiosken.",
    "God stemning, flere jenter enn før.",
]
MEETING_TITLES = ["Fokusgruppe", "Partnermøte", "Evalueringsmøte", "Oppstartsmøte"]


class Progress:
    """A plain progress bar on stderr (a line per tenth when stderr is not a terminal)."""

    def __init__(self, total: int, label: str, *, stream=None, enabled: bool = True):
        self.total, self.label, self.enabled = max(total, 1), label, enabled
        self.stream = stream or sys.stderr
        self.started = time.perf_counter()
        self.tty = self.stream.isatty()
        self.last_tenth = -1

    def update(self, done: int) -> None:
        if not self.enabled:
            return
        share = done / self.total
        seconds = time.perf_counter() - self.started
        bar = "#" * int(share * 30)
        line = f"{self.label} [{bar:<30}] {done}/{self.total} {seconds:5.1f} s"
        if self.tty:
            self.stream.write("\r" + line + ("\n" if done >= self.total else ""))
            self.stream.flush()
        elif int(share * 10) > self.last_tenth:
            self.last_tenth = int(share * 10)
            self.stream.write(line + "\n")


def community_names(count: int) -> Iterator[tuple[str, str]]:
    """Neighbourhoods with their municipality; a second round is "<place> vest", and so on."""
    suffixes = ["", " vest", " øst", " nord", " sør"]
    for n in range(count):
        place, municipality = PLACES[n % len(PLACES)]
        round_ = n // len(PLACES)
        suffix = suffixes[round_] if round_ < len(suffixes) else f" {round_}"
        yield place + suffix, municipality


class Generator:
    """Builds the rows; ``rng`` decides everything, ``until`` anchors every date."""

    def __init__(self, *, seed: int, until: datetime.date, years: int, password_hash: str):
        self.rng = random.Random(seed)
        self.until = until
        self.first_day = until.replace(year=until.year - years)
        self.password_hash = password_hash
        self.tz = timezone.get_default_timezone()
        self.target_groups = list(TargetGroup.objects.order_by("order"))

    def moment(self, day: datetime.date, hour: int | None = None) -> datetime.datetime:
        """A time of day on ``day`` in Oslo, never after the end of ``until``."""
        day = min(day, self.until)
        hour = self.rng.randint(8, 22) if hour is None else hour
        return datetime.datetime.combine(
            day, datetime.time(hour, self.rng.randint(0, 59), self.rng.randint(0, 59)), self.tz
        )

    def day_between(self, first: datetime.date, last: datetime.date) -> datetime.date:
        return first + datetime.timedelta(days=self.rng.randint(0, max((last - first).days, 0)))

    # --- Who is who -------------------------------------------------------------------------

    def partnerships(self, count: int) -> list[dict]:
        """Communities with their partners and people; the municipality's partner is shared."""
        rng = self.rng
        municipalities: dict[str, Partner] = {}
        councils: dict[str, Partner] = {}
        communities, partners, links, plans = [], [], [], []
        for name, municipality in community_names(count):
            community = Community(
                name=name,
                slug=norwegian_slugify(name),
                municipality=municipality,
                partnership_since=rng.randint(2012, self.until.year - 1),
                description=f"{name} er et aktivt lokalsamfunn i {municipality} kommune. "
                "Idrettslaget, skolene og kommunen samarbeider om aktivitet og tilhørighet.",
            )
            plan = {"community": community, "partners": []}
            club = Partner(name=f"{name} IL", kind=Partner.Kind.SPORTS_CLUB)
            plan["partners"].append((club, "Koordinator"))
            for prefix in rng.sample(SCHOOL_PREFIXES, rng.randint(2, 4)):
                school = Partner(name=f"{prefix}{name} skole", kind=Partner.Kind.SCHOOL)
                plan["partners"].append((school, "Skolepartner"))
            if municipality not in municipalities:
                municipalities[municipality] = Partner(
                    name=f"{municipality} kommune", kind=Partner.Kind.MUNICIPALITY
                )
                councils[municipality] = Partner(
                    name=f"{municipality} idrettsråd", kind=Partner.Kind.SPORTS_COUNCIL
                )
            plan["partners"].append((municipalities[municipality], "Kommunal partner"))
            if rng.random() < 0.4:
                plan["partners"].append((councils[municipality], "Pådriver"))
            communities.append(community)
            plans.append(plan)
        seen = set()
        for plan in plans:
            for partner, _role in plan["partners"]:
                if id(partner) not in seen:
                    seen.add(id(partner))
                    partner.slug = norwegian_slugify(partner.name)[:60]
                    partner.email = f"post@{partner.slug}.example.invalid"
                    partners.append(partner)
        Community.objects.bulk_create(communities)
        Partner.objects.bulk_create(partners)
        for plan in plans:
            since = plan["community"].partnership_since
            links += [
                CommunityPartner(
                    community=plan["community"], partner=partner, role=role, since=since
                )
                for partner, role in plan["partners"]
            ]
        CommunityPartner.objects.bulk_create(links)
        self.write_history(Community, communities)
        self.write_history(Partner, partners)
        self.people(partners)
        return plans

    def people(self, partners: list[Partner]) -> None:
        """One or two users per partner: the first is named after the partner's slug."""
        titles = {
            Partner.Kind.SPORTS_CLUB: ["Daglig leder", "Styreleder"],
            Partner.Kind.SCHOOL: ["Rektor", "Lærer"],
            Partner.Kind.MUNICIPALITY: ["Rådgiver", "Folkehelsekoordinator"],
            Partner.Kind.SPORTS_COUNCIL: ["Rådgiver", "Leder"],
        }
        users, memberships = [], []
        joined = self.moment(self.first_day, 9)
        for partner in partners:
            for n in range(1 + (self.rng.random() < 0.5)):
                username = partner.slug if n == 0 else f"{partner.slug}-{n + 1}"
                user = User(
                    username=username[:150],
                    first_name=self.rng.choice(FIRST_NAMES),
                    last_name=self.rng.choice(LAST_NAMES),
                    email=f"{username}@example.invalid",
                    password=self.password_hash,
                    date_joined=joined,
                )
                users.append(user)
                memberships.append((user, partner, titles[partner.kind][n]))
        User.objects.bulk_create(users)
        PartnerMembership.objects.bulk_create(
            PartnerMembership(user=user, partner=partner, title=title)
            for user, partner, title in memberships
        )
        self.users_of = {}
        for user, partner, _title in memberships:
            self.users_of.setdefault(partner.pk, []).append(user)

    def write_history(self, model, objects: list) -> None:
        """A creation row for each of ``objects``, as simple-history would have written it."""
        history = model.history.model
        fields = [f.attname for f in model._meta.fields if f.attname in history_fields(history)]
        when = self.moment(self.first_day, 9)
        history.objects.bulk_create(
            history(
                **{name: getattr(obj, name) for name in fields},
                history_date=when,
                history_type="+",
            )
            for obj in objects
        )

    # --- What they do -----------------------------------------------------------------------

    def measures(self, plan: dict, count: int) -> list[dict]:
        """``count`` measures of one community, each with its partners, groups and edits."""
        rng = self.rng
        community = plan["community"]
        partners = [partner for partner, _role in plan["partners"]]
        club = partners[0]
        titles = rng.sample(
            [f"{a} {q}".strip() for a in ACTIVITIES for q in QUALIFIERS],
            min(count, len(ACTIVITIES) * len(QUALIFIERS)),
        )
        while len(titles) < count:
            titles.append(f"{rng.choice(ACTIVITIES)} {len(titles) + 1}")
        specs = []
        for title in titles:
            lead = club if rng.random() < 0.6 else rng.choice(partners)
            others = rng.sample(partners, rng.randint(0, min(3, len(partners) - 1)))
            measure_partners = [lead, *(p for p in others if p is not lead)]
            started = self.day_between(self.first_day, self.until - datetime.timedelta(days=60))
            status = rng.choices(
                [
                    Measure.Status.ACTIVE,
                    Measure.Status.PLANNED,
                    Measure.Status.PAUSED,
                    Measure.Status.ENDED,
                ],
                weights=[65, 10, 10, 15],
            )[0]
            specs.append(
                {
                    "measure": Measure(
                        community=community,
                        title=title,
                        slug=norwegian_slugify(title)[:80],
                        summary=rng.choice(SUMMARIES),
                        description=rng.choice(DESCRIPTIONS),
                        status=status,
                        lead_partner=lead,
                        schedule=rng.choice(SCHEDULES),
                        venue=f"{community.name} {rng.choice(VENUES)}".strip(),
                        started_on=started,
                        ended_on=(
                            self.day_between(started, self.until)
                            if status == Measure.Status.ENDED
                            else None
                        ),
                        is_archived=status == Measure.Status.ENDED and rng.random() < 0.5,
                    ),
                    "partners": measure_partners,
                    "contributions": {p.pk: rng.choice(CONTRIBUTIONS) for p in measure_partners},
                    "groups": rng.sample(self.target_groups, rng.randint(1, 3)),
                }
            )
        return specs

    def edits(self, spec: dict) -> list[dict]:
        """The measure's saves, oldest first: creation, then up to four plausible edits.

        Each is ``{"at", "by", "type", "reason", "fields"}``; the last one is the measure now.
        """
        rng = self.rng
        measure = spec["measure"]
        authors = [u for p in spec["partners"] for u in self.users_of.get(p.pk, [])]
        created_at = self.moment(measure.started_on - datetime.timedelta(days=rng.randint(7, 60)))
        final = {name: getattr(measure, name) for name in ("status", "schedule", "venue")}
        final["summary"], final["is_archived"] = measure.summary, measure.is_archived
        # Work backwards from the final state: earlier saves had other values.
        count = rng.randint(0, 4)
        states = [dict(final)]
        for _ in range(count):
            earlier = dict(states[0])
            change = rng.choice(["status", "schedule", "venue", "summary"])
            if earlier["is_archived"]:
                earlier["is_archived"] = False
                reason = "archived"
            elif change == "status" and earlier["status"] != Measure.Status.PLANNED:
                earlier["status"] = Measure.Status.PLANNED
                reason = None
            elif change == "schedule":
                earlier["schedule"] = rng.choice(SCHEDULES)
                reason = None
            elif change == "venue":
                earlier["venue"] = f"{measure.community.name} {rng.choice(VENUES)}".strip()
                reason = None
            else:
                earlier["summary"] = rng.choice(SUMMARIES)
                reason = None
            states[0]["reason"] = reason
            states.insert(0, earlier)
        span = max((self.until - created_at.date()).days, 1)
        offsets = sorted(rng.randint(1, span) for _ in range(count))
        saves = []
        for index, state in enumerate(states):
            at = (
                created_at
                if index == 0
                else self.moment(created_at.date() + datetime.timedelta(days=offsets[index - 1]))
            )
            saves.append(
                {
                    "at": max(at, created_at),
                    "by": rng.choice(authors) if authors else None,
                    "type": "+" if index == 0 else "~",
                    "reason": state.pop("reason", None),
                    "fields": state,
                }
            )
        return saves

    def reports(self, measure: Measure, count: int) -> Iterator[Report]:
        """``count`` reports between the measure's start and its end (or ``until``).

        Every measure gets ``count``, so that the sizes asked for are the sizes made (a planned
        measure's reports are from its pilot)."""
        rng = self.rng
        first = max(measure.started_on, self.first_day)
        last = measure.ended_on or self.until
        typical = rng.choice([8, 15, 25, 40, 80, 150])
        for _ in range(count):
            start = self.day_between(first, last)
            monthly = rng.random() < 0.2
            end = min(start + datetime.timedelta(days=27), last) if monthly else start
            sessions = rng.randint(3, 5) if monthly else 1
            participants = max(1, round(typical * sessions * rng.uniform(0.6, 1.3)))
            volunteers = max(1, round(participants / rng.uniform(6, 15)))
            yield Report(
                measure=measure,
                period_start=start,
                period_end=end,
                sessions=sessions,
                participants=participants,
                girls=(
                    round(participants * rng.uniform(0.3, 0.6)) if rng.random() < 0.85 else None
                ),
                volunteers=volunteers,
                volunteer_hours=Decimal(volunteers * sessions * rng.choice([2, 3, 4])),
                note=rng.choice(NOTES) if rng.random() < 0.15 else "",
            )


def history_fields(history_model) -> set[str]:
    return {f.attname for f in history_model._meta.fields}


class Command(BaseCommand):
    help = "Generate realistic communities, partners, users, measures, reports and history."

    def add_arguments(self, parser):
        parser.add_argument("--communities", type=int, default=50)
        parser.add_argument("--measures-per-community", type=int, default=200)
        parser.add_argument("--reports-per-measure", type=int, default=20)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--until",
            type=datetime.date.fromisoformat,
            default=None,
            help="The last day of the generated activity (YYYY-MM-DD); default today.",
        )
        parser.add_argument("--years", type=int, default=5, help="Years of activity.")
        parser.add_argument("--password", default=DEFAULT_PASSWORD)
        parser.add_argument(
            "--demo-accounts",
            action="store_true",
            help="Run even with DEBUG off (every generated user has the same known password).",
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["demo_accounts"]:
            raise CommandError(
                "DEBUG is off: refusing to create users with a known password. Run with "
                "--demo-accounts if this is a benchmark or demo database."
            )
        started = time.perf_counter()
        call_command("setup_roles", verbosity=0)
        generator = Generator(
            seed=options["seed"],
            until=options["until"] or timezone.localdate(),
            years=options["years"],
            password_hash=make_password(options["password"]),
        )
        first_slug = norwegian_slugify(next(community_names(1))[0])
        if Community.objects.filter(slug=first_slug).exists():
            raise CommandError(
                f"The community '{first_slug}' exists: data was generated here before. "
                "Use an empty database."
            )
        communities = options["communities"]
        progress = Progress(
            communities, "generate_data", enabled=not options["no_progress"], stream=self.stderr
        )
        counts = dict.fromkeys(["measures", "reports", "measure history", "report history"], 0)
        with transaction.atomic():
            plans = generator.partnerships(communities)
            progress.update(0)
            for done, plan in enumerate(plans, start=1):
                for name, count in self.write_community(generator, plan, options).items():
                    counts[name] += count
                progress.update(done)
        seconds = time.perf_counter() - started
        summary = ", ".join(f"{count:,} {name}" for name, count in counts.items())
        self.stdout.write(
            f"Generated {communities} communities, {Partner.objects.count():,} partners, "
            f"{User.objects.count():,} users, {summary} in {seconds:.1f} s. "
            f"Every user's password: {options['password']}"
        )

    def write_community(self, generator: Generator, plan: dict, options) -> dict[str, int]:
        specs = generator.measures(plan, options["measures_per_community"])
        saves_of = [generator.edits(spec) for spec in specs]
        for spec, saves in zip(specs, saves_of, strict=True):
            measure, first, last = spec["measure"], saves[0], saves[-1]
            for name, value in last["fields"].items():
                setattr(measure, name, value)
            measure.search_text = search_text(measure.title, measure.summary, measure.description)
            measure.version = len(saves)
            measure.created_by, measure.updated_by = first["by"], last["by"]
            measure.created_at, measure.updated_at = first["at"], last["at"]
        with own_timestamps(Measure):
            Measure.objects.bulk_create([spec["measure"] for spec in specs], batch_size=BATCH)
        for spec in specs:
            spec["links"] = [
                MeasurePartner(
                    measure=spec["measure"],
                    partner=partner,
                    contribution=spec["contributions"][partner.pk],
                )
                for partner in spec["partners"]
            ]
            spec["group_links"] = [
                MeasureTargetGroup(measure=spec["measure"], targetgroup=group)
                for group in spec["groups"]
            ]
        MeasurePartner.objects.bulk_create(
            [link for spec in specs for link in spec["links"]], batch_size=BATCH
        )
        MeasureTargetGroup.objects.bulk_create(
            [link for spec in specs for link in spec["group_links"]], batch_size=BATCH
        )
        history = self.measure_history(specs, saves_of)
        reports, report_history = self.reports(generator, specs, options["reports_per_measure"])
        return {
            "measures": len(specs),
            "reports": reports,
            "measure history": history,
            "report history": report_history,
        }

    def measure_history(self, specs: list[dict], saves_of: list[list[dict]]) -> int:
        """A history row per save, with the partners and target groups it had (unchanged)."""
        fields = [
            f.attname
            for f in Measure._meta.fields
            if f.attname in history_fields(HistoricalMeasure) and f.attname != "id"
        ]
        rows, relations = [], []
        for spec, saves in zip(specs, saves_of, strict=True):
            measure = spec["measure"]
            values = {name: getattr(measure, name) for name in fields}
            for version, save in enumerate(saves, start=1):
                row = HistoricalMeasure(
                    id=measure.pk,
                    **{
                        **values,
                        **save["fields"],
                        "version": version,
                        "updated_at": save["at"],
                        "updated_by_id": save["by"].pk if save["by"] else None,
                    },
                    history_date=save["at"],
                    history_type=save["type"],
                    history_change_reason=save["reason"],
                    history_user=save["by"],
                )
                rows.append(row)
                relations.append((row, spec))
        HistoricalMeasure.objects.bulk_create(rows, batch_size=BATCH)
        HistoricalMeasurePartner.objects.bulk_create(
            (
                HistoricalMeasurePartner(
                    id=link.pk,
                    history=row,
                    measure_id=link.measure_id,
                    partner_id=link.partner_id,
                    contribution=link.contribution,
                )
                for row, spec in relations
                for link in spec["links"]
            ),
            batch_size=BATCH,
        )
        HistoricalMeasureTargetGroup.objects.bulk_create(
            (
                HistoricalMeasureTargetGroup(
                    id=link.pk,
                    history=row,
                    measure_id=link.measure_id,
                    targetgroup_id=link.targetgroup_id,
                )
                for row, spec in relations
                for link in spec["group_links"]
            ),
            batch_size=BATCH,
        )
        return len(rows)

    def reports(self, generator: Generator, specs: list[dict], per_measure: int) -> tuple[int, int]:
        """The reports, each by one of its measure's people with a creation row in its history;
        one in twenty was corrected later (its first row has other participants)."""
        rng = generator.rng
        fields = [
            f.attname
            for f in Report._meta.fields
            if f.attname in history_fields(HistoricalReport) and f.attname != "id"
        ]
        reports, corrected = [], []
        for spec in specs:
            people = [u for p in spec["partners"] for u in generator.users_of.get(p.pk, [])]
            for report in generator.reports(spec["measure"], per_measure):
                report.reported_by = rng.choice(people) if people else None
                day = report.period_end + datetime.timedelta(days=rng.randint(0, 6))
                report.created_at = report.updated_at = generator.moment(day)
                if rng.random() < 0.05:
                    later = report.created_at.date() + datetime.timedelta(days=rng.randint(1, 14))
                    report.updated_at = max(generator.moment(later), report.created_at)
                    corrected.append(report)
                reports.append(report)
        with own_timestamps(Report):
            Report.objects.bulk_create(reports, batch_size=BATCH)

        def row(report, history_type, at, **changed):
            values = {name: getattr(report, name) for name in fields}
            return HistoricalReport(
                id=report.pk,
                **{**values, **changed},
                history_date=at,
                history_type=history_type,
                history_user=report.reported_by,
            )

        corrected_ids = {id(report) for report in corrected}
        rows = [
            row(
                report,
                "+",
                report.created_at,
                updated_at=report.created_at,
                participants=report.participants + 3,
            )
            if id(report) in corrected_ids
            else row(report, "+", report.created_at)
            for report in reports
        ]
        rows += [row(report, "~", report.updated_at) for report in corrected]
        HistoricalReport.objects.bulk_create(rows, batch_size=BATCH)
        return len(reports), len(rows)


@contextmanager
def own_timestamps(model) -> Iterator[None]:
    """Let ``bulk_create`` write the generated created/updated times instead of "now"."""
    fields = [
        f
        for f in model._meta.fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add
