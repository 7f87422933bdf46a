"""What a systemd timer or cron runs every few minutes: reminders, digests, the outbox.

Safe to run as often as you like and from several hosts at once: nothing is written twice (see
``notifications.rules``). The README's "In production" section has the timer.
"""

from django.core.management.base import BaseCommand

from notifications.services import (
    Delivery,
    changes_compose,
    emails_send_due,
    grant_reminders_send,
    reminders_send,
)


class Command(BaseCommand):
    help = (
        "Send the reminders and digests that are due and the outbox's waiting e-mails "
        "(run every few minutes by a timer)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-send",
            action="store_true",
            help="Write the e-mails that are due to the outbox, but leave sending to the worker.",
        )

    def handle(self, *args, **options):
        reminders = reminders_send() + grant_reminders_send()
        changes = changes_compose()
        self.stdout.write(
            f"Reminders: {reminders} e-mails. Changes and digests: {changes} e-mails."
        )
        if not options["no_send"]:
            delivery = Delivery()
            while True:  # batch after batch; a failed e-mail waits, so this ends
                batch = emails_send_due()
                if not (batch.sent or batch.retried or batch.failed):
                    break
                delivery.sent += batch.sent
                delivery.retried += batch.retried
                delivery.failed += batch.failed
            self.stdout.write(
                f"Sent: {delivery.sent}. To retry later: {delivery.retried}. "
                f"Given up: {delivery.failed}."
            )
