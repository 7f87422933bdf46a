"""The public pages, feeds and embed, under /hva-skjer/: no login (``login_not_required``)."""

from django.contrib.auth.decorators import login_not_required
from django.urls import path

from measures import public

app_name = "public"


def page(view):
    return login_not_required(view.as_view())


urlpatterns = [
    path("", page(public.IndexView), name="index"),
    path("<slug:slug>/", page(public.CommunityView), name="community"),
    path("<slug:slug>/kalender/", page(public.WeekView), name="week"),
    path("<slug:slug>/kalender.ics", page(public.CommunityFeed), name="community_feed"),
    path("<slug:slug>/innebygd/", page(public.EmbedView), name="embed"),
    path("<slug:slug>/tiltak/<slug:measure>/", page(public.MeasureView), name="measure"),
    path(
        "<slug:slug>/tiltak/<slug:measure>/kalender.ics",
        page(public.MeasureFeed),
        name="measure_feed",
    ),
]
