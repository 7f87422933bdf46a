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

from measures.caching import bump_all
from measures.generation.generator import school_holidays, school_year_start
from measures.models import DEFAULT_TARGET_GROUPS, Measure, ScheduleChange, TargetGroup
from measures.schedules import HolidayCalendar, sessions, slots_of
from measures.services import (
    measure_create,
    measure_update,
    report_create,
    schedule_change_create,
    timeslot_create,
)
from measures.signals import quiet
from partnerships.models import (
    EVALUATOR_GROUP,
    SPORTS_COUNCIL_GROUP,
    Community,
    CommunityPartner,
    HolidayPeriod,
    Meeting,
    Partner,
    PartnerMembership,
    User,
)
from partnerships.services import holiday_period_create, meeting_create

DEMO_PASSWORD = "lokalsamfunn"

KONNERUD = {
    "slug": "konnerud",
    "name": "Konnerud",
    "municipality": "Drammen",
    "partnership_since": 2014,
    "is_public": True,
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
        # For the pupils in school time: not on the public pages.
        "is_public": False,
        "slots": [{"weekdays": [3], "starts_at": (11, 30), "ends_at": (12, 15)}],
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
        "slots": [{"weekdays": [5], "starts_at": (19, 0), "ends_at": (23, 0)}],
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
        "slots": [{"weekdays": [2], "starts_at": (17, 0), "ends_at": (18, 0)}],
    },
    {
        "title": "Aktiv senior",
        "summary": "Trening og sosialt fellesskap for seniorer på Konnerud.",
        "description": (
            "Styrke- og balansetrening med instruktør i gymsalen på Konnerud skole mens "
            "elevene har lunsjpause, og kaffe i klubbhuset etterpå. Kommunen bidrar med "
            "fysioterapeut to ganger i semesteret."
        ),
        "status": Measure.Status.ACTIVE,
        "schedule": "Torsdager 11.30–12.30, i skolens lunsjpause",
        "venue": "Konnerud skole, gymsalen",
        "started_on": datetime.date(2018, 2, 5),
        "partners": {
            "konnerud-il": "Instruktør og lokaler",
            "drammen-kommune": "Fysioterapeut",
        },
        "target_groups": ["Seniorer 60+"],
        "reports": ("monthly", 110),
        "slots": [{"weekdays": [4], "starts_at": (11, 30), "ends_at": (12, 30)}],
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
        "slots": [{"weekdays": [3], "starts_at": (15, 0), "ends_at": (20, 0)}],
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
        # One Saturday in June: a season of one day (see fargelopet_day).
        "slots": [{"weekdays": [6], "starts_at": (11, 0), "ends_at": (14, 0), "once": True}],
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
            self.load_holidays(community.municipality, author=accounts["idrettsrad"])
            self.load_measures(community, accounts)
            self.load_meeting(community, author=accounts["forsker"])
            bump_all()  # some rows are written in bulk, without signals
        if apps.is_installed("notifications"):
            # The demo users' e-mail choices (that app builds on this one, so it is asked by name).
            call_command("load_demo_preferences", stdout=self.stdout)
        if apps.is_installed("funding"):
            # Konnerud's grants, goals and context figures (that app builds on this one too).
            call_command("load_demo_funding", stdout=self.stdout)
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
            measure = Measure.objects.filter(community=community, title=spec["title"]).first()
            if measure is not None:
                if not measure.slots.exists():  # loaded before measures had time slots
                    self.load_slots(measure, spec, author=author)
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
                    "is_public": spec.get("is_public", True),
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
            session_days = self.load_slots(measure, spec, author=author)
            self.load_reports(measure, *spec["reports"], author=reporter, session_days=session_days)

    def load_holidays(self, municipality: str, *, author: User) -> None:
        """The municipality's school holidays, last school year to next."""
        first_year = school_year_start(timezone.localdate()) - 1
        for year in range(first_year, first_year + 3):
            for name, first, last in school_holidays(year):
                if not HolidayPeriod.objects.filter(
                    municipality=municipality, name=name, first_day=first
                ).exists():
                    holiday_period_create(
                        municipality=municipality,
                        user=author,
                        data={"name": name, "first_day": first, "last_day": last},
                    )

    def load_slots(self, measure: Measure, spec: dict, *, author: User) -> list[datetime.date]:
        """The measure's time slots, from the first day of last school year; and, for Åpen
        hall, a Friday cancelled three weeks ahead. Returns the past year's session days."""
        today = timezone.localdate()
        season = datetime.date(school_year_start(today) - 1, 8, 17)
        for slot_spec in spec.get("slots", []):
            once = slot_spec.get("once") and fargelopet_day(today)
            slot = timeslot_create(
                measure=measure,
                user=author,
                data={
                    "weekdays": slot_spec["weekdays"],
                    "starts_at": datetime.time(*slot_spec["starts_at"]),
                    "ends_at": datetime.time(*slot_spec["ends_at"]),
                    "season_start": once or season,
                    "season_end": once or None,
                    # Weekly measures follow the school calendar; the one-day event does not.
                    "pauses_in_school_holidays": not once,
                },
            )
            if measure.title == "Åpen hall":
                self.cancel_one(slot, today + datetime.timedelta(weeks=3), author=author)
        if spec.get("is_public", True) and not measure.is_public:
            measure_update(
                measure=measure, user=author, version=measure.version, data={"is_public": True}
            )
        slots = slots_of(Measure.objects.filter(pk=measure.pk))
        calendar = HolidayCalendar.for_community(measure.community)
        year_ago = today - datetime.timedelta(weeks=52)
        return [
            s.day for s in sessions(slots, year_ago, today - datetime.timedelta(days=1), calendar)
        ]

    def cancel_one(self, slot, near: datetime.date, *, author: User) -> None:
        """Cancel the slot's first session from ``near`` on, as a partner would."""
        slot = slots_of(Measure.objects.filter(pk=slot.measure_id))[0]
        calendar = HolidayCalendar.for_community(slot.measure.community)
        upcoming = sessions([slot], near, near + datetime.timedelta(weeks=8), calendar)
        if upcoming:
            schedule_change_create(
                slot=slot,
                user=author,
                data={
                    "date": upcoming[0].day,
                    "kind": ScheduleChange.Kind.CANCELLED,
                    "note": "Hallen brukes til håndballcup",
                },
            )

    def load_reports(
        self,
        measure: Measure,
        cadence,
        typical: int,
        *,
        author: User,
        session_days: list[datetime.date] = (),
    ) -> None:
        """A year of activity up to today, the same numbers every run (seeded by title).

        A weekly measure reports each session of its schedule, but for the latest but one:
        the portal shows it as missing."""
        rng = random.Random(measure.title)
        today = timezone.localdate()
        periods = list(_periods(cadence, today))
        if cadence == "weekly" and len(session_days) > 1:
            periods = [(day, day, 1) for day in session_days if day != session_days[-2]]
        for start, end, count in periods:
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
                    "sessions": count,
                    "participants": participants,
                    "girls": round(participants * rng.uniform(0.35, 0.55)),
                    "volunteers": volunteers,
                    "volunteer_hours": Decimal(volunteers * count * 3),
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


def fargelopet_day(today: datetime.date) -> datetime.date:
    """The second Saturday of the coming June (this year's if it is still ahead)."""
    year = today.year
    while True:
        june = datetime.date(year, 6, 1)
        day = june + datetime.timedelta(days=(5 - june.weekday()) % 7 + 7)
        if day >= today:
            return day
        year += 1


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
