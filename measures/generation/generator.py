"""Build and write a county's communities, partners, people, measures, reports and meetings.

Rows are written with ``bulk_create``, not through ``measures.services`` (which writes one row
at a time), so this module does what a save does, once for each kind of record:

- computed fields come from the models' own ``derive_fields()``, which ``save()`` calls too;
- every save of a record is a history row written by simple-history's ``bulk_history_create``
  (date, user and reason from the record's ``_history_date``, ``_history_user`` and
  ``_change_reason``) with the version that save wrote, and the relations that history keeps
  (a measure's partners with their contribution and its target groups, a meeting's partners
  present) get the historical m2m rows that ``create_historical_record_m2ms`` would write;
- a measure and its partner links are written in one transaction (the caller's): on PostgreSQL
  a foreign key checked at commit refuses a lead partner who is not one of them.

Deterministic: one ``random.Random(seed)`` decides everything and ``until`` anchors every date.
"""

from __future__ import annotations

import datetime
import random
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from dateutil.easter import easter as dateutil_easter
from django.db import models, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from measures.generation.vocabulary import (
    ACTIVITIES,
    COMMUNITY_DESCRIPTION,
    COMMUNITY_ROLES,
    CONTRIBUTIONS,
    DESCRIPTIONS,
    FIRST_NAMES,
    LAST_NAMES,
    MEETING_VENUES,
    MEETINGS,
    MEMBER_TITLES,
    MINUTES,
    NOTES,
    QUALIFIERS,
    SCHEDULE_SLOTS,
    SCHEDULES,
    SCHOOL_PREFIXES,
    SUMMARIES,
    VENUES,
    community_names,
)
from measures.models import Measure, MeasurePartner, Report, TargetGroup, TimeSlot
from measures.services import ChangeReason
from partnerships.models import (
    Community,
    CommunityPartner,
    HolidayPeriod,
    Meeting,
    Partner,
    PartnerMembership,
    User,
)
from partnerships.text import norwegian_slugify

BATCH = 5_000
MINUTE = datetime.timedelta(minutes=1)
MeasureTargetGroup = Measure.target_groups.through
MeetingPartner = Meeting.partners_present.through


@dataclass
class Save:
    """One save of a record: when, by whom, why, and the values it left in the record."""

    at: datetime.datetime
    by: User | None
    values: dict[str, Any]
    reason: str | None = None

    def apply(self, record: models.Model) -> None:
        """Give ``record`` this save's values, and its history row's date, user and reason."""
        for name, value in self.values.items():
            setattr(record, name, value)
        record._history_date, record._history_user = self.at, self.by
        record._change_reason = self.reason


@dataclass
class Plan:
    """A community and its partners, the sports club first."""

    community: Community
    partners: list[Partner] = field(default_factory=list)


@dataclass
class MeasurePlan:
    """A measure with its partners (the lead first), their contributions, groups and saves."""

    measure: Measure
    partners: list[Partner]
    contributions: dict[int, str]
    groups: list[TargetGroup]
    saves: list[Save] = field(default_factory=list)


class Generator:
    """Builds the rows and writes them; ``rng`` decides everything, ``until`` anchors dates."""

    def __init__(self, *, seed: int, until: datetime.date, years: int, password_hash: str):
        self.rng = random.Random(seed)
        self.until = until
        self.first_day = until.replace(year=until.year - years)
        self.password_hash = password_hash
        self.tz = timezone.get_default_timezone()
        self.target_groups = list(TargetGroup.objects.order_by("order"))
        self.users_of: dict[int, list[User]] = {}
        # Time slots and public pages draw from their own generator, so that the rest of the
        # data is what the same seed gave before they existed.
        self.schedule_rng = random.Random(f"{seed}-schedules")

    def moment(self, day: datetime.date, hour: int | None = None) -> datetime.datetime:
        """A time of day on ``day`` in Oslo, never after the end of ``until``."""
        day = min(day, self.until)
        hour = self.rng.randint(8, 22) if hour is None else hour
        return datetime.datetime.combine(
            day, datetime.time(hour, self.rng.randint(0, 59), self.rng.randint(0, 59)), self.tz
        )

    def day_between(self, first: datetime.date, last: datetime.date) -> datetime.date:
        return first + datetime.timedelta(days=self.rng.randint(0, max((last - first).days, 0)))

    def people_of(self, partners: Sequence[Partner]) -> list[User]:
        return [user for partner in partners for user in self.users_of.get(partner.pk, [])]

    # --- Who is who -------------------------------------------------------------------------

    def partnerships(self, count: int) -> list[Plan]:
        """Communities with their partners and people; the municipality's partner is shared."""
        rng = self.rng
        municipalities: dict[str, Partner] = {}
        councils: dict[str, Partner] = {}
        plans = []
        for name, municipality in community_names(count):
            community = Community(
                name=name,
                slug=norwegian_slugify(name),
                municipality=municipality,
                partnership_since=rng.randint(2012, self.until.year - 1),
                description=COMMUNITY_DESCRIPTION.format(name=name, municipality=municipality),
            )
            plan = Plan(community, [Partner(name=f"{name} IL", kind=Partner.Kind.SPORTS_CLUB)])
            for prefix in rng.sample(SCHOOL_PREFIXES, rng.randint(2, 4)):
                plan.partners.append(
                    Partner(name=f"{prefix}{name} skole", kind=Partner.Kind.SCHOOL)
                )
            if municipality not in municipalities:
                municipalities[municipality] = Partner(
                    name=f"{municipality} kommune", kind=Partner.Kind.MUNICIPALITY
                )
                councils[municipality] = Partner(
                    name=f"{municipality} idrettsråd", kind=Partner.Kind.SPORTS_COUNCIL
                )
            plan.partners.append(municipalities[municipality])
            if rng.random() < 0.4:
                plan.partners.append(councils[municipality])
            plans.append(plan)
        for index, plan in enumerate(plans):
            # The first community shows its public pages (the benchmark reads them); half do.
            plan.community.is_public = index == 0 or self.schedule_rng.random() < 0.5
        partners = list({id(p): p for plan in plans for p in plan.partners}.values())
        for partner in partners:
            partner.slug = norwegian_slugify(partner.name)[:60]
            partner.email = f"post@{partner.slug}.example.invalid"
        for model, objects in (
            (Community, [plan.community for plan in plans]),
            (Partner, partners),
        ):
            bulk_create_with_history(
                objects,
                model,
                batch_size=BATCH,
                default_date=self.moment(self.first_day, 9),
                default_change_reason=None,
            )
        CommunityPartner.objects.bulk_create(
            CommunityPartner(
                community=plan.community,
                partner=partner,
                role=COMMUNITY_ROLES[partner.kind],
                since=plan.community.partnership_since,
            )
            for plan in plans
            for partner in plan.partners
        )
        self.people(partners)
        self.holidays(sorted(municipalities))
        return plans

    def holidays(self, municipalities: list[str]) -> None:
        """Each municipality's school holidays, every school year from ``--years`` back to a
        year after ``until``."""
        periods = [
            HolidayPeriod(municipality=municipality, name=name, first_day=first, last_day=last)
            for municipality in municipalities
            for year in range(self.first_day.year - 1, self.until.year + 1)
            for name, first, last in school_holidays(year)
        ]
        bulk_create_with_history(
            periods,
            HolidayPeriod,
            batch_size=BATCH,
            default_date=self.moment(self.first_day, 9),
            default_change_reason=None,
        )

    def people(self, partners: list[Partner]) -> None:
        """One or two users per partner: the first is named after the partner's slug."""
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
                memberships.append((user, partner, MEMBER_TITLES[partner.kind][n]))
        User.objects.bulk_create(users)
        PartnerMembership.objects.bulk_create(
            PartnerMembership(user=user, partner=partner, title=title)
            for user, partner, title in memberships
        )
        for user, partner, _title in memberships:
            self.users_of.setdefault(partner.pk, []).append(user)

    # --- What they do -----------------------------------------------------------------------

    @transaction.atomic  # a measure with its partner links: the lead's key is checked at commit
    def community(self, plan: Plan, *, measures: int, reports: int) -> Counter:
        """Write one community's measures with their partners, groups, reports and history."""
        plans = self.measures(plan, measures)
        for measure_plan in plans:
            measure, saves = measure_plan.measure, self.edits(measure_plan)
            saves[-1].apply(measure)
            measure.created_by, measure.created_at = saves[0].by, saves[0].at
            measure.derive_fields()
            measure_plan.saves = saves
        with own_timestamps(Measure):
            Measure.objects.bulk_create([p.measure for p in plans], batch_size=BATCH)
        links = {
            p.measure.pk: [
                MeasurePartner(
                    measure=p.measure, partner=partner, contribution=p.contributions[partner.pk]
                )
                for partner in p.partners
            ]
            for p in plans
        }
        group_links = {
            p.measure.pk: [MeasureTargetGroup(measure=p.measure, targetgroup=g) for g in p.groups]
            for p in plans
        }
        for model, by_measure in ((MeasurePartner, links), (MeasureTargetGroup, group_links)):
            model.objects.bulk_create(
                [link for some in by_measure.values() for link in some], batch_size=BATCH
            )
        rows = write_history(Measure, [(p.measure, p.saves) for p in plans])
        write_m2m_history(Measure, "partners", rows, lambda measure: links[measure.pk])
        write_m2m_history(Measure, "target_groups", rows, lambda measure: group_links[measure.pk])
        slot_count = self.write_slots(plans)
        report_count, report_rows = self.write_reports(plans, reports)
        return Counter(
            {
                "measures": len(plans),
                "time slots": slot_count,
                "reports": report_count,
                "measure history": len(rows),
                "report history": report_rows,
            }
        )

    def measures(self, plan: Plan, count: int) -> list[MeasurePlan]:
        """``count`` measures of one community, each with its partners and groups."""
        rng = self.rng
        community, partners = plan.community, plan.partners
        club = partners[0]
        titles = rng.sample(
            [f"{a} {q}".strip() for a in ACTIVITIES for q in QUALIFIERS],
            min(count, len(ACTIVITIES) * len(QUALIFIERS)),
        )
        while len(titles) < count:
            titles.append(f"{rng.choice(ACTIVITIES)} {len(titles) + 1}")
        plans = []
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
            plans.append(
                MeasurePlan(
                    measure=Measure(
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
                        is_public=self.schedule_rng.random() < 0.8,
                    ),
                    partners=measure_partners,
                    contributions={p.pk: rng.choice(CONTRIBUTIONS) for p in measure_partners},
                    groups=rng.sample(self.target_groups, rng.randint(1, 3)),
                )
            )
        return plans

    def write_slots(self, plans: list[MeasurePlan]) -> int:
        """Every measure's weekly time (a second one for one in five), from its schedule text,
        over the measure's own dates, created with the measure."""
        rng = self.schedule_rng
        times = list(SCHEDULE_SLOTS.values())
        records: list[tuple[TimeSlot, list[Save]]] = []
        for plan in plans:
            measure, created = plan.measure, plan.saves[0]
            first = SCHEDULE_SLOTS.get(measure.schedule) or rng.choice(times)
            specs = [first]
            if rng.random() < 0.2:
                specs.append(rng.choice([t for t in times if t != first]))
            for days, start, end in specs:
                slot = TimeSlot(
                    measure=measure,
                    weekdays=days,
                    starts_at=datetime.time(*start),
                    ends_at=datetime.time(*end),
                    season_start=measure.started_on,
                    season_end=measure.ended_on,
                    pauses_in_school_holidays=rng.random() < 0.8,
                    created_by=created.by,
                    updated_by=created.by,
                )
                slot.created_at = slot.updated_at = created.at
                records.append((slot, [Save(created.at, created.by, {"updated_at": created.at})]))
        with own_timestamps(TimeSlot):
            TimeSlot.objects.bulk_create([slot for slot, _saves in records], batch_size=BATCH)
        return len(write_history(TimeSlot, records))

    def edits(self, plan: MeasurePlan) -> list[Save]:
        """The measure's saves, oldest first: creation, then up to four plausible edits by its
        partners' people, each a minute or more after the one before; the last is the measure
        as it is now."""
        rng = self.rng
        measure = plan.measure
        authors = self.people_of(plan.partners)
        created_at = self.moment(measure.started_on - datetime.timedelta(days=rng.randint(7, 60)))
        final = {name: getattr(measure, name) for name in ("status", "schedule", "venue")}
        final["summary"], final["is_archived"] = measure.summary, measure.is_archived
        # Work backwards from the final state: earlier saves had other values.
        count = rng.randint(0, 4)
        states, reasons = [dict(final)], [None]
        for _ in range(count):
            earlier = dict(states[0])
            change = rng.choice(["status", "schedule", "venue", "summary"])
            reason = None
            if earlier["is_archived"]:
                earlier["is_archived"] = False
                reason = ChangeReason.ARCHIVED
            elif change == "status" and earlier["status"] != Measure.Status.PLANNED:
                earlier["status"] = Measure.Status.PLANNED
            elif change == "schedule":
                earlier["schedule"] = rng.choice(SCHEDULES)
            elif change == "venue":
                earlier["venue"] = f"{measure.community.name} {rng.choice(VENUES)}".strip()
            else:
                earlier["summary"] = rng.choice(SUMMARIES)
            reasons[0] = reason
            states.insert(0, earlier)
            reasons.insert(0, None)
        span = max((self.until - created_at.date()).days, 1)
        offsets = sorted(rng.randint(1, span) for _ in range(count))
        saves: list[Save] = []
        for index, (state, reason) in enumerate(zip(states, reasons, strict=True)):
            if index == 0:
                at = created_at
            else:
                day = created_at.date() + datetime.timedelta(days=offsets[index - 1])
                at = max(self.moment(day), saves[-1].at + MINUTE)
            by = rng.choice(authors) if authors else None
            values = {**state, "version": index + 1, "updated_at": at, "updated_by": by}
            saves.append(Save(at=at, by=by, values=values, reason=reason))
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

    def write_reports(self, plans: list[MeasurePlan], per_measure: int) -> tuple[int, int]:
        """The reports, each by one of its measure's people within a week of its end; one in
        twenty was corrected later (its first version had other participants)."""
        rng = self.rng
        records: list[tuple[Report, list[Save]]] = []
        for plan in plans:
            people = self.people_of(plan.partners)
            for report in self.reports(plan.measure, per_measure):
                by = report.reported_by = rng.choice(people) if people else None
                day = report.period_end + datetime.timedelta(days=rng.randint(0, 6))
                report.created_at = created = self.moment(day)
                saves = [Save(created, by, {"updated_at": created, "version": 1})]
                if rng.random() < 0.05:
                    later = created.date() + datetime.timedelta(days=rng.randint(1, 14))
                    corrected = max(self.moment(later), created)
                    saves[0].values["participants"] = report.participants + 3
                    saves.append(
                        Save(
                            corrected,
                            by,
                            {
                                "participants": report.participants,
                                "updated_at": corrected,
                                "version": 2,
                            },
                        )
                    )
                saves[-1].apply(report)
                report.derive_fields()
                records.append((report, saves))
        with own_timestamps(Report):
            Report.objects.bulk_create([report for report, _saves in records], batch_size=BATCH)
        return len(records), len(write_history(Report, records))

    def meetings(self, plans: list[Plan]) -> Counter:
        """Two to four meetings a year in each community, with the partners present and their
        history; the minutes of about half are written a few days later, as a second version.

        Drawn after every community's measures and reports, which they leave as they were."""
        rng = self.rng
        records: list[tuple[Meeting, list[Save]]] = []
        present_of: dict[int, list[Partner]] = {}
        for plan in plans:
            community = plan.community
            for year in range(self.first_day.year, self.until.year + 1):
                first = max(self.first_day, datetime.date(year, 1, 1))
                last = min(self.until, datetime.date(year, 12, 31))
                for _ in range(rng.randint(2, 4)):
                    title, kind = rng.choice(MEETINGS)
                    day = self.day_between(first, last)
                    partners = plan.partners
                    present = rng.sample(
                        partners, rng.randint(min(2, len(partners)), len(partners))
                    )
                    people = self.people_of(present)
                    by = rng.choice(people) if people else None
                    meeting = Meeting(
                        community=community,
                        kind=kind,
                        title=title,
                        date=day,
                        venue=f"{community.name} {rng.choice(MEETING_VENUES)}",
                        created_by=by,
                    )
                    meeting.created_at = created = self.moment(day)
                    minutes = rng.choice(MINUTES)
                    saves = [
                        Save(created, by, {"minutes": minutes, "updated_at": created, "version": 1})
                    ]
                    if rng.random() < 0.5:
                        later = self.moment(day + datetime.timedelta(days=rng.randint(1, 7)))
                        written = max(later, created + MINUTE)
                        saves[0].values["minutes"] = ""
                        saves.append(
                            Save(
                                written,
                                rng.choice(people) if people else None,
                                {"minutes": minutes, "updated_at": written, "version": 2},
                            )
                        )
                    saves[-1].apply(meeting)
                    records.append((meeting, saves))
                    present_of[id(meeting)] = present
        with own_timestamps(Meeting):
            Meeting.objects.bulk_create([meeting for meeting, _saves in records], batch_size=BATCH)
        present_links = {
            meeting.pk: [
                MeetingPartner(meeting=meeting, partner=p) for p in present_of[id(meeting)]
            ]
            for meeting, _saves in records
        }
        MeetingPartner.objects.bulk_create(
            [link for links in present_links.values() for link in links], batch_size=BATCH
        )
        rows = write_history(Meeting, records)
        write_m2m_history(Meeting, "partners_present", rows, lambda m: present_links[m.pk])
        return Counter({"meetings": len(records), "meeting history": len(rows)})


def school_year_start(today: datetime.date) -> int:
    """The year the current school year started (it starts in August)."""
    return today.year if today.month >= 8 else today.year - 1


def school_holidays(year: int) -> list[tuple[str, datetime.date, datetime.date]]:
    """A school year's holidays from August ``year``, as Drammen's school calendar has them:
    autumn break in week 40, Christmas, winter break in week 9, Easter and the summer."""
    easter = dateutil_easter(year + 1)
    autumn = datetime.date.fromisocalendar(year, 40, 1)
    winter = datetime.date.fromisocalendar(year + 1, 9, 1)
    friday = datetime.timedelta(days=4)
    return [
        ("Høstferie", autumn, autumn + friday),
        ("Juleferie", datetime.date(year, 12, 21), datetime.date(year + 1, 1, 1)),
        ("Vinterferie", winter, winter + friday),
        ("Påskeferie", easter - datetime.timedelta(days=6), easter + datetime.timedelta(days=1)),
        ("Sommerferie", datetime.date(year + 1, 6, 20), datetime.date(year + 1, 8, 16)),
    ]


def write_history(
    model: type[models.Model], records: list[tuple[models.Model, list[Save]]]
) -> list[tuple[models.Model, models.Model]]:
    """A history row for every save of ``records``, as simple-history writes one per save.

    The records are in the database as their last save left them. Layer by layer (each record's
    first save, then each second save, …) every record takes that save's values and
    ``bulk_history_create`` copies it into a row; after the last layer each record holds its
    stored values again. Returns (history row, record) pairs.
    """
    written = []
    for index in range(max((len(saves) for _record, saves in records), default=0)):
        layer = [record for record, saves in records if index < len(saves)]
        for record, saves in records:
            if index < len(saves):
                saves[index].apply(record)
        rows = model.history.bulk_history_create(
            layer, batch_size=BATCH, update=index > 0, default_change_reason=None
        )
        written += zip(rows, layer, strict=True)
    for record, _saves in records:
        del record._history_date, record._history_user, record._change_reason
    return written


def write_m2m_history(
    model: type[models.Model],
    name: str,
    rows: list[tuple[models.Model, models.Model]],
    links_of: Callable[[models.Model], list[models.Model]],
) -> None:
    """The relation ``name`` as each history row saw it, as simple-history writes it on a
    save: a copy of each of the record's through rows, pointing at the history row."""
    historical = getattr(model.history.model, name).model
    columns = [f.attname for f in getattr(model, name).through._meta.fields]
    historical.objects.bulk_create(
        (
            historical(history=row, **{column: getattr(link, column) for column in columns})
            for row, record in rows
            for link in links_of(record)
        ),
        batch_size=BATCH,
    )


@contextmanager
def own_timestamps(model: type[models.Model]) -> Iterator[None]:
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
