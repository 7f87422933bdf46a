"""Money and goals: grants that fund measures, goals with indicators, context figures.

A grant (*tilskudd*) belongs to a community, was applied for by one of its partners, and funds
some of its measures, each with a share (per cent) or an amount. Amounts are whole øre
(``funding.money``). A grant counts in the year its period starts, as a report counts in the
month it starts; only money granted counts (a grant that is granted, paid, due for its report
or reported), never money applied for.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, F, OuterRef, Q, Sum
from django.db.models.functions import ExtractYear
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from funding.money import MoneyField
from measures.models import Measure
from partnerships.dates import validate_activity_date
from partnerships.models import Community, ConstraintsOnFields, Partner, SharedRecord, author_field


class FunderKind(models.TextChoices):
    MUNICIPALITY = "municipality", _("Municipality")
    COUNTY = "county", _("County or sports federation")
    LAM = "lam", _("Local activity funds (LAM)")
    FOUNDATION = "foundation", _("Foundation")
    STATE = "state", _("State")
    OWN = "own", _("Own funds")
    OTHER = "other", _("Other")


class GrantQuerySet(models.QuerySet):
    def of_partners(self, partner_ids):
        """Grants a partner applied for, or that fund one of its measures."""
        return self.filter(
            Q(applicant_id__in=partner_ids)
            | Exists(
                GrantMeasure.objects.filter(
                    grant=OuterRef("pk"), measure__partner_links__partner_id__in=partner_ids
                )
            )
        )

    def awarded(self):
        """Grants whose money was granted: it counts on the pages (applied money does not)."""
        return self.filter(status__in=Grant.AWARDED, amount_granted__isnull=False)

    def for_list(self):
        return self.select_related("community", "applicant").order_by("-period_start", "name", "pk")

    def report_due_within(self, today: datetime.date, days: int):
        """Awarded grants whose report is not in and is due from today to ``days`` ahead, or
        overdue."""
        return (
            self.awarded()
            .filter(
                report_deadline__isnull=False,
                report_deadline__lte=today + datetime.timedelta(days=days),
            )
            .exclude(status=Grant.Status.REPORTED)
        )

    def per_year_and_kind(self) -> list[dict]:
        """Money granted per year (the year the grant's period starts) and funder kind: rows of
        ``{"year", "funder_kind", "amount"}`` in øre, summed by the database in one query."""
        return list(
            self.awarded()
            .order_by()
            .annotate(year=ExtractYear("period_start"))
            .values("year", "funder_kind")
            .annotate(amount=Sum("amount_granted"))
            .order_by("year", "funder_kind")
        )


class GrantMeasure(models.Model):
    """A measure a grant funds, with its share (per cent) or its amount; both empty means an
    equal part. The rule that the parts add up is ``funding.allocation``'s."""

    grant = models.ForeignKey(
        "Grant", on_delete=models.CASCADE, related_name="measure_links", verbose_name=_("grant")
    )
    measure = models.ForeignKey(
        Measure, on_delete=models.PROTECT, related_name="grant_links", verbose_name=_("measure")
    )
    share = models.DecimalField(
        _("share (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal(100))],
    )
    amount = MoneyField(_("amount"), null=True, blank=True)

    class Meta:
        verbose_name = _("measure funded")
        verbose_name_plural = _("measures funded")
        ordering = ["measure__title", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["grant", "measure"], name="grantmeasure_unique"),
            models.CheckConstraint(
                condition=Q(share__isnull=True) | Q(amount__isnull=True),
                name="grantmeasure_share_or_amount",
                violation_error_message=_("Give a share or an amount, not both."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.grant} – {self.measure}"


GRANT_HISTORY = HistoricalRecords(
    m2m_fields=["measures"],
    verbose_name=_("historical grant"),
    verbose_name_plural=_("historical grants"),
)


class Grant(ConstraintsOnFields, SharedRecord):
    """Money from one funder for some of a community's measures (CiviCRM's grant, per measure)."""

    class Status(models.TextChoices):
        APPLIED = "applied", _("Applied")
        GRANTED = "granted", _("Granted")
        REFUSED = "refused", _("Refused")
        PAID = "paid", _("Paid")
        REPORT_DUE = "report_due", _("Report due")
        REPORTED = "reported", _("Reported")

    AWARDED = ("granted", "paid", "report_due", "reported")

    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="grants", verbose_name=_("community")
    )
    name = models.CharField(
        _("name"), max_length=200, help_text=_("E.g. “Aktivitetsmidler 2026, Balansebarna”.")
    )
    funder = models.CharField(
        _("funder"), max_length=200, help_text=_("E.g. Drammen kommune, Gjensidigestiftelsen.")
    )
    funder_kind = models.CharField(_("kind of funder"), max_length=20, choices=FunderKind.choices)
    applicant = models.ForeignKey(
        Partner,
        on_delete=models.PROTECT,
        related_name="grants_applied",
        verbose_name=_("applicant"),
        help_text=_("The partner that applied. Its people and staff edit the grant."),
    )
    amount_applied = MoneyField(_("amount applied for"), help_text=_("In kroner."))
    amount_granted = MoneyField(
        _("amount granted"),
        null=True,
        blank=True,
        help_text=_("In kroner. Empty until the funder has decided."),
    )
    period_start = models.DateField(
        _("period from"), validators=[validate_activity_date], help_text=_("What the grant covers.")
    )
    period_end = models.DateField(_("period to"), validators=[validate_activity_date])
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.APPLIED
    )
    applied_on = models.DateField(
        _("applied on"), null=True, blank=True, validators=[validate_activity_date]
    )
    decided_on = models.DateField(
        _("decided on"),
        null=True,
        blank=True,
        validators=[validate_activity_date],
        help_text=_("When the funder granted or refused it."),
    )
    paid_on = models.DateField(
        _("paid on"), null=True, blank=True, validators=[validate_activity_date]
    )
    report_deadline = models.DateField(
        _("report deadline"),
        null=True,
        blank=True,
        validators=[validate_activity_date],
        help_text=_("When the funder wants the report."),
    )
    reported_on = models.DateField(
        _("reported on"), null=True, blank=True, validators=[validate_activity_date]
    )
    note = models.TextField(_("note"), blank=True, max_length=4_000)
    measures = models.ManyToManyField(
        Measure,
        through=GrantMeasure,
        related_name="grants",
        blank=True,
        verbose_name=_("measures"),
    )
    created_by = author_field(_("created by"))

    objects = GrantQuerySet.as_manager()
    history = GRANT_HISTORY

    class Meta:
        verbose_name = _("grant")
        verbose_name_plural = _("grants")
        ordering = ["-period_start", "name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")),
                name="grant_end_not_before_start",
                violation_error_code="period_end",
                violation_error_message=_("The period cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=Q(amount_applied__gte=0)
                & (Q(amount_granted__isnull=True) | Q(amount_granted__gte=0)),
                name="grant_amounts_not_negative",
                violation_error_message=_("Amounts cannot be negative."),
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["granted", "paid", "report_due", "reported"])
                | Q(amount_granted__isnull=False),
                name="grant_awarded_has_amount",
                violation_error_code="amount_granted",
                violation_error_message=_("Give the amount granted."),
            ),
        ]
        indexes = [
            # The community's funding per year, and its list of grants.
            models.Index(fields=["community", "period_start"], name="grant_community_period"),
            models.Index(fields=["report_deadline"], name="grant_report_deadline"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("funding:grant_detail", kwargs={"pk": self.pk})

    @property
    def amount(self) -> int:
        """What the measures share: the amount granted, or applied for until it is decided."""
        return self.amount_applied if self.amount_granted is None else self.amount_granted

    @property
    def is_awarded(self) -> bool:
        return self.status in self.AWARDED and self.amount_granted is not None


# --- Goals and context ------------------------------------------------------------------------


class Indicator(models.TextChoices):
    PARTICIPANTS_PER_SESSION = "participants_per_session", _("Participants per session")
    GIRLS_SHARE = "girls_share", _("Share of girls (%)")
    SESSIONS = "sessions", _("Sessions held")
    VOLUNTEERS = "volunteers", _("Volunteers")
    MANUAL = "manual", _("A number entered by hand")


class Goal(ConstraintsOnFields, models.Model):
    """A goal of a community, or of one of its measures: an indicator from baseline to target."""

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="goals", verbose_name=_("community")
    )
    measure = models.ForeignKey(
        Measure,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="goals",
        verbose_name=_("measure"),
        help_text=_("Empty for a goal of the whole community."),
    )
    title = models.CharField(
        _("goal"), max_length=200, help_text=_("E.g. “More girls at Åpen hall”.")
    )
    indicator = models.CharField(_("indicator"), max_length=30, choices=Indicator.choices)
    baseline = models.DecimalField(_("baseline"), max_digits=12, decimal_places=2)
    baseline_year = models.PositiveSmallIntegerField(
        _("baseline year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    target = models.DecimalField(_("target"), max_digits=12, decimal_places=2)
    target_year = models.PositiveSmallIntegerField(
        _("target year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    manual_value = models.DecimalField(
        _("value now"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Only for a number entered by hand: its latest value."),
    )
    note = models.TextField(
        _("method note"),
        blank=True,
        max_length=2_000,
        help_text=_("How the number is counted or where it comes from."),
    )

    history = HistoricalRecords(
        verbose_name=_("historical goal"), verbose_name_plural=_("historical goals")
    )

    class Meta:
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        ordering = ["measure__title", "title", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(target_year__gte=F("baseline_year")),
                name="goal_target_not_before_baseline",
                violation_error_code="target_year",
                violation_error_message=_("The target year cannot be before the baseline year."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self):
        if self.measure_id and self.community_id and self.measure.community_id != self.community_id:
            raise ValidationError(
                {"measure": _("Choose a measure of the goal's community.")}, code="community"
            )


class ContextFigure(models.Model):
    """A number about the community from elsewhere (Ungdata, the public-health profile), shown
    beside the goals as context: the portal does not count it."""

    community = models.ForeignKey(
        Community,
        on_delete=models.CASCADE,
        related_name="context_figures",
        verbose_name=_("community"),
    )
    title = models.CharField(
        _("what"),
        max_length=200,
        help_text=_("E.g. “Young people who are seldom physically active”."),
    )
    value = models.DecimalField(_("value"), max_digits=12, decimal_places=2)
    unit = models.CharField(_("unit"), max_length=20, blank=True, help_text=_("E.g. %."))
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(1990), MaxValueValidator(2100)]
    )
    source = models.CharField(
        _("source"), max_length=300, help_text=_("E.g. Ungdata 2024, Drammen kommune.")
    )

    history = HistoricalRecords(
        verbose_name=_("historical context figure"),
        verbose_name_plural=_("historical context figures"),
    )

    class Meta:
        verbose_name = _("context figure")
        verbose_name_plural = _("context figures")
        ordering = ["-year", "title", "pk"]

    def __str__(self) -> str:
        return f"{self.title} ({self.year})"
