"""The password reset form, limited: a few e-mails per address and per account an hour.

Without a limit anyone can make the portal mail a person (or a list of people) as often as they
like, and the mail server refuse us as a spammer. Above the limit the form asks nothing of the
mail server but answers exactly as always ("if an account has that address, a link is on its
way"), so the answer still does not tell whether an address has an account: a different answer
when an *account's* limit is reached would say that it exists. The page says that only a few
links are sent an hour, for the person who asked several times.

The counts live in Django's cache (shared by all workers when the cache is; see ``CACHES``),
under keys that hold a keyed hash of the address, never the address itself.
"""

from django.conf import settings
from django.core.cache import cache
from django.utils.crypto import salted_hmac

from notifications.forms import OutboxPasswordResetForm

WINDOW_SECONDS = 60 * 60


def within_limit(key: str) -> bool:
    """Count one more for ``key`` in this hour's window; False once over the limit."""
    cache.add(key, 0, timeout=WINDOW_SECONDS)  # the window starts with the first request
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr: a new window
        cache.add(key, 1, timeout=WINDOW_SECONDS)
        count = 1
    return count <= settings.PASSWORD_RESET_LIMIT_PER_HOUR


def address_key(email: str) -> str:
    digest = salted_hmac("aktive.password-reset", email.strip().casefold()).hexdigest()
    return f"password-reset:address:{digest}"


def account_key(user) -> str:
    return f"password-reset:account:{user.pk}"


class LimitedPasswordResetForm(OutboxPasswordResetForm):
    """Django's form, sending to no one once the address or the account has had its e-mails."""

    def get_users(self, email):
        if not within_limit(address_key(email)):
            return
        for user in super().get_users(email):
            if within_limit(account_key(user)):
                yield user
