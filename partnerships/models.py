"""Who is who: communities, partners, their people and their meetings."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from partnerships.dates import validate_activity_date
from partnerships.embedding import embed_origins, validate_embed_origins
from partnerships.text import unique_slug

YEAR_VALIDATORS = [MinValueValidator(1900), MaxValueValidator(2100)]


class ConstraintsOnFields:
    """Shows a check constraint's error next to the field it is about, in forms and admin.

    A constraint names its field in ``violation_error_code``; Django would put the message
    above the form. The constraint stays the one statement of its rule, in the database too.
    """

    def validate_constraints(self, exclude=None):
        try:
            super().validate_constraints(exclude=exclude)
        except ValidationError as error:
            errors: dict[str, list] = {}
            for key, messages in error.error_dict.items():
                for message in messages:
                    field = message.code if message.code in self._field_names() else key
                    errors.setdefault(field, []).append(message)
            raise ValidationError(errors) from error

    @classmethod
    def _field_names(cls) -> set[str]:
        return {field.name for field in cls._meta.get_fields()}


class SharedRecord(models.Model):
    """A record several people edit: saves are merged by version (``partnerships.versioning``)."""

    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


def author_field(verbose_name) -> models.ForeignKey:
    """Who wrote or changed a record; NULL if the account is ever deleted."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=verbose_name,
    )


class CommunityQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def of_user(self, user):
        """Communities where one of the user's partners is a partner."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(
            Exists(
                CommunityPartner.objects.filter(
                    community=OuterRef("pk"), partner__memberships__user=user
                )
            )
        )


class Community(models.Model):
    class ReportingFrequency(models.TextChoices):
        MONTHLY = "monthly", _("Every month")
        QUARTERLY = "quarterly", _("Every quarter")
        YEARLY = "yearly", _("Every year")

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(
        _("slug"),
        max_length=60,
        unique=True,
        help_text=_("Used in the web address. Letters a–z, digits and hyphens."),
    )
    municipality = models.CharField(_("municipality"), max_length=120)
    description = models.TextField(_("description"), blank=True, max_length=10_000)
    partnership_since = models.PositiveSmallIntegerField(
        _("partnership since"),
        null=True,
        blank=True,
        validators=YEAR_VALIDATORS,
        help_text=_("The year the partnership started, e.g. 2014."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    reporting_frequency = models.CharField(
        _("reporting frequency"),
        max_length=10,
        choices=ReportingFrequency.choices,
        default=ReportingFrequency.MONTHLY,
        help_text=_(
            "How often each active measure logs a report. A measure without a report for the "
            "last completed period is reminded by e-mail."
        ),
    )
    is_public = models.BooleanField(
        _("public pages"),
        default=False,
        help_text=_(
            "Show the community's public measures to everyone, without logging in: what's on, "
            "the calendar and its feeds."
        ),
    )
    embed_origins = models.TextField(
        _("sites that may embed the calendar"),
        blank=True,
        max_length=2_000,
        validators=[validate_embed_origins],
        help_text=_(
            "One address per line, e.g. https://www.drammen.kommune.no. Only these sites may "
            "show the community's “what's on” list in a frame."
        ),
    )
    partners = models.ManyToManyField(
        "Partner",
        through="CommunityPartner",
        related_name="communities",
        verbose_name=_("partners"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(
        verbose_name=_("historical community"),
        verbose_name_plural=_("historical communities"),
    )
    objects = CommunityQuerySet.as_manager()

    class Meta:
        verbose_name = _("community")
        verbose_name_plural = _("communities")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(Community.objects.all(), self.name, max_length=60)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("partnerships:community_detail", kwargs={"slug": self.slug})

    @property
    def embed_origin_list(self) -> list[str]:
        """The origins allowed to frame the embed, as a CSP ``frame-ancestors`` lists them."""
        return embed_origins(self.embed_origins)


class Partner(models.Model):
    class Kind(models.TextChoices):
        SPORTS_CLUB = "sports_club", _("Sports club")
        SCHOOL = "school", _("School")
        MUNICIPALITY = "municipality", _("Municipality")
        SPORTS_COUNCIL = "sports_council", _("Sports council")
        RESEARCH = "research", _("Research")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    website = models.URLField(_("website"), blank=True)
    email = models.EmailField(
        _("e-mail"), blank=True, help_text=_("A shared address, e.g. post@…, not a person's.")
    )
    logo = models.ImageField(_("logo"), upload_to="logos/", blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(
        excluded_fields=["logo"],
        verbose_name=_("historical partner"),
        verbose_name_plural=_("historical partners"),
    )

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(Partner.objects.all(), self.name, max_length=60)
        super().save(*args, **kwargs)


class CommunityPartner(models.Model):
    community = models.ForeignKey(
        Community,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("community"),
    )
    partner = models.ForeignKey(
        Partner,
        on_delete=models.CASCADE,
        related_name="community_memberships",
        verbose_name=_("partner"),
    )
    role = models.CharField(
        _("role"),
        max_length=120,
        blank=True,
        help_text=_("The partner's role in the partnership, e.g. “Koordinator”."),
    )
    since = models.PositiveSmallIntegerField(
        _("since"), null=True, blank=True, validators=YEAR_VALIDATORS, help_text=_("Year.")
    )

    class Meta:
        verbose_name = _("partner in the community")
        verbose_name_plural = _("partners in the community")
        ordering = ["community__name", "partner__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "partner"], name="communitypartner_unique_pair"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner} – {self.community}"


class User(AbstractUser):
    """A person who logs in. Deactivated when they leave, never deleted."""

    partners = models.ManyToManyField(
        Partner,
        through="PartnerMembership",
        related_name="members",
        blank=True,
        verbose_name=_("partners"),
    )

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def partner_ids(self) -> frozenset[int]:
        """The ids of the user's partners, read once per request object."""
        if not hasattr(self, "_partner_ids"):
            self._partner_ids = frozenset(
                self.memberships.values_list("partner_id", flat=True) if self.pk else ()
            )
        return self._partner_ids

    @property
    def partner_names(self) -> list[str]:
        """The names of the user's partners, by name (the header shows them on every page)."""
        if not hasattr(self, "_partner_names"):
            self._partner_names = list(
                self.partners.order_by("name").values_list("name", flat=True) if self.pk else ()
            )
        return self._partner_names

    @property
    def is_evaluator(self) -> bool:
        if not hasattr(self, "_is_evaluator"):
            self._is_evaluator = self.groups.filter(name=EVALUATOR_GROUP).exists()
        return self._is_evaluator


EVALUATOR_GROUP = "Evaluator"
SPORTS_COUNCIL_GROUP = "Idrettsråd"


class PartnerMembership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("user"),
    )
    partner = models.ForeignKey(
        Partner, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("partner")
    )
    title = models.CharField(
        _("title"), max_length=120, blank=True, help_text=_("E.g. “Rektor” or “Daglig leder”.")
    )

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["partner__name", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["user", "partner"], name="partnermembership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.partner}"


class MeetingQuerySet(models.QuerySet):
    def for_community(self, community):
        return self.filter(community=community).select_related("community")


# Kept at module level so that ``meeting_create`` can write the first history row itself, once
# the partners present are set (see ``partnerships.services``).
MEETING_HISTORY = HistoricalRecords(
    m2m_fields=["partners_present"],
    verbose_name=_("historical meeting"),
    verbose_name_plural=_("historical meetings"),
)


class Meeting(SharedRecord):
    class Kind(models.TextChoices):
        FOCUS_GROUP = "focus_group", _("Focus group")
        PARTNER_MEETING = "partner_meeting", _("Partner meeting")
        OTHER = "other", _("Other")

    community = models.ForeignKey(
        Community,
        on_delete=models.PROTECT,
        related_name="meetings",
        verbose_name=_("community"),
    )
    kind = models.CharField(
        _("kind"), max_length=20, choices=Kind.choices, default=Kind.PARTNER_MEETING
    )
    title = models.CharField(_("title"), max_length=200)
    date = models.DateField(_("date"), validators=[validate_activity_date])
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    partners_present = models.ManyToManyField(
        Partner,
        related_name="meetings_attended",
        blank=True,
        verbose_name=_("partners present"),
        help_text=_("Only partners of the community."),
    )
    # People present who are not partners: counts only, never names (children among them).
    parents_present = models.PositiveIntegerField(
        _("parents present"),
        default=0,
        validators=[MaxValueValidator(10_000)],
        help_text=_("How many. No names."),
    )
    pupils_present = models.PositiveIntegerField(
        _("pupils present"),
        default=0,
        validators=[MaxValueValidator(10_000)],
        help_text=_("How many. No names."),
    )
    others_present = models.PositiveIntegerField(
        _("others present"),
        default=0,
        validators=[MaxValueValidator(10_000)],
        help_text=_("E.g. coaches or neighbours who are not partners. How many, no names."),
    )
    minutes = models.TextField(
        _("minutes"),
        blank=True,
        max_length=50_000,
        help_text=_("What was discussed and agreed. Do not write about individual children."),
    )
    created_by = author_field(_("created by"))

    objects = MeetingQuerySet.as_manager()
    history = MEETING_HISTORY

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-date", "-pk"]
        indexes = [models.Index(fields=["community", "-date"], name="meeting_community_date")]

    def __str__(self) -> str:
        return f"{self.title} ({self.date:%d.%m.%Y})"

    def get_absolute_url(self) -> str:
        return reverse(
            "partnerships:meeting_detail",
            kwargs={"slug": self.community.slug, "pk": self.pk},
        )

    @property
    def others_count(self) -> int:
        """People present who are not partners."""
        return self.parents_present + self.pupils_present + self.others_present


class HolidayPeriodQuerySet(models.QuerySet):
    def for_community(self, community):
        """The community's own periods and those of its whole municipality."""
        return self.filter(
            models.Q(community=community)
            | models.Q(community__isnull=True, municipality=community.municipality)
        )

    def overlapping(self, first, last):
        return self.filter(first_day__lte=last, last_day__gte=first)


class HolidayPeriod(ConstraintsOnFields, models.Model):
    """A school holiday (skoleferie) of one community, or of every community in a municipality.

    Time slots that follow the school calendar pause on these days (``measures.schedules``).
    """

    community = models.ForeignKey(
        Community,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="holiday_periods",
        verbose_name=_("community"),
        help_text=_("Leave empty for a holiday of the whole municipality."),
    )
    municipality = models.CharField(
        _("municipality"),
        max_length=120,
        blank=True,
        help_text=_("For the whole municipality, e.g. “Drammen”: only without a community."),
    )
    name = models.CharField(_("name"), max_length=100, help_text=_("E.g. “Vinterferie”."))
    first_day = models.DateField(_("first day"), validators=[validate_activity_date])
    last_day = models.DateField(_("last day"), validators=[validate_activity_date])
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_by = author_field(_("created by"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = HolidayPeriodQuerySet.as_manager()
    history = HistoricalRecords(
        verbose_name=_("historical school holiday"),
        verbose_name_plural=_("historical school holidays"),
    )

    class Meta:
        verbose_name = _("school holiday")
        verbose_name_plural = _("school holidays")
        ordering = ["first_day", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(last_day__gte=models.F("first_day")),
                name="holidayperiod_ends_after_start",
                violation_error_code="last_day",
                violation_error_message=_("The last day cannot be before the first day."),
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(community__isnull=False, municipality="")
                    | (models.Q(community__isnull=True) & ~models.Q(municipality=""))
                ),
                name="holidayperiod_community_or_municipality",
                violation_error_code="municipality",
                violation_error_message=_(
                    "Choose either a community or a whole municipality, not both."
                ),
            ),
        ]
        indexes = [
            # HolidayPeriodQuerySet.for_community: a municipality's own periods.
            models.Index(fields=["municipality", "first_day"], name="holiday_municipality_first"),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.first_day:%d.%m.%Y}–{self.last_day:%d.%m.%Y}"
