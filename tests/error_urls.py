"""URLs for the tests of the error pages: the portal's, plus views that fail on purpose."""

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import BadRequest
from django.db import OperationalError
from django.urls import include, path

from aktive.urls import handler500  # noqa: F401 (the same 500 and 503 pages)


@login_not_required
def broken(request):
    raise RuntimeError("a bug")


@login_not_required
def bad_request(request):
    raise BadRequest("a malformed request")


@login_not_required
def database_down(request):
    # What psycopg raises while PostgreSQL restarts: the portal answers 503.
    raise OperationalError("connection refused")


failing_views = [
    path("broken/", broken),
    path("bad-request/", bad_request),
    path("database-down/", database_down),
]
urlpatterns = [*failing_views, path("", include("aktive.urls"))]
