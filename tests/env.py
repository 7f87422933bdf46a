"""Environment for the test run, loaded by pytest (``-p tests.env``) before Django's settings.

With DEBUG off the settings require these variables; tests run with DEBUG off, as
pytest-django does, on SQLite unless DATABASE_URL points elsewhere (e.g. PostgreSQL in CI).
"""

import os

os.environ.setdefault(
    "SECRET_KEY", "test-only-not-secret-" + "0123456789abcdefghijklmnopqrstuvwxyz"
)
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("DATABASE_URL", "sqlite:///test-db.sqlite3")
# The test client and the browser tests talk plain HTTP to a local server.
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("SESSION_COOKIE_SECURE", "false")
os.environ.setdefault("CSRF_COOKIE_SECURE", "false")
# Playwright's sync API runs an event loop in the test thread; Django's ORM calls there are safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# One process: its local-memory cache is shared by every request, so sessions, users and pages
# are read from it as in production with Redis (settings.CACHE_SHARED).
os.environ.setdefault("CACHE_SHARED", "true")
