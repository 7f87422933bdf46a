"""When e-mails are due, in one place.

- **Changes.** A user is told of a change to a measure of one of their partners made by someone
  who is not of that partner (never of their own changes), by their choice: at once, in a daily
  digest, a weekly digest (the default) or never. A digest groups the changes by measure.
- **Digests** cover what happened before the last digest hour (``NOTIFICATIONS_DIGEST_HOUR``,
  Oslo time): every day for daily digests, on Mondays for weekly ones. A change after that hour
  waits for the next digest. Nothing is told twice: a change belongs to the e-mail that told it.
- **Reminders.** A measure missing a report for its community's last completed period
  (``MeasureQuerySet.with_attention``) is reminded ``FIRST_REMINDER_AFTER`` days after the
  period ended, and once more ``SECOND_REMINDER_AFTER`` days after the first reminder; then no
  more for that period. Each round is sent once (a unique row per measure, period and round).
- **Grant reports.** A grant that is granted, paid or due for its report, and not reported, is
  reminded to the users of the partner that applied ``GRANT_REMINDER_DAYS`` before its report
  deadline (14 days, then 3 days); each round once per deadline (a unique row per grant,
  deadline and round), so moving the deadline starts them anew.
- **Sending** retries with back-off when the mail server fails: 1, 2, 4 … minutes, at most
  ``MAX_BACKOFF``, and gives up (the message stays in the outbox, marked failed, for staff to
  send again) after ``MAX_ATTEMPTS``.
"""

import datetime

from django.conf import settings
from django.utils import timezone

from notifications.models import Frequency

FIRST_REMINDER_AFTER = datetime.timedelta(days=3)
SECOND_REMINDER_AFTER = datetime.timedelta(days=7)
REMINDER_ROUNDS = 2
# Days before a grant's report deadline that its applicant is reminded, one round each.
GRANT_REMINDER_DAYS = (14, 3)

MAX_ATTEMPTS = 10
MAX_BACKOFF = datetime.timedelta(hours=6)
# How long a worker may take to send a claimed batch before another may take it over.
CLAIM_FOR = datetime.timedelta(minutes=10)


def digest_cutoff(frequency: str, now: datetime.datetime) -> datetime.datetime | None:
    """Changes before this moment go into the digest sent at ``now``; None: no digest."""
    if frequency == Frequency.IMMEDIATELY:
        return now
    if frequency not in (Frequency.DAILY, Frequency.WEEKLY):
        return None
    local = timezone.localtime(now)
    cutoff = local.replace(
        hour=settings.NOTIFICATIONS_DIGEST_HOUR, minute=0, second=0, microsecond=0
    )
    if cutoff > local:
        cutoff -= datetime.timedelta(days=1)
    if frequency == Frequency.WEEKLY:
        cutoff -= datetime.timedelta(days=cutoff.weekday())  # back to Monday
    # The same wall-clock hour across a change to or from summer time.
    return timezone.make_aware(cutoff.replace(tzinfo=None))


def reminder_round_due(
    *,
    period_end: datetime.date,
    first_sent: datetime.datetime | None,
    rounds_sent: int,
    now: datetime.datetime,
) -> int | None:
    """The reminder round to send now for a period that is still missing its report, if any."""
    if rounds_sent >= REMINDER_ROUNDS:
        return None
    if rounds_sent == 0:
        due = (
            timezone.make_aware(datetime.datetime.combine(period_end, datetime.time.min))
            + datetime.timedelta(days=1)
            + FIRST_REMINDER_AFTER
        )
        return 1 if now >= due else None
    if first_sent is not None and now >= first_sent + SECOND_REMINDER_AFTER:
        return 2
    return None


def grant_reminder_round_due(
    *, deadline: datetime.date, rounds_sent: int, today: datetime.date
) -> int | None:
    """The grant report reminder round to send today, if any (the last one due, once)."""
    due = [
        number
        for number, days in enumerate(GRANT_REMINDER_DAYS, start=1)
        if today >= deadline - datetime.timedelta(days=days)
    ]
    if not due or due[-1] <= rounds_sent:
        return None
    return due[-1]


def backoff(attempts: int) -> datetime.timedelta:
    """How long to wait before attempt ``attempts + 1``."""
    return min(datetime.timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)
