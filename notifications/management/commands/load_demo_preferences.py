"""The demo accounts' e-mail choices, so that `make run` shows each kind of e-mail.

Called by ``load_demo`` (idempotent). Konnerud IL's leader hears of changes at once, so that an
edit by a school shows its e-mail in the console under `make run`.
"""

from django.core.management.base import BaseCommand

from notifications.models import Frequency, Preferences
from partnerships.models import User

DEMO_PREFERENCES = {
    "konnerud-il": ("nb", Frequency.IMMEDIATELY, True),
    "hallermoen": ("nb", Frequency.IMMEDIATELY, True),
    "konnerud-skole": ("nb", Frequency.DAILY, True),
    "svendsedammen": ("en", Frequency.DAILY, True),
    "vestbygda": ("nb", Frequency.WEEKLY, True),
    "kommune": ("nb", Frequency.WEEKLY, False),
    "idrettsrad": ("nb", Frequency.NEVER, False),
    "forsker": ("nb", Frequency.NEVER, False),
}


class Command(BaseCommand):
    help = "Give the demo accounts their language and e-mail choices (idempotent)."

    def handle(self, *args, **options):
        users = User.objects.filter(username__in=DEMO_PREFERENCES)
        for user in users:
            language, frequency, reminders = DEMO_PREFERENCES[user.username]
            Preferences.objects.update_or_create(
                user=user,
                defaults={"language": language, "frequency": frequency, "reminders": reminders},
            )
        self.stdout.write(f"E-mail choices for {len(users)} demo accounts.")
