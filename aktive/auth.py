"""Django's ModelBackend, reading the logged-in user from the shared cache (``partnerships/
user_cache.py``) instead of the database on every request."""

from django.contrib.auth.backends import ModelBackend

from partnerships import user_cache


class CachedModelBackend(ModelBackend):
    def get_user(self, user_id):
        user = user_cache.cached_user(user_id)
        if user is None:
            return super().get_user(user_id)  # no shared cache, or no such user
        return user if self.user_can_authenticate(user) else None
