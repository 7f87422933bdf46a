"""The smallest Django application ``make bench`` serves beside the portal: the floor.

No database, no templates, two middlewares (security and common, as any Django site has), one
view returning three bytes. Served by the same gunicorn as the portal (``bench/minimal_wsgi.py``),
it shows what Django itself costs on this machine; the portal's bare view through its whole
stack shows what the portal's own middleware and per-request work add.
"""

from django.http import HttpResponse
from django.urls import path

SECRET_KEY = "benchmark-only-not-secret-0123456789-abcdefghijklmnopqrstuvwxyz"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = __name__
INSTALLED_APPS: list[str] = []
DATABASES: dict = {}
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
]
USE_I18N = False
USE_TZ = True
LOGGING_CONFIG = None


def bare(request):
    return HttpResponse("ok\n", content_type="text/plain")


urlpatterns = [path("bench/bare/", bare), path("healthz", bare)]
