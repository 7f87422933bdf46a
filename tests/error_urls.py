"""URLs for the test of the 500 page: the portal's, plus one view that fails."""

from django.urls import include, path

handler500 = "aktive.views.server_error"


def broken(request):
    raise RuntimeError("a bug")


urlpatterns = [path("broken/", broken), path("", include("aktive.urls"))]
