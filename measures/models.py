"""What the partners do together: measures (tiltak) and their activity reports."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, F, OuterRef, Q, Subquery, Window
from django.db.models.functions import RowNumber
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from partnerships.dates import validate_activity_date
from partnerships.models import Community, Partner, author_field


def search_text(*parts: str) -> str:
    """Text in the one form search compares with: casefolded, whitespace collapsed."""
    return " ".join(" ".join(parts).split()).casefold()


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


class MeasureQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status=Measure.Status.ACTIVE, is_archived=False)

    def not_archived(self):
        return self.filter(is_archived=False)

    def for_community(self, community):
        return self.filter(community=community)

    def search(self, text: str):
        """Every word must occur in title, summary or description, in any letter case.

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

    def editable_by(self, user):
        """Measures the user may edit: see ``measures.permissions``."""
        from measures.permissions import can_edit_all_measures

        if can_edit_all_measures(user):
            return self.all()
        return self.of_user(user)

    def with_last_report(self):
        """Annotate ``last_report_on``: the end of the latest report's period."""
        latest = Report.objects.filter(measure=OuterRef("pk")).order_by("-period_end")
        return self.annotate(last_report_on=Subquery(latest.values("period_end")[:1]))

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


class Measure(models.Model):
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
    # Title, summary and description casefolded, so that search finds "Åpen hall" from "åpen"
    # on SQLite too (its LIKE and lower() only fold ASCII letters).
    search_text = models.TextField(editable=False, default="")
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
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
        """Fill the fields computed from the measure's own; ``save()`` and bulk writers call it."""
        self.search_text = search_text(self.title, self.summary, self.description)


class ReportQuerySet(models.QuerySet):
    def for_list(self):
        return self.select_related("measure", "measure__community", "reported_by")


class Report(models.Model):
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
        _("volunteers"), default=0, validators=[MaxValueValidator(100_000)]
    )
    volunteer_hours = models.DecimalField(
        _("volunteer hours"),
        max_digits=8,
        decimal_places=1,
        default=0,
        validators=[MinValueValidator(0)],
    )
    note = models.TextField(
        _("note"),
        blank=True,
        max_length=4_000,
        help_text=_("What went well, what did not. Do not name or describe individual children."),
    )
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    reported_by = author_field(_("reported by"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

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

    def derive_fields(self) -> None:
        """Fill the fields computed from the report's own; ``save()`` and bulk writers call it."""
        if self.period_end is None:
            self.period_end = self.period_start

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
