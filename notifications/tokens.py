"""The link in an invitation: Django's password-reset tokens with their own salt and lifetime.

The token is made from the account's password and last login, so it stops working once the
person has chosen a password (it is used once), and after ``INVITATION_VALID_DAYS``.
"""

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.utils.crypto import constant_time_compare
from django.utils.http import base36_to_int


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "notifications.tokens.InvitationTokenGenerator"

    def check_token(self, user, token) -> bool:
        """Django's check, with the invitation's lifetime instead of PASSWORD_RESET_TIMEOUT."""
        if not (user and token):
            return False
        try:
            timestamp_b36, _hash = token.split("-")
            timestamp = base36_to_int(timestamp_b36)
        except ValueError:
            return False
        if not any(
            constant_time_compare(self._make_token_with_timestamp(user, timestamp, secret), token)
            for secret in [self.secret, *self.secret_fallbacks]
        ):
            return False
        age = self._num_seconds(self._now()) - timestamp
        return age <= settings.INVITATION_VALID_DAYS * 24 * 60 * 60


invitation_tokens = InvitationTokenGenerator()
