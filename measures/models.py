"""What the partners do together: measures (tiltak) and their activity reports."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateField,
    DecimalField,
    Exists,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, ExtractYear, RowNumber, TruncMonth
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from measures.periods import Period, last_completed_period
from partnerships.dates import validate_activity_date
from partnerships.models import (
    Community,
    ConstraintsOnFields,
    Partner,
    SharedRecord,
    author_field,
)
from partnerships.text import fold


def search_text(*parts: str) -> str:
    """Text in the one form search compares with: casefolded, accents removed (``fold``)."""
    return fold(" ".join(parts))


# The age bands Norwegian sport reports in, plus three wider groups: (name, order).
# Migration 0003 seeds these; load_demo restores any that are missing.
DEFAULT_TARGET_GROUPS = [
    ("0–5 år", 10),
    ("6–12 år", 20),
    ("13–19 år", 30),
    ("20–25 år", 40),
    ("26 år og eldre", 50),
    ("Seniorer 60+", 60),
    ("Familier", 70),
    ("Alle", 80),
]


class TargetGroup(models.Model):
    """An age band or group, seeded by a data migration."""

    name = models.CharField(_("name"), max_length=60, unique=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("target group")
        verbose_name_plural = _("target groups")
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


# A measure neither changed nor reported for this long is "stale" (about six months).
STALE_AFTER_DAYS = 183


def _start_of_day(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


ONE_DAY = datetime.timedelta(days=1)


def _as_of(moment: datetime.datetime, name: str, default=None):
    """One field of the measure as its last history row before ``moment`` has it (a correlated
    subquery: no query per measure)."""
    rows = (
        Measure.history.model.objects.filter(id=OuterRef("pk"), history_date__lt=moment)
        .order_by("-history_date", "-history_id")
        .values(name)[:1]
    )
    if default is None:
        return Subquery(rows)
    return Coalesce(Subquery(rows), Value(default))


class MeasureQuerySet(models.QuerySet):
    def not_archived(self):
        return self.filter(is_archived=False)

    def search(self, text: str):
        """Every word must occur in title, summary, description or venue, in any letter case
        and with or without accents ("apen hall" finds "Åpen hall", "kafé" finds "Kafe").

        On PostgreSQL a trigram index (migration 0007) serves the ``LIKE '%word%'``."""
        queryset = self
        for word in search_text(text).split():
            queryset = queryset.filter(search_text__contains=word)
        return queryset

    def of_partners(self, partner_ids):
        """Measures where one of ``partner_ids`` is a partner."""
        return self.filter(
            Exists(
                MeasurePartner.objects.filter(
                    measure=OuterRef("pk"), partner_id__in=list(partner_ids)
                )
            )
        )

    def of_user(self, user):
        """The measures of the user's partners."""
        if not user.is_authenticated:
            return self.none()
        return self.of_partners(user.partner_ids)

    def with_last_report(self):
        """Annotate ``last_report_on``: the end of the latest report's period."""
        latest = Report.objects.filter(measure=OuterRef("pk")).order_by("-period_end")
        return self.annotate(last_report_on=Subquery(latest.values("period_end")[:1]))

    def with_attention(self, today: datetime.date | None = None):
        """Annotate what a measure's partners should see to, in one query.

        ``report_due_start`` and ``report_due_end``: the last completed reporting period of the
        measure's community (``Community.reporting_frequency``, a month by default) when the
        measure is active, not archived, had started by the period's end and has no report
        starting in it ("missing a report"); else None. ``is_stale``: not archived or ended,
        and neither changed nor reported (a report ending, or logged) for six months.
        """
        today = today or timezone.localdate()
        starts, ends = [], []
        for frequency in Community.ReportingFrequency.values:
            period = last_completed_period(frequency, today)
            missing = Q(community__reporting_frequency=frequency) & self._missing_report_in(period)
            starts.append(When(missing, then=Value(period.start)))
            ends.append(When(missing, then=Value(period.end)))
        since = today - datetime.timedelta(days=STALE_AFTER_DAYS)
        recent_reports = Report.objects.filter(measure=OuterRef("pk")).filter(
            Q(period_end__gte=since) | Q(created_at__gte=_start_of_day(since))
        )
        stale = (
            Q(is_archived=False, updated_at__lt=_start_of_day(since))
            & ~Q(status=Measure.Status.ENDED)
            & ~Exists(recent_reports)
        )
        return self.annotate(
            report_due_start=Case(*starts, default=None, output_field=DateField()),
            report_due_end=Case(*ends, default=None, output_field=DateField()),
            is_stale=Case(
                When(stale, then=Value(True)), default=False, output_field=BooleanField()
            ),
        )

    def needing_attention(self, today: datetime.date | None = None):
        """Measures missing a report or stale (``with_attention``'s annotations)."""
        return self.with_attention(today).filter(
            Q(report_due_start__isnull=False) | Q(is_stale=True)
        )

    def missing_report(self, today: datetime.date | None = None):
        """Measures missing a report for their last completed period, by title."""
        return (
            self.with_attention(today)
            .filter(report_due_start__isnull=False)
            .select_related("community")
            .order_by("title", "pk")
        )

    @staticmethod
    def _missing_report_in(period: Period) -> Q:
        started = Q(started_on__lte=period.end) | Q(
            started_on__isnull=True,
            created_at__lt=_start_of_day(period.end + datetime.timedelta(days=1)),
        )
        reported = Exists(
            Report.objects.filter(
                measure=OuterRef("pk"), period_start__range=(period.start, period.end)
            )
        )
        return Q(status=Measure.Status.ACTIVE, is_archived=False) & started & ~reported

    def first_per_status(self, count: int):
        """At most ``count`` measures of each status, by title, in one query."""
        return self.annotate(
            place=Window(RowNumber(), partition_by=F("status"), order_by=[F("title"), F("pk")])
        ).filter(place__lte=count)

    def for_overview(self):
        """Just what the dashboard's and a community's lists of measures show (hundreds)."""
        return self.select_related("community").only(
            "title", "summary", "status", "is_archived", "community__name"
        )

    def for_list(self):
        """What a list of measures shows, in a fixed number of queries."""
        return self.select_related("community", "lead_partner").prefetch_related("target_groups")

    def for_detail(self):
        """One measure with what its pages show, in a fixed number of queries."""
        return self.select_related(
            "community", "lead_partner", "created_by", "updated_by"
        ).prefetch_related(
            Prefetch(
                "partner_links",
                queryset=MeasurePartner.objects.select_related("partner").order_by("partner__name"),
            ),
            "target_groups",
        )

    def with_partner_lists(self):
        """Measures with their lead partner, ``partner_list`` (links with their partner, by
        name) and ``target_group_list``: three queries.

        Lists rather than prefetched managers: for a community's two hundred measures, building
        a queryset per measure and relation cost more than reading the rows.
        """
        return self.select_related("community", "lead_partner").prefetch_related(
            Prefetch(
                "partner_links",
                queryset=MeasurePartner.objects.select_related("partner")
                .only("measure", "partner", "partner__name")
                .order_by("partner__name"),
                to_attr="partner_list",
            ),
            Prefetch(
                "target_groups",
                queryset=TargetGroup.objects.only("name"),
                to_attr="target_group_list",
            ),
        )

    def with_report_totals(self, period: Period | None = None):
        """Annotate each measure with its reports' totals in ``period`` (all time when None),
        counted by ``ReportQuerySet``'s rules.

        ``report_count``, ``sessions_total``, ``participants_total``, ``volunteers_total`` and
        ``volunteer_hours_total`` (0 without reports), ``girls_total`` (None when no report
        gave girls), ``first_activity`` and ``last_activity`` (the first report's start, the
        last report's end). Correlated subqueries, so the totals stay right whatever the
        measure queryset joins for its filters.
        """
        reports = (
            Report.objects.starting_in(period)
            .filter(measure=OuterRef("pk"))
            .order_by()
            .values("measure")
        )

        def total(aggregate, output_field, default=0):
            subquery = Subquery(
                reports.annotate(value=aggregate).values("value"), output_field=output_field
            )
            if default is None:
                return subquery
            return Coalesce(subquery, Value(default), output_field=output_field)

        return self.annotate(
            report_count=total(Count("pk"), IntegerField()),
            sessions_total=total(Sum("sessions"), IntegerField()),
            participants_total=total(Sum("participants"), IntegerField()),
            girls_total=total(Sum("girls"), IntegerField(), default=None),
            volunteers_total=total(Sum("volunteers"), IntegerField()),
            volunteer_hours_total=total(Sum("volunteer_hours"), HOURS, default=Decimal(0)),
            first_activity=total(Min("period_start"), DateField(), default=None),
            last_activity=total(Max("period_end"), DateField(), default=None),
        )

    def public(self):
        """What residents see without logging in: public, active or planned measures of active
        communities with public pages; never archived ones."""
        return self.filter(
            is_public=True,
            is_archived=False,
            status__in=PUBLIC_STATUSES,
            community__is_public=True,
            community__is_active=True,
        )

    def existed_in(self, period: Period):
        """Measures that existed during some part of ``period``: the evaluation page's and
        the measure list's year.

        A measure exists from when it was entered or started, whichever came first (a measure
        entered in 2026 that started in 2014 existed in 2025; one entered and started in 2026
        did not), until it ended (``ended_on``) or was archived (its history says it was
        archived both when the period began and when it ended). A measure with reports
        starting in the period existed then, whatever its dates say: its work happened.
        """
        start, after = _start_of_day(period.start), _start_of_day(period.end + ONE_DAY)
        began = Q(created_at__lt=after) | Q(started_on__lte=period.end)
        gone = Q(ended_on__lt=period.start) | Q(archived_at_start=True, archived_at_end=True)
        reported = Exists(Report.objects.starting_in(period).filter(measure=OuterRef("pk")))
        return self.alias(
            archived_at_start=_as_of(start, "is_archived", default=False),
            archived_at_end=_as_of(after, "is_archived", default=False),
        ).filter(reported | (began & ~gone))

    def as_of(self, moment: datetime.datetime):
        """Annotate ``status_then`` and ``archived_then``: as the measure was just before
        ``moment``, from its history (None when it had not been entered yet)."""
        return self.annotate(
            status_then=_as_of(moment, "status"), archived_then=_as_of(moment, "is_archived")
        )

    def for_evaluation(self, period: Period):
        """A community's measures that existed in ``period``, with their totals in it and
        their status and archive state at its end, for its evaluation."""
        return (
            self.existed_in(period)
            .as_of(_start_of_day(period.end + ONE_DAY))
            .with_report_totals(period)
            .with_partner_lists()
            .order_by("is_archived", "title", "pk")
        )


class MeasurePartner(models.Model):
    measure = models.ForeignKey(
        "Measure",
        on_delete=models.CASCADE,
        related_name="partner_links",
        verbose_name=_("measure"),
    )
    partner = models.ForeignKey(
        Partner,
        on_delete=models.PROTECT,
        related_name="measure_links",
        verbose_name=_("partner"),
    )
    contribution = models.CharField(
        _("contribution"),
        max_length=300,
        blank=True,
        help_text=_("What this partner contributes, e.g. “Lends the hall”."),
    )

    class Meta:
        verbose_name = _("partner on the measure")
        verbose_name_plural = _("partners on the measure")
        ordering = ["partner__name"]
        constraints = [
            models.UniqueConstraint(fields=["measure", "partner"], name="measurepartner_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.partner} – {self.measure}"


# Kept at module level so that ``measure_create`` can write the first history row itself, once
# the partners and target groups exist (see ``measures.services``).
MEASURE_HISTORY = HistoricalRecords(
    m2m_fields=["partners", "target_groups"],
    excluded_fields=["search_text"],
    verbose_name=_("historical measure"),
    verbose_name_plural=_("historical measures"),
)


class Measure(ConstraintsOnFields, SharedRecord):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")
        ENDED = "ended", _("Ended")

    community = models.ForeignKey(
        Community,
        on_delete=models.PROTECT,
        related_name="measures",
        verbose_name=_("community"),
    )
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=80)
    summary = models.CharField(
        _("summary"),
        max_length=300,
        help_text=_("One or two sentences shown in lists."),
    )
    description = models.TextField(
        _("description"),
        blank=True,
        max_length=10_000,
        help_text=_("What happens, for whom and why. Do not name children."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PLANNED
    )
    target_groups = models.ManyToManyField(
        TargetGroup, related_name="measures", blank=True, verbose_name=_("target groups")
    )
    lead_partner = models.ForeignKey(
        Partner,
        on_delete=models.PROTECT,
        related_name="led_measures",
        verbose_name=_("lead partner"),
        help_text=_("The partner responsible for the measure. Always also one of its partners."),
    )
    partners = models.ManyToManyField(
        Partner,
        through=MeasurePartner,
        related_name="measures",
        verbose_name=_("partners"),
    )
    schedule = models.CharField(
        _("schedule"), max_length=200, blank=True, help_text=_("E.g. “Fridays 19–23”.")
    )
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    started_on = models.DateField(
        _("started on"), null=True, blank=True, validators=[validate_activity_date]
    )
    ended_on = models.DateField(
        _("ended on"), null=True, blank=True, validators=[validate_activity_date]
    )
    is_public = models.BooleanField(
        _("public"),
        default=False,
        help_text=_(
            "Show the measure on the community's public pages and calendar feeds (when the "
            "community has public pages). Reports, notes and history are never shown there."
        ),
    )
    is_free = models.BooleanField(_("free"), default=True)
    sign_up = models.CharField(
        _("sign-up"),
        max_length=200,
        blank=True,
        help_text=_(
            "Leave empty if anyone can just come. Otherwise how to sign up, e.g. a web address."
        ),
    )
    image = models.ImageField(_("photo"), upload_to="measures/", blank=True)
    image_thumbnail = models.ImageField(
        _("thumbnail"), upload_to="measures/", blank=True, editable=False
    )
    image_alt = models.CharField(
        _("photo description"),
        max_length=250,
        blank=True,
        help_text=_("Describe the photo for those who cannot see it."),
    )
    image_consent = models.BooleanField(
        _("consent is in place"),
        default=False,
        help_text=_("Consent is in place for the people in the photo."),
    )
    is_archived = models.BooleanField(_("archived"), default=False)
    # Title, summary, description and venue casefolded and without accents (``fold``), so that
    # search finds "Åpen hall" from "apen" or "åpen" on SQLite too (its LIKE and lower() only
    # fold ASCII letters) without computing anything per row at search time.
    search_text = models.TextField(editable=False, default="")
    created_by = author_field(_("created by"))
    updated_by = author_field(_("updated by"))

    objects = MeasureQuerySet.as_manager()
    history = MEASURE_HISTORY

    class Meta:
        verbose_name = _("measure")
        verbose_name_plural = _("measures")
        ordering = ["title", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["community", "slug"], name="measure_unique_slug"),
            models.CheckConstraint(
                condition=Q(started_on__isnull=True)
                | Q(ended_on__isnull=True)
                | Q(ended_on__gte=F("started_on")),
                name="measure_ended_not_before_started",
                violation_error_code="ended_on",
                violation_error_message=_("The end date cannot be before the start date."),
            ),
        ]
        indexes = [
            models.Index(fields=["community", "status"], name="measure_community_status"),
            # The measure list's order (title, pk), without archived measures by default.
            models.Index(fields=["is_archived", "title", "id"], name="measure_archived_title_id"),
            models.Index(fields=["-updated_at"], name="measure_updated"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        self.derive_fields()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_text"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("measures:detail", kwargs={"pk": self.pk})

    def derive_fields(self) -> None:
        """Fill the fields computed from the others (``save()`` and bulk writers call this)."""
        self.search_text = search_text(self.title, self.summary, self.description, self.venue)

    @property
    def is_shown_publicly(self) -> bool:
        """Whether ``MeasureQuerySet.public`` has it, for a measure loaded with its community."""
        community = self.community
        return (
            self.is_public
            and not self.is_archived
            and self.status in PUBLIC_STATUSES
            and community.is_public
            and community.is_active
        )


# The statuses the public pages show: what runs, and what is coming.
PUBLIC_STATUSES = (Measure.Status.ACTIVE, Measure.Status.PLANNED)


class Weekday(models.IntegerChoices):
    """ISO weekdays, as ``date.isoweekday()`` numbers them."""

    MONDAY = 1, _("Monday")
    TUESDAY = 2, _("Tuesday")
    WEDNESDAY = 3, _("Wednesday")
    THURSDAY = 4, _("Thursday")
    FRIDAY = 5, _("Friday")
    SATURDAY = 6, _("Saturday")
    SUNDAY = 7, _("Sunday")


class WeekdaysField(models.CharField):
    """A set of weekdays, e.g. Tuesday and Wednesday: ``(2, 3)`` in Python, ``"2,3"`` stored."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 13)
        super().__init__(*args, **kwargs)

    @staticmethod
    def parse(value) -> tuple[int, ...]:
        if value in (None, ""):
            return ()
        if isinstance(value, str):
            value = value.split(",")
        days = set()
        for item in value:
            try:
                day = int(item)
            except (TypeError, ValueError):
                raise ValidationError(_("Choose weekdays from Monday to Sunday.")) from None
            if day not in Weekday.values:
                raise ValidationError(_("Choose weekdays from Monday to Sunday."))
            days.add(day)
        return tuple(sorted(days))

    def from_db_value(self, value, expression, connection):
        return self.parse(value)

    def to_python(self, value):
        return self.parse(value)

    def get_prep_value(self, value):
        return ",".join(str(day) for day in self.parse(value))

    def value_to_string(self, obj):
        return self.get_prep_value(self.value_from_object(obj))

    def formfield(self, **kwargs):
        from django import forms

        return forms.TypedMultipleChoiceField(
            label=self.verbose_name.capitalize(),
            help_text=self.help_text,
            required=not self.blank,
            choices=Weekday.choices,
            coerce=int,
            widget=forms.CheckboxSelectMultiple,
            **{key: kwargs[key] for key in ("label", "help_text", "initial") if key in kwargs},
        )


class TimeSlot(ConstraintsOnFields, models.Model):
    """When a measure is held: on some weekdays, from one time to another (Oslo time), in a
    season, pausing in school holidays if it follows the school calendar.

    Norway's public holidays, the school holidays and single cancelled or added dates make the
    sessions: ``measures.schedules`` has the rules.
    """

    measure = models.ForeignKey(
        Measure, on_delete=models.CASCADE, related_name="slots", verbose_name=_("measure")
    )
    weekdays = WeekdaysField(_("weekdays"))
    starts_at = models.TimeField(_("starts"), help_text=_("E.g. 19:00."))
    ends_at = models.TimeField(_("ends"), help_text=_("E.g. 23:00, the same day."))
    venue = models.CharField(
        _("venue"), max_length=200, blank=True, help_text=_("Leave empty for the measure's venue.")
    )
    season_start = models.DateField(
        _("season from"),
        validators=[validate_activity_date],
        help_text=_("The first day it runs, e.g. the first school day."),
    )
    season_end = models.DateField(
        _("season to"),
        null=True,
        blank=True,
        validators=[validate_activity_date],
        help_text=_("The last day it runs. Leave empty for “until further notice”."),
    )
    pauses_in_school_holidays = models.BooleanField(
        _("pauses in school holidays"),
        default=True,
        help_text=_("Follows the school calendar. Public holidays are always free."),
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_by = author_field(_("created by"))
    updated_by = author_field(_("updated by"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(
        verbose_name=_("historical time slot"),
        verbose_name_plural=_("historical time slots"),
    )

    class Meta:
        verbose_name = _("time slot")
        verbose_name_plural = _("time slots")
        ordering = ["season_start", "starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="timeslot_ends_after_start",
                violation_error_code="ends_at",
                violation_error_message=_("The end must be after the start, on the same day."),
            ),
            models.CheckConstraint(
                condition=Q(season_end__isnull=True) | Q(season_end__gte=F("season_start")),
                name="timeslot_season_ends_after_start",
                violation_error_code="season_end",
                violation_error_message=_("The season cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=~Q(weekdays=""),
                name="timeslot_has_weekdays",
                violation_error_code="weekdays",
                violation_error_message=_("Choose at least one weekday."),
            ),
        ]

    def __str__(self) -> str:
        days = ", ".join(str(Weekday(day).label) for day in self.weekdays)
        return f"{self.measure}: {days} {self.starts_at:%H:%M}–{self.ends_at:%H:%M}"

    def get_absolute_url(self) -> str:
        return reverse("measures:schedule", kwargs={"pk": self.measure_id})

    @property
    def place(self) -> str:
        """Where it happens: its own venue, else the measure's."""
        return self.venue or self.measure.venue


class ScheduleChange(models.Model):
    """One date of a time slot cancelled ("the hall is used for exams") or added."""

    class Kind(models.TextChoices):
        CANCELLED = "cancelled", _("Cancelled")
        ADDED = "added", _("Extra day")

    slot = models.ForeignKey(
        TimeSlot, on_delete=models.CASCADE, related_name="changes", verbose_name=_("time slot")
    )
    date = models.DateField(_("date"), validators=[validate_activity_date])
    kind = models.CharField(_("change"), max_length=10, choices=Kind.choices)
    note = models.CharField(
        _("note"),
        max_length=200,
        blank=True,
        help_text=_("Shown on the public pages, e.g. “The hall is used for exams”."),
    )
    created_by = author_field(_("created by"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    history = HistoricalRecords(
        verbose_name=_("historical schedule change"),
        verbose_name_plural=_("historical schedule changes"),
    )

    class Meta:
        verbose_name = _("schedule change")
        verbose_name_plural = _("schedule changes")
        ordering = ["date", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["slot", "date"],
                name="schedulechange_one_per_day",
                violation_error_message=_("This day already has a change."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.date:%d.%m.%Y}: {self.slot.measure}"


HOURS = DecimalField(max_digits=12, decimal_places=1)


class ReportQuerySet(models.QuerySet):
    """Reports and their totals. The counting rules, the same on every page, chart, table and
    export, are these methods':

    - A report belongs to the month (and the year, and the period) in which it *starts*. A
      report for 28 January–3 February counts in January, once; its participants are never
      split between months, because a report only knows its totals.
    - Archived measures count: their work happened. Charts and the evaluation page label them
      as archived.
    - "Of which girls" is the sum over the reports that gave a number; a report without one
      adds nothing (it is not counted as zero girls, nor guessed).
    - Participants are attendances, not unique persons: a child who came to eight evenings
      counts eight times. Volunteers are counted the same way (the report form says so): three
      volunteers on four evenings are twelve, and every total adds them up like participants.

    Every method runs one query, however many measures and reports there are.
    """

    def starting_in(self, period: Period | None):
        """Reports that start in ``period`` (all of them when it is None)."""
        if period is None:
            return self.all()
        return self.filter(period_start__range=(period.start, period.end))

    def of_community(self, community):
        return self.filter(measure__community=community)

    def totals(self) -> dict:
        """The same totals as ``MeasureQuerySet.with_report_totals``, over these reports."""
        return self.order_by().aggregate(
            report_count=Count("pk"),
            sessions_total=Coalesce(Sum("sessions"), 0),
            participants_total=Coalesce(Sum("participants"), 0),
            girls_total=Sum("girls"),
            volunteers_total=Coalesce(Sum("volunteers"), 0),
            volunteer_hours_total=Coalesce(
                Sum("volunteer_hours"), Value(Decimal(0)), output_field=HOURS
            ),
        )

    def monthly(self, period: Period) -> list[dict]:
        """One row per month of ``period``, months without reports included with zeros."""
        rows = {
            row["month"]: row
            for row in self.starting_in(period)
            .order_by()
            .annotate(month=TruncMonth("period_start"))
            .values("month")
            .annotate(
                reports=Count("pk"),
                sessions=Sum("sessions"),
                participants=Sum("participants"),
                girls=Sum("girls"),
                volunteers=Sum("volunteers"),
                volunteer_hours=Sum("volunteer_hours"),
            )
        }
        empty = {
            "reports": 0,
            "sessions": 0,
            "participants": 0,
            "girls": None,
            "volunteers": 0,
            "volunteer_hours": Decimal(0),
        }
        return [{**empty, **rows.get(month, {}), "month": month} for month in period.months()]

    def participants_by_measure(self, period: Period | None, *, by: str) -> list[dict]:
        """Participants per measure per month (``by="month"``) or per year.

        Rows of ``{"measure_id", "measure__title", "measure__is_archived", "bucket",
        "participants"}``; ``bucket`` is the month's first day or the year.
        """
        bucket = TruncMonth("period_start") if by == "month" else ExtractYear("period_start")
        return list(
            self.starting_in(period)
            .order_by()
            .annotate(bucket=bucket)
            .values("bucket", "measure_id", "measure__title", "measure__is_archived")
            .annotate(participants=Sum("participants"))
            .order_by("measure__title", "measure_id", "bucket")
        )


class Report(ConstraintsOnFields, SharedRecord):
    """Counts from one evening or one period of a measure. Never names or data about children."""

    measure = models.ForeignKey(
        Measure, on_delete=models.PROTECT, related_name="reports", verbose_name=_("measure")
    )
    period_start = models.DateField(
        _("from"), validators=[validate_activity_date], help_text=_("The day, or the first day.")
    )
    period_end = models.DateField(
        _("to"),
        blank=True,
        validators=[validate_activity_date],
        help_text=_("The last day. Leave empty for one day."),
    )
    # Upper bounds catch typing mistakes; no measure has a million attendances in a report.
    sessions = models.PositiveIntegerField(
        _("sessions"),
        default=1,
        validators=[MaxValueValidator(1_000)],
        help_text=_("How many times it was held in the period."),
    )
    participants = models.PositiveIntegerField(
        _("participants"),
        validators=[MaxValueValidator(1_000_000)],
        help_text=_("Total attendances in the period (counts, no names)."),
    )
    girls = models.PositiveIntegerField(
        _("of which girls"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(1_000_000)],
        help_text=_("Optional. Not more than the participants."),
    )
    volunteers = models.PositiveIntegerField(
        _("volunteers"),
        default=0,
        validators=[MaxValueValidator(100_000)],
        help_text=_(
            "As for participants: counted each time and added up. Three volunteers on four "
            "evenings are 12."
        ),
    )
    volunteer_hours = models.DecimalField(
        _("volunteer hours"),
        max_digits=8,
        decimal_places=1,
        default=0,
        validators=[MinValueValidator(0)],
        help_text=_("All the volunteers' hours in the period, together."),
    )
    note = models.TextField(
        _("note"),
        blank=True,
        max_length=4_000,
        help_text=_("What went well, what did not. Do not name or describe individual children."),
    )
    reported_by = author_field(_("reported by"))

    objects = ReportQuerySet.as_manager()
    history = HistoricalRecords(
        verbose_name=_("historical activity report"),
        verbose_name_plural=_("historical activity reports"),
    )

    class Meta:
        verbose_name = _("activity report")
        verbose_name_plural = _("activity reports")
        ordering = ["-period_start", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")),
                name="report_end_not_before_start",
                violation_error_code="period_end",
                violation_error_message=_("The period cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=Q(sessions__gte=0)
                & Q(participants__gte=0)
                & Q(volunteers__gte=0)
                & Q(volunteer_hours__gte=0)
                & (Q(girls__isnull=True) | Q(girls__gte=0)),
                name="report_counts_not_negative",
                violation_error_message=_("Counts cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(girls__isnull=True) | Q(girls__lte=F("participants")),
                name="report_girls_not_above_participants",
                violation_error_code="girls",
                violation_error_message=_("Girls cannot be more than the participants."),
            ),
        ]
        indexes = [
            models.Index(fields=["measure", "-period_start"], name="report_measure_period"),
            # ``with_last_report``: the latest end per measure is one index probe.
            models.Index(fields=["measure", "-period_end"], name="report_measure_period_end"),
        ]

    def __str__(self) -> str:
        if self.period_end and self.period_end != self.period_start:
            return f"{self.measure}: {self.period_start:%d.%m.%Y}–{self.period_end:%d.%m.%Y}"
        return f"{self.measure}: {self.period_start:%d.%m.%Y}"

    def save(self, *args, **kwargs):
        self.derive_fields()
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("measures:detail", kwargs={"pk": self.measure_id}) + f"#report-{self.pk}"

    def clean(self):
        self.derive_fields()  # before the constraints compare the period's ends

    def derive_fields(self) -> None:
        """Fill the fields computed from the others (``save()`` and bulk writers call this)."""
        if self.period_end is None:
            self.period_end = self.period_start  # one evening

    @property
    def is_single_day(self) -> bool:
        return self.period_end is None or self.period_end == self.period_start


# What a partner writes in a report, in the order forms, admin and exports show it.
REPORT_FIELDS = (
    "period_start",
    "period_end",
    "sessions",
    "participants",
    "girls",
    "volunteers",
    "volunteer_hours",
    "note",
)
