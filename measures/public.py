"""The public pages: what's on in a community, for residents on their phones, without logging in.

Only public measures of communities with public pages (``MeasureQuerySet.public``), and only
their public fields: what, for whom, when, where, free or not and how to sign up, the lead and
partner organisations, a photo only when consent is recorded. Never reports, notes, history or
anyone's name. Always in Norwegian bokmål: the page is the same for everyone, so proxies and
browsers may keep it (``PublicPage``).
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import itertools
import json
from dataclasses import dataclass, field
from functools import cached_property

from csp.constants import NONE
from django import forms
from django.core.cache import cache
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from measures.feeds import build_feed, feed_window, free_text
from measures.models import Measure, TargetGroup, Weekday
from measures.publication import community_stamp, index_stamp, public_communities
from measures.schedules import (
    HolidayCalendar,
    Session,
    sessions,
    slot_span,
    slots_of,
    week_of,
    weekdays_text,
)
from measures.structured_data import measure_event

LANGUAGE = "nb"
# A proxy or browser may keep a page this long: a change shows within a minute.
MAX_AGE = 60
# The portal keeps a rendered page under its stamp (which changes with what it shows) this long.
SERVER_SECONDS = 10 * 60
UPCOMING_WEEKS = 8
EMBED_DAYS = 14
# The calendar view pages through this many weeks back and ahead of this week.
WEEKS_BACK, WEEKS_AHEAD = 8, 52


@dataclass
class Kept:
    """A rendered page as the cache keeps it, with the headers it needs again."""

    content: bytes
    content_type: str
    headers: dict = field(default_factory=dict)
    csp_update: dict | None = None
    csp_replace: dict | None = None
    frame_ancestors: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, response: HttpResponse) -> Kept:
        return cls(
            content=response.content,
            content_type=response["Content-Type"],
            headers={k: v for k, v in response.items() if k in ("Content-Disposition",)},
            csp_update=getattr(response, "_csp_update", None),
            csp_replace=getattr(response, "_csp_replace", None),
            frame_ancestors=getattr(response, "frame_ancestors", []),
        )

    def response(self) -> HttpResponse:
        response = HttpResponse(self.content, content_type=self.content_type)
        for name, value in self.headers.items():
            response[name] = value
        if self.csp_update:
            response._csp_update = self.csp_update
        allow_framing(response, self.frame_ancestors)
        return response


def allow_framing(response: HttpResponse, origins: list[str]) -> None:
    """Let exactly ``origins`` show the response in a frame (no one, when empty)."""
    response.frame_ancestors = origins
    if origins:
        response._csp_replace = {"frame-ancestors": origins}
        response.xframe_options_exempt = True
    else:
        response._csp_replace = {"frame-ancestors": [NONE]}


class PublicPage(View):
    """A page for everyone, cached.

    ``stamp()`` says, from the cache, which version of the data the page shows (404 if none);
    ``build()`` renders it. The rendered page is kept in Django's cache under its URL and stamp,
    so an edit makes a new page at once; the response says ``Cache-Control: public,
    max-age=60`` with an ``ETag``, so a proxy or browser keeps it a minute and then asks with
    ``If-None-Match``, answered 304 from the stamp alone.
    """

    http_method_names = ["get", "head"]

    def stamp(self) -> str:
        raise NotImplementedError

    def build(self) -> HttpResponse:
        raise NotImplementedError

    def get(self, request, *args, **kwargs):
        with translation.override(LANGUAGE):
            self.today = timezone.localdate()
            stamp = self.stamp()
            source = "|".join(
                [
                    request.path,
                    request.META.get("QUERY_STRING", ""),
                    stamp,
                    self.today.isoformat(),
                    static("css/public.css"),  # a new release has new static names
                ]
            )
            tag = hashlib.sha256(source.encode()).hexdigest()[:32]
            etag = f'"{tag}"'
            response = get_conditional_response(request, etag=etag)
            if response is None:
                kept = cache.get(f"public:{tag}")
                if kept is None:
                    response = self.build()
                    if response.status_code != 200:
                        return response
                    kept = Kept.of(response)
                    cache.set(f"public:{tag}", kept, SERVER_SECONDS)
                response = kept.response()
            response["ETag"] = etag
            response["Content-Language"] = LANGUAGE
            patch_cache_control(response, public=True, max_age=MAX_AGE)
            return response


def render_page(request, template: str, context: dict, **extra) -> HttpResponse:
    context = {"public_page": True, **context}
    return HttpResponse(render_to_string(template, context, request), **extra)


# --- Filters ----------------------------------------------------------------------------------


class WhatsOnFilter(forms.Form):
    """?malgruppe=<target group>&dag=<ISO weekday>: for whom, and which day of the week."""

    malgruppe = forms.ModelChoiceField(
        label=gettext_lazy("For whom"),
        queryset=TargetGroup.objects.all(),
        required=False,
        empty_label=gettext_lazy("All target groups"),
    )
    dag = forms.TypedChoiceField(
        label=gettext_lazy("Day"),
        choices=[("", gettext_lazy("All days")), *Weekday.choices],
        coerce=int,
        required=False,
        empty_value=None,
    )

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        for name in self.fields:
            self.fields[name].widget.attrs["class"] = "form-select"
        self.valid = self.is_valid()

    @property
    def group(self) -> TargetGroup | None:
        return self.cleaned_data.get("malgruppe") if self.valid else None

    @property
    def weekdays(self) -> list[int] | None:
        day = self.cleaned_data.get("dag") if self.valid else None
        return [day] if day else None

    @property
    def query(self) -> str:
        """The filters as a query string (with its ?), or empty."""
        if not self.valid:
            return ""
        values = {}
        if self.group:
            values["malgruppe"] = self.group.pk
        if self.weekdays:
            values["dag"] = self.weekdays[0]
        return "?" + "&".join(f"{k}={v}" for k, v in values.items()) if values else ""


# --- A community's pages ----------------------------------------------------------------------


class CommunityPage(PublicPage):
    """The pages of one public community, its measures filtered by ``WhatsOnFilter``."""

    template_name = ""

    def stamp(self) -> str:
        found = community_stamp(self.kwargs["slug"])
        if found is None:
            raise Http404
        self.community, stamp = found
        return stamp

    @cached_property
    def filters(self) -> WhatsOnFilter:
        return WhatsOnFilter(self.request.GET or None)

    @cached_property
    def measures(self):
        measures = Measure.objects.public().filter(community=self.community)
        if self.filters.group:
            measures = measures.filter(target_groups=self.filters.group)
        return measures

    @cached_property
    def slots(self):
        return slots_of(self.measures)

    @cached_property
    def calendar(self) -> HolidayCalendar:
        return HolidayCalendar.for_community(self.community)

    def sessions(self, first: datetime.date, last: datetime.date) -> list[Session]:
        return sessions(
            self.slots,
            first,
            last,
            self.calendar,
            weekdays=self.filters.weekdays,
            with_cancelled=True,
        )

    def week(self, monday: datetime.date) -> dict:
        """A week's days with their sessions and holidays, for ``partials/week.html``."""
        days = [monday + datetime.timedelta(days=n) for n in range(7)]
        found = {
            day: list(group)
            for day, group in itertools.groupby(
                self.sessions(days[0], days[-1]), key=lambda s: s.day
            )
        }
        return {
            "monday": monday,
            "sunday": days[-1],
            "number": monday.isocalendar().week,
            "days": [
                {
                    "day": day,
                    "sessions": found.get(day, []),
                    "public_holiday": self.calendar.public_holiday(day),
                    "school_holiday": self.calendar.school_holiday(day),
                    "is_today": day == self.today,
                }
                for day in days
            ],
            "holidays": holiday_spans(self.calendar, days),
            "has_sessions": bool(found),
        }

    def feed_links(self, path: str) -> dict:
        url = self.request.build_absolute_uri(path + self.filters.query)
        return {"https": url, "webcal": "webcal://" + url.split("://", 1)[1]}

    def context(self) -> dict:
        return {
            "community": self.community,
            "filters": self.filters,
            "filter_query": self.filters.query,
            "feed": self.feed_links(
                reverse("public:community_feed", kwargs={"slug": self.community.slug})
            ),
        }


def holiday_spans(calendar: HolidayCalendar, days: list[datetime.date]) -> list[dict]:
    """The holidays of ``days``, consecutive days of one holiday together."""
    spans = []
    for day in days:
        for kind, name in (
            ("public", calendar.public_holiday(day)),
            ("school", calendar.school_holiday(day)),
        ):
            if not name:
                continue
            last = spans[-1] if spans else None
            if last and last["name"] == name and last["last"] == day - datetime.timedelta(days=1):
                last["last"] = day
            else:
                spans.append({"kind": kind, "name": name, "first": day, "last": day})
    return spans


def slot_lines(slots) -> dict[int, list[dict]]:
    """Each measure's slots in words: weekdays, times, place and season, by measure id."""
    lines: dict[int, list[dict]] = {}
    for slot in slots:
        first, last = slot_span(slot)
        lines.setdefault(slot.measure_id, []).append(
            {
                "days": weekdays_text(slot.weekdays),
                "starts_at": slot.starts_at,
                "ends_at": slot.ends_at,
                "place": slot.place,
                "first": first,
                "last": last,
                "pauses": slot.pauses_in_school_holidays,
            }
        )
    return lines


class CommunityView(CommunityPage):
    """/hva-skjer/<community>/: this week's and next week's sessions, and every measure."""

    def build(self):
        measures = list(
            self.measures.select_related("lead_partner")
            .prefetch_related("target_groups")
            .order_by("title", "pk")
        )
        monday = week_of(self.today)
        lines = slot_lines(self.slots)
        return render_page(
            self.request,
            "public/community.html",
            {
                **self.context(),
                "this_week": self.week(monday),
                "next_week": self.week(monday + datetime.timedelta(days=7)),
                "measures": [
                    {
                        "measure": m,
                        "slots": lines.get(m.pk, []),
                        "free": free_text(m),
                    }
                    for m in measures
                ],
            },
        )


def parse_week(value: str | None, today: datetime.date) -> datetime.date | None:
    """``2026-W49`` → that week's Monday; this week's when empty; None when unreadable."""
    if not value:
        return week_of(today)
    try:
        year, week = value.upper().split("-W")
        return datetime.date.fromisocalendar(int(year), int(week), 1)
    except ValueError:
        return None


def week_param(monday: datetime.date) -> str:
    year, week, _day = monday.isocalendar()
    return f"{year}-W{week:02d}"


class WeekView(CommunityPage):
    """/hva-skjer/<community>/kalender/?uke=2026-W49: one week, day by day."""

    def build(self):
        this_monday = week_of(self.today)
        monday = parse_week(self.request.GET.get("uke"), self.today)
        earliest = this_monday - datetime.timedelta(weeks=WEEKS_BACK)
        latest = this_monday + datetime.timedelta(weeks=WEEKS_AHEAD)
        if monday is None or not earliest <= monday <= latest:
            return HttpResponseBadRequest(
                _("Choose a week as 2026-W49, at most a year ahead."),
                content_type="text/plain; charset=utf-8",
            )
        previous, following = (
            monday - datetime.timedelta(weeks=1),
            monday + datetime.timedelta(weeks=1),
        )
        filters = self.filters.query.lstrip("?")
        link = f"?uke={{}}{'&' + filters if filters else ''}"
        return render_page(
            self.request,
            "public/week.html",
            {
                **self.context(),
                "week": self.week(monday),
                "is_this_week": monday == this_monday,
                "previous_url": link.format(week_param(previous)) if previous >= earliest else "",
                "next_url": link.format(week_param(following)) if following <= latest else "",
                "this_week_url": link.format(week_param(this_monday)),
            },
        )


class MeasureView(CommunityPage):
    """/hva-skjer/<community>/tiltak/<measure>/: one measure, its times and next sessions."""

    def build(self):
        measure = get_object_or_404(
            Measure.objects.public()
            .filter(community=self.community)
            .select_related("community", "lead_partner")
            .prefetch_related("target_groups", "partners"),
            slug=self.kwargs["measure"],
        )
        slots = slots_of(Measure.objects.filter(pk=measure.pk))
        ahead = self.today + datetime.timedelta(weeks=UPCOMING_WEEKS)
        upcoming = sessions(slots, self.today, ahead, self.calendar, with_cancelled=True)
        url = self.request.build_absolute_uri(measure_url(measure))
        image = (
            self.request.build_absolute_uri(measure.image.url)
            if measure.image and measure.image_consent and measure.image_alt
            else ""
        )
        data = measure_event(
            measure,
            slots=slots,
            upcoming=[s for s in upcoming if not s.cancelled],
            calendar=self.calendar,
            today=self.today,
            url=url,
            image=image,
        )
        script, digest = json_ld(data) if data else ("", "")
        feed_path = reverse(
            "public:measure_feed", kwargs={"slug": self.community.slug, "measure": measure.slug}
        )
        response = render_page(
            self.request,
            "public/measure.html",
            {
                **self.context(),
                "measure": measure,
                "slots": slot_lines(slots).get(measure.pk, []),
                "days": [
                    (day, list(found))
                    for day, found in itertools.groupby(upcoming, key=lambda s: s.day)
                ],
                "free": free_text(measure),
                "image": image,
                "partners": [p for p in measure.partners.all() if p.pk != measure.lead_partner_id],
                "json_ld": script,
                "measure_feed": self.feed_links(feed_path),
                "upcoming_weeks": UPCOMING_WEEKS,
            },
        )
        if digest:
            response._csp_update = {"script-src": [digest]}
        return response


def measure_url(measure: Measure) -> str:
    return reverse(
        "public:measure", kwargs={"slug": measure.community.slug, "measure": measure.slug}
    )


# As Django's json_script escapes them: no "</script>" or "<!--" can end the block early.
SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def json_ld(data: dict) -> tuple[str, str]:
    """The JSON-LD text for a ``<script type="application/ld+json">`` and its CSP hash."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":")).translate(SCRIPT_ESCAPES)
    digest = base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
    return mark_safe(text), f"'sha256-{digest}'"


class EmbedView(CommunityPage):
    """/hva-skjer/<community>/innebygd/: the next two weeks in a small page without scripts,
    for a municipality's website to show in an iframe. Only the sites staff set may frame it."""

    def build(self):
        sessions_ahead = self.sessions(
            self.today, self.today + datetime.timedelta(days=EMBED_DAYS - 1)
        )
        response = render_page(
            self.request,
            "public/embed.html",
            {
                **self.context(),
                "days": [
                    (day, list(found))
                    for day, found in itertools.groupby(sessions_ahead, key=lambda s: s.day)
                ],
                "embed_days": EMBED_DAYS,
            },
        )
        allow_framing(response, self.community.embed_origin_list)
        return response


# --- Feeds ------------------------------------------------------------------------------------


class CommunityFeed(CommunityPage):
    """/hva-skjer/<community>/kalender.ics[?malgruppe=…&dag=…]: the (filtered) community."""

    def build(self):
        if self.request.GET and not self.filters.valid:
            return HttpResponseBadRequest(
                _("Unknown target group or weekday in the address."),
                content_type="text/plain; charset=utf-8",
            )
        name = _("What's on in %(community)s") % {"community": self.community.name}
        return self.feed(name, self.slots, f"{self.community.slug}.ics")

    def feed(self, name: str, slots, filename: str) -> HttpResponse:
        first, last = feed_window(self.today)
        body = build_feed(
            name=name,
            slots=slots,
            calendar=self.calendar,
            first=first,
            last=last,
            url_of=lambda measure: self.request.build_absolute_uri(measure_url(measure)),
            uid_domain=self.request.get_host().split(":")[0],
            now=timezone.now(),
            weekdays=self.filters.weekdays,
        )
        response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = f'inline; filename="{filename}"'
        return response


class MeasureFeed(CommunityFeed):
    """/hva-skjer/<community>/tiltak/<measure>/kalender.ics: one measure."""

    def build(self):
        measure = get_object_or_404(
            Measure.objects.public().filter(community=self.community), slug=self.kwargs["measure"]
        )
        slots = slots_of(Measure.objects.filter(pk=measure.pk))
        return self.feed(measure.title, slots, f"{self.community.slug}-{measure.slug}.ics")


# --- Every public community -------------------------------------------------------------------


class IndexView(PublicPage):
    """/hva-skjer/: the communities with public pages."""

    def stamp(self) -> str:
        return index_stamp()

    def build(self):
        return render_page(
            self.request,
            "public/index.html",
            {"communities": public_communities().order_by("municipality", "name")},
        )
