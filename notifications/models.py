"""E-mail: each user's choices, the changes waiting to be told, the outbox, reminders sent and
invitations.

The outbox (``Email``) is the one way out: every message is a row written in the transaction of
the change that causes it, and the worker sends it (``notifications.services.emails_send_due``).
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from measures.models import Measure, Report
from partnerships.models import author_field


class Frequency(models.TextChoices):
    IMMEDIATELY = "immediately", _("At once, one e-mail per change")
    DAILY = "daily", _("A daily digest")
    WEEKLY = "weekly", _("A weekly digest")
    NEVER = "never", _("Never")


class Preferences(models.Model):
    """A user's language and e-mail choices. A user without a row has the defaults."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="preferences",
        verbose_name=_("user"),
    )
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    frequency = models.CharField(
        _("changes by the other partners"),
        max_length=12,
        choices=Frequency.choices,
        default=Frequency.WEEKLY,
        help_text=_("When to tell you what the other partners changed on your measures."),
    )
    reminders = models.BooleanField(
        _("reminders"),
        default=True,
        help_text=_("Remind me when one of my measures is missing a report."),
    )

    class Meta:
        verbose_name = _("e-mail settings")
        verbose_name_plural = _("e-mail settings")

    def __str__(self) -> str:
        return str(self.user)


class Email(models.Model):
    """One message in the outbox: pending until the worker has handed it to the mail server."""

    class Kind(models.TextChoices):
        CHANGES = "changes", _("Changes")
        DIGEST = "digest", _("Digest")
        REMINDER = "reminder", _("Reminder")
        INVITATION = "invitation", _("Invitation")
        PASSWORD = "password", _("New password")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recipient"),
    )
    to = models.EmailField(_("to"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    subject = models.CharField(_("subject"), max_length=300)
    text = models.TextField(_("text"))
    html = models.TextField(_("HTML"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    # A worker claims a batch by writing its token; another worker never takes a claimed row
    # until ``claimed_until`` has passed (the first worker died).
    claim = models.UUIDField(null=True, blank=True, editable=False)
    claimed_until = models.DateTimeField(null=True, blank=True, editable=False)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("e-mail")
        verbose_name_plural = _("e-mails")
        ordering = ["-created_at", "-pk"]
        indexes = [
            # The worker's question: what is due?
            models.Index(fields=["status", "next_attempt_at"], name="email_due"),
        ]

    def __str__(self) -> str:
        return f"{self.to}: {self.subject}"

    @property
    def message_id(self) -> str:
        """The same Message-ID on every attempt, so a mail server or client can drop a copy."""
        domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip("> ") or "localhost"
        return f"<aktive-{self.pk}-{self.created_at:%Y%m%d%H%M%S}@{domain}>"


class Notification(models.Model):
    """One change to a measure that one user is to be told of; pending until ``email`` is set."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    measure = models.ForeignKey(
        Measure, on_delete=models.CASCADE, related_name="+", verbose_name=_("measure")
    )
    # The history row of the change: what changed is read from it when the e-mail is written,
    # in the words the history page uses.
    measure_record = models.ForeignKey(
        Measure.history.model, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    report_record = models.ForeignKey(
        Report.history.model, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    email = models.ForeignKey(
        Email,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("e-mail"),
    )

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            # The digests' question: what is waiting for whom?
            models.Index(
                fields=["recipient", "created_at"],
                condition=models.Q(email__isnull=True),
                name="notification_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recipient}: {self.measure}"


class Reminder(models.Model):
    """A reminder sent about a measure missing its report for a period: at most one per round."""

    measure = models.ForeignKey(
        Measure, on_delete=models.CASCADE, related_name="+", verbose_name=_("measure")
    )
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period to"))
    round = models.PositiveSmallIntegerField(_("round"))
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)
    recipients = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="+", blank=True, verbose_name=_("reminded")
    )

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["-sent_at", "-pk"]
        constraints = [
            # Sending the same reminder twice is impossible, however often the timer runs.
            models.UniqueConstraint(
                fields=["measure", "period_start", "round"], name="reminder_once_per_round"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.measure} ({self.period_start:%m.%Y}, {self.round})"


class GrantReminder(models.Model):
    """A reminder sent about a grant's report to its funder: at most one per deadline and round."""

    grant = models.ForeignKey(
        "funding.Grant", on_delete=models.CASCADE, related_name="+", verbose_name=_("grant")
    )
    deadline = models.DateField(_("report deadline"))
    round = models.PositiveSmallIntegerField(_("round"))
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)
    recipients = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="+", blank=True, verbose_name=_("reminded")
    )

    class Meta:
        verbose_name = _("grant report reminder")
        verbose_name_plural = _("grant report reminders")
        ordering = ["-sent_at", "-pk"]
        constraints = [
            # Moving the deadline starts the rounds anew; each round is sent once.
            models.UniqueConstraint(
                fields=["grant", "deadline", "round"], name="grantreminder_once_per_round"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.grant} ({self.deadline:%d.%m.%Y}, {self.round})"


class Invitation(models.Model):
    """An invitation e-mail sent to a new user, and when they chose their password."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="invitations",
        verbose_name=_("user"),
    )
    invited_by = author_field(_("invited by"))
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-sent_at", "-pk"]

    def __str__(self) -> str:
        return str(self.user)


def new_claim() -> uuid.UUID:
    return uuid.uuid4()
