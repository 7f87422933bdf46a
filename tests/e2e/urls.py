"""The portal's URLs plus uploaded files and the failing views, for the browser tests' server.

The portal serves media only with DEBUG on (production leaves it to the web server); the browser
tests run with DEBUG off and a fresh MEDIA_ROOT per test, read here at request time.
"""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.urls import include, path, re_path, reverse
from django.views.static import serve

from aktive.urls import handler500  # noqa: F401 (the same 500 and 503 pages)
from tests.error_urls import failing_views


@login_not_required
def media(request, path):
    return serve(request, path, document_root=settings.MEDIA_ROOT)


@login_not_required
def embed_host(request, slug):
    """A stand-in for a municipality's web page that shows the "what's on" embed in an iframe."""
    src = reverse("public:embed", kwargs={"slug": slug})
    return HttpResponse(
        '<!doctype html><html lang="nb"><head><meta charset="utf-8"><title>Kommunen</title>'
        '</head><body><main><h1>Kommunen</h1><iframe src="' + src + '" title="Hva skjer" '
        'width="380" height="640"></iframe></main></body></html>'
    )


urlpatterns = [
    re_path(r"^media/(?P<path>.*)$", media),
    path("e2e/embed-host/<slug:slug>/", embed_host),
    *failing_views,  # pages that fail on purpose: 400, 500, 503
    path("", include("aktive.urls")),
]
