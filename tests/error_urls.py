"""URLs for the test of the 500 page: the portal's, plus one view that fails."""

from django.urls import include, path

from aktive.urls import handler500  # noqa: F401 (the same 500 and 503 pages)


def broken(request):
    raise RuntimeError("a bug")


urlpatterns = [path("broken/", broken), path("", include("aktive.urls"))]
