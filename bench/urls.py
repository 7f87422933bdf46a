"""The portal's URLs plus ``/bench/bare/``, routed only under ``bench.settings``."""

from django.urls import path

from aktive import urls as portal
from bench.views import bare

handler500 = portal.handler500
urlpatterns = [*portal.urlpatterns, path("bench/bare/", bare, name="bench_bare")]
