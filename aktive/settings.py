"""Settings for the Aktive Lokalsamfunn portal.

One file, every value switched by an environment variable (django-environ). The README's
"Configuration" section lists each variable. With DEBUG off the defaults are the safe production
ones, and start-up stops with one message naming every required variable that is missing.
"""

import datetime
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# An optional env file for servers that keep their configuration in one place.
env_file = env.str("ENV_FILE", default=str(BASE_DIR / ".env"))
if Path(env_file).is_file():
    env.read_env(env_file)

DEBUG = env.bool("DEBUG", default=False)

REQUIRED_IN_PRODUCTION = ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL")
if not DEBUG:
    missing = [name for name in REQUIRED_IN_PRODUCTION if not env.str(name, default="")]
    if missing:
        # SystemExit with a message prints one line and no traceback.
        raise SystemExit(
            "Aktive Lokalsamfunn cannot start: DEBUG is off and these environment variables "
            f"are missing: {', '.join(missing)}. See the README, section 'Configuration'."
        )

SECRET_KEY = env.str("SECRET_KEY", default="django-insecure-local-development-only")
if not DEBUG and (
    len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY.startswith("django-insecure")
):
    raise SystemExit(
        "Aktive Lokalsamfunn cannot start: SECRET_KEY must be at least 50 random characters "
        "(not the development key). Make one with: "
        'python -c "import secrets; print(secrets.token_urlsafe(50))"'
    )
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "aktive.apps.AktiveConfig",
    # Django's admin on a site that turns odd input into 4xx (aktive/admin_site.py).
    "aktive.apps.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "simple_history",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "partnerships",
    "measures",
    "notifications",
    "funding",
]

MIDDLEWARE = [
    "aktive.middleware.RequestLogMiddleware",
    # Before anything reads the body or the session: too large is 413, a NUL character 400.
    "aktive.middleware.RequestBodyLimitMiddleware",
    "aktive.middleware.OddInputMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "aktive.middleware.SessionRefreshMiddleware",
    "aktive.middleware.NorwegianByDefaultLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "aktive.middleware.LoginRequiredMiddleware",  # Django's, public pages first
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a lockout raised by the login into its page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "aktive.urls"
WSGI_APPLICATION = "aktive.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "aktive.context_processors.navigation",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------------
# SQLite is the zero-setup default; production and CI use PostgreSQL through psycopg 3.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock at BEGIN, so select_for_update-style checks hold on SQLite.
    DATABASES["default"].setdefault("OPTIONS", {})["transaction_mode"] = "IMMEDIATE"
    DATABASES["default"]["OPTIONS"].setdefault("timeout", 20)
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    options = DATABASES["default"].setdefault("OPTIONS", {})
    # While PostgreSQL is down or restarting, fail fast (a 503 page) rather than hang a worker.
    options.setdefault("connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=3))
    statement_timeout = env.int("DATABASE_STATEMENT_TIMEOUT_MS", default=30_000)
    options.setdefault("options", f"-c statement_timeout={statement_timeout}")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "partnerships.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses a locked-out username and address before the password check.
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, reading the logged-in user from the shared cache (aktive/auth.py).
    "aktive.auth.CachedModelBackend",
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# --- Language and time ------------------------------------------------------------------------
# Norwegian bokmål whatever the browser says; English only when the user picks it.
LANGUAGE_CODE = "nb"
LANGUAGES = [("nb", _("Norwegian bokmål")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "Europe/Oslo"
USE_I18N = True
USE_THOUSAND_SEPARATOR = True
USE_TZ = True

# --- Static and media files -------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Media on S3-compatible object storage (optional, for more than one app server): set the
# bucket and install the extra: pip install -e ".[s3]". See the README, "In production".
MEDIA_S3_BUCKET = env.str("MEDIA_S3_BUCKET", default="")
if MEDIA_S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": MEDIA_S3_BUCKET,
            "endpoint_url": env.str("MEDIA_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("MEDIA_S3_REGION", default="") or None,
            "access_key": env.str("MEDIA_S3_ACCESS_KEY", default=""),
            "secret_key": env.str("MEDIA_S3_SECRET_KEY", default=""),
            "custom_domain": env.str("MEDIA_S3_CUSTOM_DOMAIN", default="") or None,
            "default_acl": None,
            "file_overwrite": False,
            "querystring_auth": env.bool("MEDIA_S3_SIGNED_URLS", default=True),
        },
    }

# --- Cache ------------------------------------------------------------------------------------
# One cache for every process and server: Redis in production (Django's own Redis backend),
# CACHE_URL=redis://127.0.0.1:6379/0 or REDIS_URL (any django-environ cache URL works). Without
# either, local memory: right for `make run` (one process), but each gunicorn worker then keeps
# its own, so nothing that must change at once for everyone is kept there (see CACHE_SHARED).
CACHE_URL = env.str("CACHE_URL", default="") or env.str("REDIS_URL", default="")
CACHES = {"default": env.cache_url_config(CACHE_URL or "locmemcache://")}
CACHES["default"].setdefault("KEY_PREFIX", env.str("CACHE_KEY_PREFIX", default="aktive"))
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = "aktive.cache.RedisCache"  # one client per pool, not per call
LOCAL_CACHES = {  # one per process
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
}
# Whether every process reads the same cache: then sessions, logged-in users and their partners
# are read from it rather than the database, and a change (a user removed from a partner, a
# logout) reaches every process at once because the entry is deleted in the shared cache. With a
# per-process cache that would leave other workers a stale copy, so they are read from the
# database. `make run` and the tests run one process, so its local memory counts as shared.
CACHE_SHARED = env.bool(
    "CACHE_SHARED", default=CACHES["default"]["BACKEND"] not in LOCAL_CACHES or DEBUG
)
# A cached page or chart older than this is made anew even if nothing said it changed (a
# safety net for writes that send no signal, such as a bulk load); seconds.
CACHE_PAGES_SECONDS = env.int("CACHE_PAGES_SECONDS", default=60 * 60 * 6)

# --- Request size -----------------------------------------------------------------------------
# A request body above this is refused (413) before it is read. Photos are refused above 10 MB
# by their form; the rest of a form is small. nginx's client_max_body_size should match.
MAX_REQUEST_BODY_BYTES = env.int("MAX_REQUEST_BODY_MB", default=12) * 1024 * 1024

# --- E-mail -----------------------------------------------------------------------------------
# Console by default; SMTP with e.g. EMAIL_URL=smtp+tls://user:password@smtp.example.no:587
# Every message is written to the outbox (notifications.Email) and sent by the worker with this
# backend; see notifications/services.py.
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)  # seconds; a hanging server is a retry
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="Aktive Lokalsamfunn <noreply@localhost>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# At most this many password reset e-mails per address and per account an hour (aktive/accounts.py).
PASSWORD_RESET_LIMIT_PER_HOUR = env.int("PASSWORD_RESET_LIMIT_PER_HOUR", default=3)
# The portal's address, for links in e-mails (no request is at hand in the worker).
PORTAL_URL = env.str("PORTAL_URL", default="").rstrip("/") or (
    "http://127.0.0.1:8000" if DEBUG else f"https://{ALLOWED_HOSTS[0]}"
)
# Daily and weekly digests cover what happened before this hour (Oslo time); weekly on Mondays.
NOTIFICATIONS_DIGEST_HOUR = env.int("NOTIFICATIONS_DIGEST_HOUR", default=7)
# An invitation's link to choose a password works this many days, once.
INVITATION_VALID_DAYS = env.int("INVITATION_VALID_DAYS", default=7)

# --- Background tasks (django-tasks) ----------------------------------------------------------
# The database backend by default: `manage.py db_worker` runs the tasks, no other server needed.
# `make run` uses "immediate" (a task runs as soon as the change commits). "rq": RQ on REDIS_URL
# (pip install django-tasks-rq; `manage.py rqworker --job-class django_tasks_rq.Job`). Any other
# backend by its dotted path.
TASKS_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "rq": "django_tasks_rq.RQBackend",
}
TASKS_BACKEND = env.str("TASKS_BACKEND", default="database")
TASKS = {"default": {"BACKEND": TASKS_BACKENDS.get(TASKS_BACKEND, TASKS_BACKEND)}}
if TASKS_BACKEND == "rq":
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    TASKS["default"]["QUEUES"] = ["default"]
RQ_QUEUES = {"default": {"URL": env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")}}

# --- Security ---------------------------------------------------------------------------------
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
# In the shared cache and the database: read from the cache, written to both (a session survives
# a restart of Redis). With a per-process cache, from the database only (see CACHE_SHARED).
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db"
    if CACHE_SHARED
    else "django.contrib.sessions.backends.db"
)
# A session ends after two weeks without a visit. Rather than rewrite it on every request (a
# database write per page view), SessionRefreshMiddleware renews it at most once an hour.
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14
SESSION_REFRESH_SECONDS = 60 * 60
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# A load balancer asks /healthz over plain HTTP, straight from gunicorn: it gets the real state
# (200 or 503), not a redirect.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 60 * 60 * 24 * 365)
# The portal has its own host name (e.g. portal.idrettsrad.no): its subdomains are its own too.
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "aktive.views.csrf_failure"
if env.bool("USE_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many reverse proxies (nginx, a load balancer) stand in front and add X-Forwarded-For.
# 0: the client's address is REMOTE_ADDR. Used by the login lockout and the request log.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# Content-Security-Policy (django-csp 4): everything from our own origin, no inline script or
# style. The charts' data travels in <script type="application/json">, which is not run.
CSP_MEDIA_ORIGIN = env.str("CSP_MEDIA_ORIGIN", default="")  # e.g. the S3 bucket's origin
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:", *([CSP_MEDIA_ORIGIN] if CSP_MEDIA_ORIGIN else [])],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# django-axes: after 5 wrong passwords for one username from one address, that pair is locked
# for 15 minutes. Another user at the same address (a school's shared network) is not.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "aktive.views.locked_out"
AXES_CLIENT_IP_CALLABLE = "aktive.middleware.client_ip"
AXES_USERNAME_CALLABLE = "aktive.middleware.login_username"
AXES_VERBOSE = False  # our own log line says it once, without noise

# --- Third-party apps -------------------------------------------------------------------------
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
SIMPLE_HISTORY_REVERT_DISABLED = True

# --- Logging ----------------------------------------------------------------------------------
# One JSON line per event on stdout (systemd's journal or the container log keeps them), each
# with the request id of the request it belongs to. See aktive/logging.py.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "aktive.logging.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "aktive.logging.JsonFormatter"},
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "filters": ["request_id"],
            "formatter": env.str("LOG_FORMAT", default="plain" if DEBUG else "json"),
        }
    },
    "root": {"handlers": ["stdout"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Our request log says each request once; Django's own would say errors twice.
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}
