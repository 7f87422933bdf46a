"""Writes of the notifications app: who is to be told what, the outbox, reminders, invitations.

Every e-mail is an ``Email`` row written in the transaction of the change that causes it; once
that commits, a background task (``notifications.tasks.deliver``) writes the e-mails that are
due and hands the outbox to the mail server. The timer's command (``send_notifications``) does
the same for digests and reminders, and picks up anything a lost task left behind.
"""

import datetime
import logging
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from funding.models import Grant
from measures.models import Measure, MeasurePartner, Report
from notifications import rules
from notifications.messages import absolute, describe, render_email
from notifications.models import (
    Email,
    Frequency,
    GrantReminder,
    Invitation,
    Notification,
    Preferences,
    Reminder,
)
from notifications.models import new_claim as _new_claim
from notifications.tokens import invitation_tokens
from partnerships.models import User
from partnerships.services import CommunityCreated, PartnerEntry, community_create

logger = logging.getLogger("notifications")


# --- Preferences ------------------------------------------------------------------------------


def preferences_of(user: User) -> Preferences:
    """The user's choices, the defaults (unsaved) if they never chose."""
    try:
        return user.preferences
    except Preferences.DoesNotExist:
        return Preferences(user=user)


@transaction.atomic
def profile_update(
    *,
    user: User,
    first_name: str,
    last_name: str,
    email: str,
    language: str,
    frequency: str,
    reminders: bool,
) -> Preferences:
    user.first_name, user.last_name, user.email = first_name, last_name, email
    user.full_clean(exclude=["password", "username"])
    user.save(update_fields=["first_name", "last_name", "email"])
    preferences = preferences_of(user)
    preferences.language, preferences.frequency, preferences.reminders = (
        language,
        frequency,
        reminders,
    )
    preferences.full_clean()
    preferences.save()
    return preferences


def language_set(*, user: User, language: str) -> None:
    """The language the user picked in the menu, for their e-mails too."""
    Preferences.objects.update_or_create(user=user, defaults={"language": language})


# --- Changes ----------------------------------------------------------------------------------


def changes_record(*, measure: Measure, actor: User | None, report: Report | None = None) -> int:
    """Write a pending notification for each user to be told of this change of ``measure``.

    The users of the measure's partners, except the partners ``actor`` belongs to, the actor
    and those who chose never. Called in the change's transaction; returns how many.
    """
    if report is not None:
        record_field = "report_record_id"
        record = Report.history.filter(id=report.pk).order_by("-history_id").first()
    else:
        record_field = "measure_record_id"
        record = Measure.history.filter(id=measure.pk).order_by("-history_id").first()
    if record is None:
        return 0
    partners = MeasurePartner.objects.filter(measure=measure).values("partner_id")
    recipients = User.objects.filter(is_active=True, memberships__partner_id__in=partners).exclude(
        preferences__frequency=Frequency.NEVER
    )
    if actor is not None:
        recipients = recipients.exclude(pk=actor.pk).exclude(
            memberships__partner_id__in=actor.memberships.values("partner_id")
        )
    user_ids = set(recipients.values_list("pk", flat=True))
    Notification.objects.bulk_create(
        Notification(
            recipient_id=user_id,
            measure=measure,
            created_at=record.history_date,
            **{record_field: record.history_id},
        )
        for user_id in user_ids
    )
    if user_ids:
        schedule_delivery()
    return len(user_ids)


def changes_compose(*, now: datetime.datetime | None = None) -> int:
    """Write the change e-mails that are due now: at once, and the daily and weekly digests.

    Each user gets one e-mail with every change due, grouped by measure, and each change is
    marked with the e-mail that told it, in the same transaction: run twice, it sends nothing
    twice. Returns the number of e-mails written.
    """
    now = now or timezone.now()
    due = Q()
    for frequency in (Frequency.IMMEDIATELY, Frequency.DAILY, Frequency.WEEKLY):
        cutoff = rules.digest_cutoff(frequency, now)
        chose = Q(recipient__preferences__frequency=frequency)
        if frequency == Frequency.WEEKLY:  # the default, for users who never chose
            chose |= Q(recipient__preferences__isnull=True)
        due |= chose & Q(created_at__lte=cutoff)
    user_ids = set(
        Notification.objects.filter(due, email__isnull=True).values_list("recipient_id", flat=True)
    )
    written = 0
    for user_id in sorted(user_ids):
        written += _compose_for(user_id, now)
    return written


@transaction.atomic
def _compose_for(user_id: int, now: datetime.datetime) -> int:
    user = User.objects.select_related("preferences").get(pk=user_id)
    preferences = preferences_of(user)
    cutoff = rules.digest_cutoff(preferences.frequency, now)
    pending = Notification.objects.select_for_update(skip_locked=True, of=("self",)).filter(
        recipient=user, email__isnull=True, created_at__lte=cutoff
    )
    notes = list(
        pending.select_related(
            "measure__community",
            "report_record__history_user",
            "report_record__measure",
        )
    )
    if not notes:
        return 0
    if not user.is_active or not user.email or preferences.frequency == Frequency.NEVER:
        # Nobody to tell any more: the changes are dropped, not kept forever.
        Notification.objects.filter(pk__in=[n.pk for n in notes]).delete()
        return 0
    with translation.override(preferences.language):  # what changed, in their words too
        groups = describe(notes)
    kind = (
        Email.Kind.CHANGES if preferences.frequency == Frequency.IMMEDIATELY else Email.Kind.DIGEST
    )
    email = email_queue(
        user=user,
        kind=kind,
        template="changes",
        context={
            "user": user,
            "groups": groups,
            "frequency": preferences.frequency,
            "change_count": sum(len(group.lines) for group in groups),
        },
        language=preferences.language,
    )
    Notification.objects.filter(pk__in=[n.pk for n in notes]).update(email=email)
    return 1


# --- The outbox -------------------------------------------------------------------------------


def email_queue(
    *,
    kind: str,
    template: str,
    context: dict,
    language: str,
    user: User | None = None,
    to: str | None = None,
) -> Email:
    """Write an e-mail to the outbox; it is sent once the caller's transaction commits."""
    rendered = render_email(template, context, language=language)
    email = Email.objects.create(
        recipient=user,
        to=to or user.email,
        kind=kind,
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
    )
    schedule_delivery()
    return email


def schedule_delivery(run_after: datetime.datetime | None = None) -> None:
    """Run the delivery task once the current transaction commits (once per transaction)."""
    from notifications.tasks import enqueue_delivery  # tasks import this module

    if run_after is not None:
        enqueue_delivery(run_after=run_after)
        return
    if connection.in_atomic_block and any(
        callback is enqueue_delivery for _sids, callback, _robust in connection.run_on_commit
    ):
        return
    transaction.on_commit(enqueue_delivery, robust=True)


@dataclass
class Delivery:
    sent: int = 0
    retried: int = 0
    failed: int = 0


def emails_send_due(*, now: datetime.datetime | None = None, limit: int = 200) -> Delivery:
    """Send the outbox's due e-mails: claim a batch, send each, record what happened.

    A claim is written in a short transaction (``SKIP LOCKED`` on PostgreSQL; SQLite takes one
    writer at a time), so two workers never take the same e-mail; it is sent outside any
    transaction, so a slow mail server holds no lock. A failure waits ``rules.backoff`` before
    the next attempt; the e-mail keeps its place in the outbox until sent.
    """
    now = now or timezone.now()
    claim = _new_claim()
    claimable = Q(status=Email.Status.PENDING, next_attempt_at__lte=now) | Q(
        status=Email.Status.SENDING, claimed_until__lt=now
    )
    with transaction.atomic():
        ids = list(
            Email.objects.select_for_update(skip_locked=True)
            .filter(claimable)
            .order_by("next_attempt_at", "pk")
            .values_list("pk", flat=True)[:limit]
        )
        Email.objects.filter(claimable, pk__in=ids).update(
            status=Email.Status.SENDING, claim=claim, claimed_until=now + rules.CLAIM_FOR
        )
    result = Delivery()
    batch = list(Email.objects.filter(claim=claim, status=Email.Status.SENDING).order_by("pk"))
    if not batch:
        return result
    mail_server = get_connection(fail_silently=False)
    try:
        for email in batch:
            try:
                mail_server.send_messages([_message(email, mail_server)])
            except Exception as error:  # any failure of the mail server: retried later
                _failed(email, error, result)
                mail_server.close()  # a fresh connection for the next one
            else:
                personal_link = email.kind in (Email.Kind.PASSWORD, Email.Kind.INVITATION)
                Email.objects.filter(pk=email.pk, claim=claim).update(
                    status=Email.Status.SENT,
                    sent_at=timezone.now(),
                    attempts=email.attempts + 1,
                    last_error="",
                    # A link into someone's account is not kept once it is on its way.
                    **({"text": "", "html": ""} if personal_link else {}),
                )
                result.sent += 1
    finally:
        mail_server.close()
    return result


def _message(email: Email, mail_server) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.text,
        to=[email.to],
        connection=mail_server,
        headers={
            "Message-ID": email.message_id,
            "Auto-Submitted": "auto-generated",
            "List-Unsubscribe": f"<{absolute(reverse('notifications:profile'))}>",
        },
    )
    if email.html:
        message.attach_alternative(email.html, "text/html")
    return message


def _failed(email: Email, error: Exception, result: Delivery) -> None:
    attempts = email.attempts + 1
    gave_up = attempts >= rules.MAX_ATTEMPTS
    next_attempt = timezone.now() + rules.backoff(attempts)
    Email.objects.filter(pk=email.pk, claim=email.claim).update(
        status=Email.Status.FAILED if gave_up else Email.Status.PENDING,
        attempts=attempts,
        next_attempt_at=next_attempt,
        claim=None,
        claimed_until=None,
        last_error=f"{type(error).__name__}: {error}"[:2000],
    )
    logger.warning(
        "e-mail not sent",
        extra={"email_id": email.pk, "attempts": attempts, "error": type(error).__name__},
    )
    if gave_up:
        result.failed += 1
    else:
        result.retried += 1
        schedule_delivery(run_after=next_attempt)


@transaction.atomic
def emails_retry(*, emails) -> int:
    """Send failed e-mails again (staff, from admin): they get their attempts anew."""
    count = emails.filter(status=Email.Status.FAILED).update(
        status=Email.Status.PENDING, attempts=0, next_attempt_at=timezone.now()
    )
    if count:
        schedule_delivery()
    return count


# --- Reminders --------------------------------------------------------------------------------


def reminders_send(*, now: datetime.datetime | None = None) -> int:
    """Remind the partners' users of measures missing a report, in rounds (``rules``).

    One e-mail per user with all of their measures to remind; one ``Reminder`` per measure,
    period and round, whose unique constraint makes sending a round twice impossible. Returns
    the number of e-mails written.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    missing = list(
        Measure.objects.missing_report(today)
        .select_related("community")
        .prefetch_related("partner_links")
    )
    sent_before = defaultdict(list)
    for reminder in Reminder.objects.filter(measure__in=missing):
        sent_before[(reminder.measure_id, reminder.period_start)].append(reminder)
    due = []
    for measure in missing:
        earlier = sent_before[(measure.pk, measure.report_due_start)]
        first = next((r.sent_at for r in earlier if r.round == 1), None)
        round_ = rules.reminder_round_due(
            period_end=measure.report_due_end, first_sent=first, rounds_sent=len(earlier), now=now
        )
        if round_ is not None:
            due.append((measure, round_))
    if not due:
        return 0
    return _remind(due, now)


@transaction.atomic
def _remind(due: list, now: datetime.datetime) -> int:
    partner_ids = {
        link.partner_id for measure, _round in due for link in measure.partner_links.all()
    }
    users = (
        User.objects.filter(is_active=True, memberships__partner_id__in=partner_ids)
        .exclude(email="")
        .exclude(preferences__reminders=False)
        .select_related("preferences")
        .prefetch_related("memberships")
        .distinct()
    )
    per_user = defaultdict(list)
    for measure, round_ in due:
        try:
            with transaction.atomic():  # a savepoint: another run may have sent it meanwhile
                reminder = Reminder.objects.create(
                    measure=measure,
                    period_start=measure.report_due_start,
                    period_end=measure.report_due_end,
                    round=round_,
                    sent_at=now,
                )
        except IntegrityError:
            continue
        measure_partners = {link.partner_id for link in measure.partner_links.all()}
        reminded = [
            user
            for user in users
            if measure_partners & {m.partner_id for m in user.memberships.all()}
        ]
        reminder.recipients.set(reminded)
        for user in reminded:
            per_user[user].append((measure, reminder))
    for user, items in per_user.items():
        email_queue(
            user=user,
            kind=Email.Kind.REMINDER,
            template="reminder",
            context={"user": user, "items": [_reminder_item(m, r) for m, r in items]},
            language=preferences_of(user).language,
        )
    return len(per_user)


def _reminder_item(measure: Measure, reminder: Reminder) -> dict:
    month = reminder.period_end.replace(day=1)
    form = reverse("measures:report_create", kwargs={"pk": measure.pk})
    return {
        "measure": measure,
        "reminder": reminder,
        "url": absolute(f"{form}?month={month:%Y-%m}"),
        "measure_url": absolute(measure.get_absolute_url()),
        "month": month,
    }


def grant_reminders_send(*, now: datetime.datetime | None = None) -> int:
    """Remind the applicant's users of grant reports due soon, in rounds (``rules``).

    One e-mail per user with all of their grants to report on; one ``GrantReminder`` per grant,
    deadline and round. Returns the number of e-mails written.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    latest = max(rules.GRANT_REMINDER_DAYS)
    grants = list(
        Grant.objects.report_due_within(today, latest)
        .filter(report_deadline__gte=today)
        .select_related("community")
    )
    deadline_of = {grant.pk: grant.report_deadline for grant in grants}
    sent = defaultdict(int)
    for reminder in GrantReminder.objects.filter(grant__in=grants):
        if reminder.deadline == deadline_of[reminder.grant_id]:  # a moved deadline starts anew
            sent[reminder.grant_id] += 1
    due = []
    for grant in grants:
        round_ = rules.grant_reminder_round_due(
            deadline=grant.report_deadline, rounds_sent=sent[grant.pk], today=today
        )
        if round_ is not None:
            due.append((grant, round_))
    if not due:
        return 0
    return _remind_grants(due, now)


@transaction.atomic
def _remind_grants(due: list, now: datetime.datetime) -> int:
    users = (
        User.objects.filter(
            is_active=True, memberships__partner_id__in={grant.applicant_id for grant, _ in due}
        )
        .exclude(email="")
        .exclude(preferences__reminders=False)
        .select_related("preferences")
        .prefetch_related("memberships")
        .distinct()
    )
    per_user = defaultdict(list)
    for grant, round_ in due:
        try:
            with transaction.atomic():  # a savepoint: another run may have sent it meanwhile
                reminder = GrantReminder.objects.create(
                    grant=grant, deadline=grant.report_deadline, round=round_, sent_at=now
                )
        except IntegrityError:
            continue
        reminded = [
            user
            for user in users
            if grant.applicant_id in {m.partner_id for m in user.memberships.all()}
        ]
        reminder.recipients.set(reminded)
        for user in reminded:
            per_user[user].append(grant)
    for user, grants in per_user.items():
        email_queue(
            user=user,
            kind=Email.Kind.REMINDER,
            template="grant_reminder",
            context={
                "user": user,
                "items": [
                    {
                        "grant": grant,
                        "url": absolute(reverse("funding:grant_report", kwargs={"pk": grant.pk})),
                    }
                    for grant in grants
                ],
            },
            language=preferences_of(user).language,
        )
    return len(per_user)


# --- Invitations ------------------------------------------------------------------------------


@transaction.atomic
def invitation_send(*, user: User, invited_by: User | None) -> Invitation:
    """E-mail a new user a link to choose their password (valid for days, used once).

    A user who has no password yet gets one nobody knows, so that the link is the only way in.
    """
    if not user.email:
        raise ValueError("An invitation needs the user's e-mail address.")
    if not user.password:
        user.password = make_password(None)
        user.save(update_fields=["password"])
    invitation = Invitation.objects.create(user=user, invited_by=invited_by)
    link = reverse(
        "notifications:invitation",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": invitation_tokens.make_token(user),
        },
    )
    email_queue(
        user=user,
        kind=Email.Kind.INVITATION,
        template="invitation",
        context={
            "user": user,
            "invited_by": invited_by,
            "url": absolute(link),
            "valid_days": settings.INVITATION_VALID_DAYS,
            "username": user.get_username(),
        },
        language=preferences_of(user).language,
    )
    return invitation


@transaction.atomic
def community_onboard(
    *, user: User, data: Mapping[str, Any], partners: Sequence[PartnerEntry]
) -> CommunityCreated:
    """A new community with its partners and their first users (``community_create``), each
    user invited by e-mail, all in one transaction: a refused form writes nothing."""
    created = community_create(user=user, data=data, partners=partners)
    for account in created.users:
        invitation_send(user=account, invited_by=user)
    return created


@transaction.atomic
def invitation_accept(*, user: User, password: str) -> User:
    """The invited user's chosen password; their invitations are marked accepted."""
    user.set_password(password)
    user.save(update_fields=["password"])
    Invitation.objects.filter(user=user, accepted_at__isnull=True).update(
        accepted_at=timezone.now()
    )
    return user
