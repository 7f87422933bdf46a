"""Load the Konnerud partnership from the article in shared/seed, with demo accounts.

Idempotent: a second run changes nothing. With DEBUG off it refuses to create the demo
accounts (they have a published password) unless given ``--demo-accounts``.
"""

import datetime
import random
from decimal import Decimal

from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from measures.models import DEFAULT_TARGET_GROUPS, Measure, TargetGroup
from measures.services import measure_create, report_create
from measures.signals import quiet
from partnerships.models import (
    EVALUATOR_GROUP,
    SPORTS_COUNCIL_GROUP,
    Community,
    CommunityPartner,
    Meeting,
    Partner,
    PartnerMembership,
    User,
)
from partnerships.services import meeting_create

DEMO_PASSWORD = "lokalsamfunn"

KONNERUD = {
    "slug": "konnerud",
    "name": "Konnerud",
    "municipality": "Drammen",
    "partnership_since": 2014,
    "description": (
        "På Konnerud har idrettslaget tatt et utvidet ansvar for tilhørighet, fellesskap og "
        "aktivitet, sammen med skolene og kommunen. Samarbeidet mellom skolene og Konnerud IL "
        "startet i 2014 og har bygget opp en aktiv kommunedel med trygge og aktive "
        "oppvekstvilkår for barn og unge."
    ),
}

# slug: (name, kind, role in the partnership, website)
PARTNERS = {
    "konnerud-il": (
        "Konnerud IL",
        Partner.Kind.SPORTS_CLUB,
        "Koordinator",
        "https://konnerudil.no",
    ),
    "hallermoen-skole": ("Hallermoen skole", Partner.Kind.SCHOOL, "Skolepartner", ""),
    "konnerud-skole": ("Konnerud skole", Partner.Kind.SCHOOL, "Skolepartner", ""),
    "svendsedammen-skole": ("Svendsedammen skole", Partner.Kind.SCHOOL, "Skolepartner", ""),
    "vestbygda-skole": ("Vestbygda skole", Partner.Kind.SCHOOL, "Skolepartner", ""),
    "drammen-kommune": (
        "Drammen kommune",
        Partner.Kind.MUNICIPALITY,
        "Kommunal partner",
        "https://www.drammen.kommune.no",
    ),
    "drammen-idrettsrad": (
        "Drammen idrettsråd",
        Partner.Kind.SPORTS_COUNCIL,
        "Prosjekteier og pådriver",
        "",
    ),
}

# username: (partner slug or None, title shown as the person's role)
ACCOUNTS = {
    "idrettsrad": ("drammen-idrettsrad", "Rådgiver"),
    "konnerud-il": ("konnerud-il", "Daglig leder"),
    "hallermoen": ("hallermoen-skole", "Rektor"),
    "konnerud-skole": ("konnerud-skole", "Rektor"),
    "svendsedammen": ("svendsedammen-skole", "Rektor"),
    "vestbygda": ("vestbygda-skole", "Rektor"),
    "kommune": ("drammen-kommune", "Rådgiver"),
    "forsker": (None, "Forsker"),
}

SCHOOLS = ["hallermoen-skole", "konnerud-skole", "svendsedammen-skole", "vestbygda-skole"]

# title: fields, partner slugs with contribution (the first is the lead), target groups,
# and how reports are made: ("weekly" | "monthly" | "once", typical participants)
MEASURES = [
    {
        "title": "Av ungdom for ungdom / FYSAK i skolen",
        "summary": "Ungdom leder fysisk aktivitet for yngre elever i skoletiden.",
        "description": (
            "Unge ledere fra Konnerud IL, kurset av idrettslaget, holder aktive friminutt og "
            "FYSAK-økter for elevene på skolene. Skolene setter av tid og sted; idrettslaget "
            "rekrutterer og følger opp de unge lederne."
        ),
        "status": Measure.Status.ACTIVE,
        "schedule": "Ukentlig i skoletiden",
        "venue": "Skolene på Konnerud",
        "started_on": datetime.date(2014, 8, 18),
        "partners": {
            "konnerud-il": "Kurser og følger opp unge ledere",
            **dict.fromkeys(SCHOOLS, "Setter av tid i skoledagen"),
        },
        "target_groups": ["6–12 år", "13–19 år"],
        "reports": ("monthly", 180),
    },
    {
        "title": "Åpen hall",
        "summary": "Gratis, åpen idrettshall for barn og ungdom på fredagskvelder.",
        "description": (
            "Hallen er åpen for alle barn og unge uten påmelding. Voksne fra idrettslaget og "
            "kommunens ungdomsarbeidere er til stede. Ballspill, dans og musikk – og et trygt "
            "sted å være sammen."
        ),
        "status": Measure.Status.ACTIVE,
        "schedule": "Fredager 19–23",
        "venue": "Konnerudhallen",
        "started_on": datetime.date(2016, 1, 15),
        "partners": {
            "konnerud-il": "Ansvarlig voksne og aktiviteter",
            "drammen-kommune": "Ungdomsarbeidere og halleie",
            "konnerud-skole": "Informerer elevene",
        },
        "target_groups": ["6–12 år", "13–19 år"],
        "reports": ("weekly", 45),
    },
    {
        "title": "Balansebarna",
        "summary": "Lek med balanse og motorikk for de yngste, sammen med en voksen.",
        "description": (
            "Balansebarna gir de minste en god start med lek som trener balanse, koordinasjon "
            "og motorikk. Foreldre eller besteforeldre deltar sammen med barna."
        ),
        "status": Measure.Status.ACTIVE,
        "schedule": "Tirsdager 17–18",
        "venue": "Hallermoen skole, gymsalen",
        "started_on": datetime.date(2019, 9, 3),
        "partners": {
            "konnerud-il": "Instruktører",
            "hallermoen-skole": "Låner ut gymsalen",
            "vestbygda-skole": "Informerer foreldre",
        },
        "target_groups": ["0–5 år", "Familier"],
        "reports": ("monthly", 60),
    },
    {
        "title": "Aktiv senior",
        "summary": "Trening og sosialt fellesskap for seniorer på Konnerud.",
        "description": (
            "Styrke- og balansetrening med instruktør, etterfulgt av kaffe i klubbhuset. "
            "Kommunen bidrar med fysioterapeut to ganger i semesteret."
        ),
        "status": Measure.Status.ACTIVE,
        "schedule": "Mandager og torsdager 10–12",
        "venue": "Konnerud IL, klubbhuset",
        "started_on": datetime.date(2018, 2, 5),
        "partners": {
            "konnerud-il": "Instruktør og lokaler",
            "drammen-kommune": "Fysioterapeut",
        },
        "target_groups": ["Seniorer 60+"],
        "reports": ("monthly", 110),
    },
    {
        "title": "Åpent klubbhus",
        "summary": "Klubbhuset er åpent etter skoletid: lekser, mat og aktivitet.",
        "description": (
            "Etter skoletid kan ungdom komme til klubbhuset for leksehjelp, et enkelt måltid og "
            "aktiviteter. Frivillige fra idrettslaget og kommunens ungdomskontakt er til stede."
        ),
        "status": Measure.Status.PAUSED,
        "schedule": "Onsdager 15–20",
        "venue": "Konnerud IL, klubbhuset",
        "started_on": datetime.date(2020, 8, 26),
        "partners": {
            "konnerud-il": "Frivillige og lokaler",
            "drammen-kommune": "Ungdomskontakt",
            "svendsedammen-skole": "Leksehjelp",
        },
        "target_groups": ["13–19 år"],
        "reports": ("monthly", 70),
    },
    {
        "title": "Fargeløpet",
        "summary": "Et fargerikt løp for hele familien, med alle skolene på Konnerud.",
        "description": (
            "Et årlig løp der deltakerne blir pudret med farger underveis. Skolene mobiliserer "
            "elever og foreldre, idrettslaget arrangerer, og kommunen og idrettsrådet bidrar "
            "med tillatelser og markedsføring."
        ),
        "status": Measure.Status.ACTIVE,
        "schedule": "Årlig, en lørdag i juni",
        "venue": "Konnerud sentrum",
        "started_on": datetime.date(2017, 6, 10),
        "partners": {
            "konnerud-il": "Arrangør",
            **dict.fromkeys(SCHOOLS, "Mobiliserer elever og foreldre"),
            "drammen-kommune": "Tillatelser og sperring",
            "drammen-idrettsrad": "Markedsføring",
        },
        "target_groups": ["Familier", "Alle"],
        "reports": ("once", 650),
    },
    {
        "title": "E-sport",
        "summary": "Organisert e-sport med trenere, faste tider og fysisk aktivitet.",
        "description": (
            "E-sport som et organisert tilbud i idrettslaget: faste treningstider, voksne "
            "trenere, fokus på godt spillmiljø og oppvarming med fysisk aktivitet."
        ),
        "status": Measure.Status.PLANNED,
        "schedule": "Torsdager 18–21",
        "venue": "Konnerud skole, datarommet",
        "started_on": None,
        "partners": {
            "konnerud-il": "Trenere",
            "konnerud-skole": "Låner ut datarommet",
            "drammen-kommune": "Utstyr",
        },
        "target_groups": ["13–19 år"],
        "reports": (None, 0),
    },
]

MEETING = {
    "kind": Meeting.Kind.FOCUS_GROUP,
    "title": "Fokusgruppemøte – evaluering av Aktive Lokalsamfunn",
    "date": datetime.date(2024, 2, 8),
    "venue": "Svendsedammen skole",
    "minutes": (
        "Rektorene, Konnerud IL, forskeren, Drammen kommune og Drammen idrettsråd gikk "
        "gjennom de viktigste tiltakene: Av ungdom for ungdom/FYSAK i skolen, Åpen hall, "
        "Balansebarna, Aktiv senior, Åpent klubbhus, Fargeløpet og E-sport.\n\n"
        "Partene diskuterte hvilken betydning samarbeidet har, hva som skal til for fremtidig "
        "bærekraft, og hvordan partene har nytte av hverandres kompetanse til beste for barn "
        "og unge. Viktigheten av fysisk aktivitet og felles samarbeid for å forebygge "
        "utenforskap ble også diskutert."
    ),
}


class Command(BaseCommand):
    help = "Load the Konnerud demo partnership and its demo accounts (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--demo-accounts",
            action="store_true",
            help="Create the demo accounts even with DEBUG off (they have a published password).",
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["demo_accounts"]:
            raise CommandError(
                "DEBUG is off: refusing to create demo accounts with the published password "
                f"'{DEMO_PASSWORD}'. Run with --demo-accounts if this is a demo server."
            )
        call_command("setup_roles", verbosity=0, stdout=self.stdout)
        # Demo data tells no one: the partners are notified of changes made after it.
        with transaction.atomic(), quiet():
            community = self.load_partnership()
            accounts = self.load_accounts()
            self.load_measures(community, accounts)
            self.load_meeting(community, author=accounts["forsker"])
        if apps.is_installed("notifications"):
            # The demo users' e-mail choices (that app builds on this one, so it is asked by name).
            call_command("load_demo_preferences", stdout=self.stdout)
        self.stdout.write(self.style.SUCCESS("Demo data for Konnerud is loaded."))
        self.stdout.write(f"Demo accounts (password: {DEMO_PASSWORD}):")
        for username, (partner_slug, title) in ACCOUNTS.items():
            where = PARTNERS[partner_slug][0] if partner_slug else EVALUATOR_GROUP
            self.stdout.write(f"  {username:<15} {title}, {where}")

    def load_partnership(self) -> Community:
        community, _created = Community.objects.update_or_create(
            slug=KONNERUD["slug"], defaults=KONNERUD
        )
        for slug, (name, kind, role, website) in PARTNERS.items():
            partner, _created = Partner.objects.update_or_create(
                slug=slug, defaults={"name": name, "kind": kind, "website": website}
            )
            CommunityPartner.objects.update_or_create(
                community=community,
                partner=partner,
                defaults={"role": role, "since": KONNERUD["partnership_since"]},
            )
        return community

    def load_accounts(self) -> dict[str, User]:
        council = Group.objects.get(name=SPORTS_COUNCIL_GROUP)
        evaluator = Group.objects.get(name=EVALUATOR_GROUP)
        users = {}
        for username, (partner_slug, title) in ACCOUNTS.items():
            where = PARTNERS[partner_slug][0] if partner_slug else "Aktive Lokalsamfunn"
            user, _created = User.objects.update_or_create(
                username=username,
                defaults={
                    "first_name": title,
                    "last_name": where,
                    "email": f"{username}@example.org",
                    "is_active": True,
                    "is_staff": username == "idrettsrad",
                    "is_superuser": False,
                },
            )
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            if username == "idrettsrad":
                user.groups.add(council)
            if username == "forsker":
                user.groups.add(evaluator)
            if partner_slug:
                PartnerMembership.objects.update_or_create(
                    user=user,
                    partner=Partner.objects.get(slug=partner_slug),
                    defaults={"title": title},
                )
            users[username] = user
        return users

    def load_measures(self, community: Community, accounts: dict[str, User]) -> None:
        """Konnerud IL writes the measures; the partner that hosts each one logs its reports."""
        author = accounts["konnerud-il"]
        account_of_partner = {slug: name for name, (slug, _title) in ACCOUNTS.items() if slug}
        partners = {partner.slug: partner for partner in Partner.objects.all()}
        for name, order in DEFAULT_TARGET_GROUPS:  # seeded by a migration, unless flushed
            TargetGroup.objects.get_or_create(name=name, defaults={"order": order})
        groups = {group.name: group for group in TargetGroup.objects.all()}
        for spec in MEASURES:
            if Measure.objects.filter(community=community, title=spec["title"]).exists():
                continue
            measure_partners = [partners[slug] for slug in spec["partners"]]
            measure = measure_create(
                community=community,
                user=author,
                data={
                    "title": spec["title"],
                    "summary": spec["summary"],
                    "description": spec["description"],
                    "status": spec["status"],
                    "schedule": spec["schedule"],
                    "venue": spec["venue"],
                    "started_on": spec["started_on"],
                    "lead_partner": measure_partners[0],
                },
                partners=measure_partners,
                target_groups=[groups[name] for name in spec["target_groups"]],
                contributions={partners[slug].pk: text for slug, text in spec["partners"].items()},
            )
            reporter = next(
                (
                    accounts[account_of_partner[slug]]
                    for slug in list(spec["partners"])[1:]
                    if slug in account_of_partner
                ),
                author,
            )
            self.load_reports(measure, *spec["reports"], author=reporter)

    def load_reports(self, measure: Measure, cadence, typical: int, *, author: User) -> None:
        """A year of activity up to today, the same numbers every run (seeded by title)."""
        rng = random.Random(measure.title)
        today = timezone.localdate()
        for start, end, sessions in _periods(cadence, today):
            if start.month == 7:
                continue  # summer holiday
            participants = max(1, round(typical * rng.uniform(0.7, 1.2)))
            volunteers = max(1, round(participants / rng.uniform(8, 15)))
            report_create(
                measure=measure,
                user=author,
                data={
                    "period_start": start,
                    "period_end": end,
                    "sessions": sessions,
                    "participants": participants,
                    "girls": round(participants * rng.uniform(0.35, 0.55)),
                    "volunteers": volunteers,
                    "volunteer_hours": Decimal(volunteers * sessions * 3),
                    "note": "",
                },
            )

    def load_meeting(self, community: Community, *, author: User) -> None:
        if Meeting.objects.filter(community=community, date=MEETING["date"]).exists():
            return
        meeting_create(
            community=community,
            user=author,
            data=MEETING,
            partners_present=list(Partner.objects.filter(slug__in=PARTNERS)),
        )


def _periods(cadence, today: datetime.date):
    """(start, end, sessions) for the last twelve months up to ``today``."""
    if cadence == "weekly":
        friday = today - datetime.timedelta(days=(today.weekday() - 4) % 7)
        for week in range(52):
            day = friday - datetime.timedelta(weeks=week)
            yield day, day, 1
    elif cadence == "monthly":
        first = today.replace(day=1)
        for _month in range(12):
            first = (first - datetime.timedelta(days=1)).replace(day=1)
            next_first = (first + datetime.timedelta(days=32)).replace(day=1)
            yield first, next_first - datetime.timedelta(days=1), 4
    elif cadence == "once":
        day = datetime.date(today.year if today.month > 6 else today.year - 1, 6, 13)
        yield day, day, 1
