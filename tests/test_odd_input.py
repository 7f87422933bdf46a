"""Odd input is a 4xx, never a 5xx: requests generated from the URLconf itself.

Every route of ``get_resolver()`` (the portal's and admin's) is built with real ids from a small
dataset and visited as an anonymous user, a partner user, the sports council's staff and a
superuser. What each page reads is then sent with odd values — NUL bytes, 10,000-character
strings, huge and negative numbers, years 0 and 10000, dates that do not exist — one at a time
and all at once:

- query parameters: every FilterSet's fields, every ``request.GET`` key the portal's code reads,
  Django admin's own (search, ordering, page, popup …), and the names in the page's GET forms
  and in its links (admin's filters and date hierarchy);
- form fields: the names in the page's POST forms, starting from the values the page filled in;
- the ids in the path, replaced by odd ids;
- malformed ``X-Forwarded-For`` headers, with one trusted proxy.

Each request runs in a savepoint that is rolled back, so every request sees the same data and
no request can log the next one out. Every response of 500 or more is collected and listed by
URL at the end; none is allowed.
"""

from __future__ import annotations

import datetime
import hashlib
import itertools
import logging
import re
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import django_filters
import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django import forms
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.views import main as changelist
from django.contrib.auth.tokens import default_token_generator
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import Resolver404, URLResolver, get_resolver, resolve
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlencode, urlsafe_base64_encode
from django.utils.regex_helper import normalize

from funding.allocation import Part
from funding.services import context_figure_save, goal_save, grant_create
from measures.models import DEFAULT_TARGET_GROUPS, Measure, TargetGroup
from measures.periods import Period
from notifications.models import GrantReminder, Reminder
from notifications.services import invitation_send
from notifications.tasks import enqueue_delivery
from partnerships.models import SPORTS_COUNCIL_GROUP, Meeting, PartnerMembership
from tests.factories import (
    CommunityPartnerFactory,
    HolidayPeriodFactory,
    MeasureFactory,
    MeetingFactory,
    ReportFactory,
    ScheduleChangeFactory,
    UserFactory,
)

ROOT = Path(__file__).resolve().parent.parent
PORTAL_CODE = [ROOT / app for app in ("aktive", "measures", "partnerships", "notifications")]

ODD_VALUES = [
    "\x00",
    "x" * 10_001,
    "å " * 5_000,  # 5,000 words
    "9" * 30,
    "-1",
    "0",
    "1.5",
    "NaN",
    "9999",
    "10000",
    "0000-01-01",
    "9999-12-31",
    "10000-01-01",
    "2026-02-30",
    "31.12.2026",
]
# To one parameter or a few fields at a time, and to admin's forms (a tenth of a second each).
SOME_ODD_VALUES = ["\x00", "x" * 10_001, "å " * 5_000, "9" * 30, "-1", "9999", "2026-02-30"]
# From the other identities a page serves.
FEW_ODD_VALUES = ["x" * 10_001, "9" * 30, "2026-02-30"]
# Ids in the path; only those the route's pattern accepts are sent.
ODD_IDS = ["abc", "-1", "9" * 30, "1.5", "%00", "x" * 10_001]
ODD_FORWARDED_FOR = [
    "not-an-ip",
    "1.2.3.4, <script>",
    "1.2.3.4\x00",
    "999.1.1.1",
    ", ".join(["10.0.0.1"] * 2_000),
    "x" * 10_001,
]
# Query parameters Django admin's views read besides the filters in their links.
ADMIN_FORM_PARAMETERS = {changelist.IS_POPUP_VAR, changelist.TO_FIELD_VAR, "_changelist_filters"}
ADMIN_CHANGELIST_PARAMETERS = {
    changelist.ALL_VAR,
    changelist.ORDER_VAR,
    changelist.PAGE_VAR,
    changelist.SEARCH_VAR,
    changelist.ERROR_FLAG,
    changelist.IS_FACETS_VAR,
}
# Django admin's autocomplete: the term typed, and the field it is for (its widgets put those in
# data- attributes).
AUTOCOMPLETE_PATH = "/admin/autocomplete/"
AUTOCOMPLETE_PARAMETERS = {"term", "page"}
AUTOCOMPLETE_ATTRIBUTES = ("data-app-label", "data-model-name", "data-field-name")
# The management form of an inline formset (partner_links-TOTAL_FORMS …).
FORM_COUNTS = ("-TOTAL_FORMS", "-INITIAL_FORMS", "-MIN_NUM_FORMS", "-MAX_NUM_FORMS")
LOGIN_PATHS = ("/accounts/login/", "/admin/login/")
# In this order: a route's first identity that it serves sends the most (see odd_requests).
# The superuser only goes where the sports council's staff are refused (groups, django-axes).
IDENTITIES = ("anonymous", "partner", "staff", "superuser")
# About 3,700 requests are made, 40 s of CPU on SQLite; above this, a fixed sample is sent.
MAX_REQUESTS = 6_000


# --- The dataset and who asks -----------------------------------------------------------------


@dataclass
class Dataset:
    community: object
    measure: object
    report: object
    meeting: object
    partner_user: object
    change: object  # a cancelled day of the measure's time slot
    holiday: object
    grant: object
    goal: object
    figure: object


@pytest.fixture
def dataset(roles, client) -> Dataset:
    community = CommunityPartnerFactory(
        community__name="Konnerud", community__slug="konnerud"
    ).community
    measure = MeasureFactory(community=community, title="Åpen hall")
    measure.started_on = measure.created_at.date()
    measure.save()
    # Seeded by a migration, but gone after a test that flushed the database (the browser tests).
    for name, order in DEFAULT_TARGET_GROUPS:
        TargetGroup.objects.get_or_create(name=name, defaults={"order": order})
    measure.target_groups.add(TargetGroup.objects.order_by("order").first())
    report = ReportFactory(measure=measure)
    meeting = MeetingFactory(community=community)
    meeting.partners_present.add(measure.lead_partner)
    partner_user = UserFactory(username="klubb", partners=[measure.lead_partner])
    # A failed login and a logged failure, so that django-axes' admin lists have a row each.
    client.post("/accounts/login/", {"username": "klubb", "password": "feil"})
    AccessFailureLog.objects.create(username="klubb", ip_address="10.0.0.7", path_info="/")
    # An invitation (with its e-mail in the outbox), a reminder and a queued task, for the
    # admin pages of e-mail.
    invitation_send(user=UserFactory(username="ny", password=None), invited_by=None)
    period = Period.last_months(1)
    Reminder.objects.create(
        measure=measure, period_start=period.start, period_end=period.end, round=1
    )
    enqueue_delivery()
    change = ScheduleChangeFactory(slot__measure=measure)
    holiday = HolidayPeriodFactory(community=community)
    grant = grant_create(
        community=community,
        user=partner_user,
        data={
            "name": "Aktivitetsmidler",
            "funder": "Drammen kommune",
            "funder_kind": "municipality",
            "applicant": measure.lead_partner,
            "amount_applied": 10_000_000,
            "amount_granted": 10_000_000,
            "period_start": datetime.date(2025, 1, 1),
            "period_end": datetime.date(2025, 12, 31),
            "status": "granted",
        },
        parts={measure.pk: Part()},
    )
    GrantReminder.objects.create(grant=grant, deadline=datetime.date(2026, 2, 1), round=1)
    goal = goal_save(
        community=community,
        user=partner_user,
        data={
            "title": "Flere jenter",
            "measure": measure,
            "indicator": "girls_share",
            "baseline": Decimal(30),
            "baseline_year": 2024,
            "target": Decimal(45),
            "target_year": 2026,
        },
    )
    figure = context_figure_save(
        community=community,
        user=partner_user,
        data={"title": "Inaktive unge", "value": Decimal(14), "year": 2024, "source": "Ungdata"},
    )
    return Dataset(
        community, measure, report, meeting, partner_user, change, holiday, grant, goal, figure
    )


@pytest.fixture
def identities(dataset) -> dict[str, Client | None]:
    staff = UserFactory(username="idrettsrad", is_staff=True, groups=[SPORTS_COUNCIL_GROUP])
    superuser = UserFactory(username="admin", is_staff=True, is_superuser=True)
    users = {"partner": dataset.partner_user, "staff": staff, "superuser": superuser}
    clients = {}
    for identity in IDENTITIES:
        clients[identity] = Client(raise_request_exception=False)
        if identity in users:
            clients[identity].force_login(users[identity])
    return clients


# --- Routes -----------------------------------------------------------------------------------


def url_templates(resolver: URLResolver | None = None, prefix: str = ""):
    """(``"measures/%(pk)s/edit/"``, pattern) for every route, included ones recursively."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        for template, _params in normalize(entry.pattern.regex.pattern):
            if isinstance(entry, URLResolver):
                yield from url_templates(entry, prefix + template)
            else:
                yield prefix + template, entry


def route_model(template: str, callback):
    """The model an admin route is about (from its ModelAdmin, or admin/<app>/<model>/ for the
    views a ModelAdmin adds itself: history versions, a user's password); else Measure."""
    model_admin = getattr(callback, "model_admin", None)
    if model_admin is not None:
        return model_admin.model
    parts = template.split("/")
    if parts[0] == "admin" and len(parts) > 3:
        try:
            return apps.get_model(parts[1], parts[2])
        except LookupError:
            pass
    return Measure


def real_values(name: str, template: str, callback, data: Dataset) -> list[str]:
    """Values for a route's parameter that name real objects of the dataset."""
    # The newest row: the one this test made (another test may have left rows behind).
    obj = route_model(template, callback)._default_manager.order_by("-pk").first()
    if name == "slug":
        return [data.community.slug]
    if name == "measure":  # the public pages name a measure by its slug
        return [data.measure.slug]
    if name == "pk":
        segment = template.split("%(pk)s")[0].rstrip("/").rsplit("/", 1)[-1]
        by_segment = {
            "measures": data.measure,
            "reports": data.report,
            "meetings": data.meeting,
            "holidays": data.holiday,
            "grants": data.grant,
            "goals": data.goal,
            "figures": data.figure,
        }
        return [str(by_segment[segment].pk)]
    if name == "slot":
        return [str(data.change.slot.pk)]
    if name == "change":
        return [str(data.change.pk)]
    if name in ("object_id", "id", "_0"):
        return [str(obj.pk)] if obj else []
    if name == "_1":  # django-simple-history's version of an object
        return [str(obj.history.order_by("history_id").first().history_id)] if obj else []
    if name == "app_label":
        return sorted({m._meta.app_label for m in admin.site._registry})
    if name == "content_type_id":
        return [str(ContentType.objects.get_for_model(Measure).pk)]
    if name == "uidb64":
        return [urlsafe_base64_encode(force_bytes(data.partner_user.pk))]
    if name == "token":
        return [default_token_generator.make_token(data.partner_user)]
    if name == "url":
        return ["finnes-ikke/"]
    raise AssertionError(f"No real value for <{name}> in {template!r}: teach real_values()")


def same_route(path: str, callback) -> bool:
    try:
        return resolve(path).func is callback
    except Resolver404:
        return False


@dataclass
class Route:
    path: str
    template: str
    callback: object
    # The path with one parameter replaced by an odd id, for each that the pattern accepts.
    odd_paths: list[str] = field(default_factory=list)


def routes(data: Dataset) -> tuple[list[Route], list[str]]:
    """Every route with real ids, and the templates for which no real path could be built."""
    built, unbuilt, seen = [], [], set()
    for template, pattern in url_templates():
        if template in seen:  # shadowed by an earlier route, as the resolver does
            continue
        seen.add(template)
        names = re.findall(r"%\((\w+)\)s", template)
        choices = [real_values(name, template, pattern.callback, data) for name in names]
        found = False
        for values in itertools.product(*choices):
            path = "/" + template % dict(zip(names, values, strict=True))
            if not same_route(path, pattern.callback):
                continue
            found = True
            route = Route(path, template, pattern.callback)
            for name in names:
                for odd in ODD_IDS:
                    odd_values = dict(zip(names, values, strict=True)) | {name: odd}
                    odd_path = "/" + template % odd_values
                    if same_route(odd_path.replace("%00", "\x00"), pattern.callback):
                        route.odd_paths.append(odd_path)
            built.append(route)
        if not found:
            unbuilt.append(template)
    return built, unbuilt


# --- What pages read --------------------------------------------------------------------------

# ``request.GET.get("x")``, ``request.GET["x"]``, ``request.GET.getlist("x")``
GET_KEY = re.compile(r"""\.GET(?:\.get|\.getlist)?[\[(]\s*["']([^"']+)["']""")
# ``SomeForm(request.GET …)`` or ``SomeFilter(self.request.GET …)``
BOUND_TO_GET = re.compile(r"(\w+)\(\s*(?:self\.)?request\.GET")


def field_names(form_or_filterset_class) -> set[str]:
    """The query parameters a Form or FilterSet class reads."""
    if issubclass(form_or_filterset_class, django_filters.FilterSet):
        model = form_or_filterset_class._meta.model
        queryset = model._default_manager.none()
        return set(form_or_filterset_class(queryset=queryset).form.fields)
    return set(form_or_filterset_class.base_fields)


def code_parameters(callback) -> set[str]:
    """What a portal view reads from ``request.GET``, found in its module's source: the keys it
    reads, and the fields of the forms and FilterSets it binds to ``request.GET`` (or, for a
    ``FilterView``, its ``filterset_class``)."""
    view_class = getattr(callback, "view_class", None)
    names = set()
    filterset_class = getattr(view_class, "filterset_class", None)
    if filterset_class is not None:
        names |= field_names(filterset_class)
    module = sys.modules[(view_class or callback).__module__]
    path = Path(module.__file__)
    if not any(path.is_relative_to(folder) for folder in PORTAL_CODE):
        return names
    source = path.read_text()
    names |= set(GET_KEY.findall(source))
    for class_name in BOUND_TO_GET.findall(source):
        bound = getattr(module, class_name, None)
        if isinstance(bound, type) and issubclass(bound, forms.Form | django_filters.FilterSet):
            names |= field_names(bound)
    return names


def django_parameters(callback) -> set[str]:
    """What Django's own views read: admin's change list and forms, a login's redirect."""
    names = set()
    view_class = getattr(callback, "view_class", None)
    redirect_field = getattr(view_class, "redirect_field_name", None)
    if redirect_field:
        names.add(redirect_field)
    if getattr(callback, "model_admin", None) is not None:
        names |= ADMIN_FORM_PARAMETERS
        if callback.__name__ == "changelist_view":
            names |= ADMIN_CHANGELIST_PARAMETERS
    return names


class PageParser(HTMLParser):
    """The forms of a page (method, action, fields with the values the page filled in), the
    query parameter names in its links, and the autocomplete fields' data attributes."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self.link_parameters: set[str] = set()
        self.autocomplete: list[dict] = []
        self._select: tuple[dict, str] | None = None
        self._textarea: tuple[dict, str] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = {key: value or "" for key, value in attrs}
        form = self.forms[-1] if self.forms else None
        if tag == "form":
            self.forms.append(
                {
                    "method": attrs.get("method", "get").lower(),
                    "action": attrs.get("action", ""),
                    "fields": [],
                    "names": set(),
                    "hidden": set(),
                    "files": set(),
                }
            )
            return
        if tag == "a" and "?" in attrs.get("href", ""):
            query = urlsplit(attrs["href"]).query
            self.link_parameters |= {name for name, _ in parse_qsl(query, keep_blank_values=True)}
        if all(key in attrs for key in AUTOCOMPLETE_ATTRIBUTES):
            self.autocomplete.append(
                {key[5:].replace("-", "_"): attrs[key] for key in AUTOCOMPLETE_ATTRIBUTES}
            )
        if tag == "option" and self._select is not None and "selected" in attrs:
            select_form, select = self._select
            select_form["fields"].append((select, attrs.get("value", "")))
        name = attrs.get("name")
        if form is None or not name or tag not in ("input", "select", "textarea"):
            return
        form["names"].add(name)
        kind = attrs.get("type", "text").lower()
        if tag == "select":
            self._select = (form, name)
        elif tag == "textarea":
            self._textarea = (form, name)
            form["fields"].append((name, ""))
        elif kind == "file":
            form["files"].add(name)
        elif kind in ("checkbox", "radio"):
            if "checked" in attrs:
                form["fields"].append((name, attrs.get("value", "on")))
        elif kind not in ("submit", "button", "image", "reset"):
            form["fields"].append((name, attrs.get("value", "")))
            if kind == "hidden":
                form["hidden"].add(name)

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea is not None:
            form, name = self._textarea
            fields = form["fields"]
            index = max(i for i, (n, _v) in enumerate(fields) if n == name)
            fields[index] = (name, fields[index][1] + data)


@dataclass
class Page:
    """What a route reads, learned from the route itself and from its rendered pages."""

    get_names: set[str] = field(default_factory=set)
    base_query: dict[str, str] = field(default_factory=dict)
    post_fields: list[tuple[str, str]] = field(default_factory=list)
    post_names: set[str] = field(default_factory=set)
    hidden_names: set[str] = field(default_factory=set)
    file_names: set[str] = field(default_factory=set)
    # Identities the view itself answers (not a redirect to a login, not a refusal).
    served: set[str] = field(default_factory=set)


def learn_pages(route_list, clients) -> dict[str, Page]:
    """GET every route as every identity; read its forms and links, and who it serves."""
    pages = {
        route.path: Page(
            get_names=code_parameters(route.callback) | django_parameters(route.callback)
        )
        for route in route_list
    }
    autocomplete = []
    for route, (identity, client) in itertools.product(route_list, clients.items()):
        response = client.get(route.path)
        page = pages[route.path]
        refused = response.status_code == 403 or (
            response.status_code == 302 and response["Location"].startswith(LOGIN_PATHS)
        )
        if not refused or route.path.startswith(LOGIN_PATHS):
            page.served.add(identity)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        parser = PageParser()
        parser.feed(response.content.decode(errors="replace"))
        page.get_names |= parser.link_parameters
        autocomplete += parser.autocomplete
        for form in parser.forms:
            action = urlsplit(form["action"]).path or route.path
            target = pages.get(action)
            if target is None:
                continue
            if form["method"] == "get":
                target.get_names |= form["names"]
                continue
            names = form["names"] - {"csrfmiddlewaretoken"}
            if not target.post_names:  # the first form for a URL gives its starting values
                target.post_fields = [f for f in form["fields"] if f[0] in names]
                target.hidden_names = form["hidden"]
                target.file_names = form["files"]
            target.post_names |= names
    if autocomplete and AUTOCOMPLETE_PATH in pages:
        # It answers only when told which admin field asks: ask as the first widget found does.
        page = pages[AUTOCOMPLETE_PATH]
        page.base_query = autocomplete[0]
        page.get_names |= AUTOCOMPLETE_PARAMETERS
        for identity, client in clients.items():
            if client.get(AUTOCOMPLETE_PATH, page.base_query).status_code == 200:
                page.served.add(identity)
    for page in pages.values():
        if "staff" in page.served:
            page.served.discard("superuser")
    return pages


# --- The requests -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    identity: str
    method: str
    path: str
    kind: str
    query: tuple[tuple[str, str], ...] = ()
    data: tuple[tuple[str, str], ...] = ()
    files: tuple[str, ...] = ()
    forwarded_for: str | None = None

    def url(self) -> str:
        return self.path + ("?" + urlencode(self.query) if self.query else "")

    def describe(self) -> str:
        def short(pairs):
            return {name: value[:20] + "…" * (len(value) > 20) for name, value in pairs}

        parts = [self.identity, self.method.upper(), self.path[:120]]
        if self.query:
            parts.append(f"query={short(self.query)}")
        if self.data:
            parts.append(f"data={short(self.data)}")
        if self.forwarded_for is not None:
            parts.append(f"X-Forwarded-For={self.forwarded_for[:20]!r}")
        return " ".join(parts)

    def key(self) -> str:
        return hashlib.sha1(repr(self).encode()).hexdigest()


def odd_requests(route_list: list[Route], pages: dict[str, Page]) -> list[Request]:
    """The requests to send, route by route (see ``route_requests``)."""
    requests = []
    counts_sent = False
    for number, route in enumerate(route_list):
        page = pages[route.path]
        # Once: form counts of 10,000 make Django build 2,000 forms per formset (its own cap,
        # 1.5 s a request).
        has_counts = any(name.endswith(FORM_COUNTS) for name in page.post_names)
        forwarded = ODD_FORWARDED_FOR[number % len(ODD_FORWARDED_FOR)]
        requests += route_requests(route, page, forwarded, has_counts and not counts_sent)
        counts_sent |= has_counts
    return requests


def route_requests(route: Route, page: Page, forwarded: str, with_counts: bool):
    """The first identity the route serves (anonymous for public pages, the partner for the
    portal's, staff for admin's, the superuser for what staff may not see) sends each odd value
    to all parameters and all fields at once, then to each parameter alone and to a few fields
    at a time, and the route's odd ids. Other identities it serves send a few odd values at
    once; those it refuses (a redirect to a login, a 403) send one request: only the middleware
    reads that."""
    base = tuple(page.base_query.items())
    names = sorted(page.get_names - set(page.base_query))
    own_names = sorted(set(names) - ADMIN_FORM_PARAMETERS - ADMIN_CHANGELIST_PARAMETERS)
    fields = tuple(page.post_fields)
    post_names = sorted(page.post_names)
    visible = [name for name in post_names if name not in page.hidden_names]
    is_admin = route.path.startswith("/admin/")
    first = next((identity for identity in IDENTITIES if identity in page.served), None)

    def request(identity, method, kind, query=base, path=route.path, **extra):
        return Request(identity, method, path, kind, query, **extra)

    def at_once(identity, query_values, form_values):
        for value in query_values:
            yield request(identity, "get", "at once", (*base, *((n, value) for n in names)))
        for value in form_values if post_names else ():
            data = tuple((n, odd_or_kept(n, value, fields)) for n in post_names)
            yield request(identity, "post", "at once", data=data, files=page.file_names)

    for identity in IDENTITIES:
        if identity not in page.served:
            if post_names:
                data = tuple((n, "x" * 10_001) for n in post_names)
                yield request(identity, "post", "refused", data=data)
            else:
                yield request(identity, "get", "refused", tuple((n, "9" * 30) for n in names))
            continue
        yield request(identity, "get", "forwarded", forwarded_for=forwarded)
        if identity != first:
            yield from at_once(identity, FEW_ODD_VALUES, FEW_ODD_VALUES)
            continue
        # Admin's own parameters (popup, to_field …) are read alike on every admin page.
        query_values = ODD_VALUES if own_names else FEW_ODD_VALUES
        yield from at_once(identity, query_values, SOME_ODD_VALUES if is_admin else ODD_VALUES)
        if not post_names:
            yield request(identity, "post", "at once", data=(("x", "\x00"),))
        for value, name in itertools.product(SOME_ODD_VALUES, own_names):
            yield request(identity, "get", "one parameter", (*base, (name, value)))
        # What a person fills in, odd, with the hidden fields (versions, inline management
        # forms) as the page gave them, so that the odd values get past those.
        kept = tuple((n, v) for n, v in fields if n not in visible)
        for value in (FEW_ODD_VALUES if is_admin else SOME_ODD_VALUES) if visible else ():
            data = (*kept, *((n, value) for n in visible))
            yield request(identity, "post", "visible fields", data=data)
        # A few fields at a time, the others as the page filled them in: field i is odd in
        # request i % n, with another odd value in each.
        rounds = len(SOME_ODD_VALUES)
        for round_ in range(min(rounds, len(post_names))):
            odd = {
                name: SOME_ODD_VALUES[(index // rounds + round_) % rounds]
                for index, name in enumerate(post_names)
                if index % rounds == round_
            }
            data = tuple((n, v) for n, v in fields if n not in odd)
            data += tuple((n, odd_or_kept(n, value, fields)) for n, value in odd.items())
            yield request(identity, "post", "few fields", data=data)
        if with_counts:
            data = tuple((n, v) for n, v in fields if not n.endswith(FORM_COUNTS))
            data += tuple((n, "10000") for n in post_names if n.endswith(FORM_COUNTS))
            yield request(identity, "post", "form counts", data=data)
        for odd_path in route.odd_paths:
            yield request(identity, "get", "odd id", (), odd_path)
        if route.odd_paths and post_names:
            yield request(identity, "post", "odd id", (), route.odd_paths[0], data=fields)
        if "password" in page.post_names:  # a login: django-axes stores the address
            for address in ODD_FORWARDED_FOR:
                yield request(identity, "post", "forwarded", data=fields, forwarded_for=address)


def odd_or_kept(name: str, value: str, fields) -> str:
    """``value``, except a big number for an inline formset's form count, which keeps the
    page's value: one request sends those (see ``odd_requests``)."""
    if name.endswith(FORM_COUNTS) and value.isdigit() and int(value) >= 1000:
        return next((v for n, v in fields if n == name), "")
    return value


def sample(requests: list[Request]) -> list[Request]:
    """All requests if they are few enough, else a fixed sample (the same on every run)."""
    if len(requests) <= MAX_REQUESTS:
        return requests
    return sorted(requests, key=Request.key)[:MAX_REQUESTS]


def send(client: Client, cookies: dict[str, str], request: Request):
    """The response to ``request`` (a 500 is returned, not raised), in a rolled-back savepoint
    and with the identity's own cookies: no request changes what the next one sees."""
    client.cookies = SimpleCookie(cookies)
    extra = {}
    if request.forwarded_for is not None:
        extra["HTTP_X_FORWARDED_FOR"] = request.forwarded_for
    with transaction.atomic():
        if request.method == "get":
            response = client.get(request.url(), **extra)
        else:
            data = defaultdict(list)
            for name, value in request.data:
                data[name].append(value)
            for name in request.files:
                data[name].append(SimpleUploadedFile("\x00" + "x" * 300 + ".jpg", b"\x00" * 64))
            response = client.post(request.url(), dict(data), **extra)
        transaction.set_rollback(True)
    return response


@pytest.mark.django_db
def test_odd_input_never_gives_a_server_error(dataset, identities, settings, capsys):
    settings.TRUSTED_PROXY_COUNT = 1  # X-Forwarded-For is read
    started = time.monotonic()
    route_list, unbuilt = routes(dataset)
    assert not unbuilt, f"routes without real ids: {unbuilt}"
    pages = learn_pages(route_list, identities)
    generated = odd_requests(route_list, pages)
    chosen = sample(generated)
    cookies = {
        identity: {name: morsel.value for name, morsel in client.cookies.items()}
        for identity, client in identities.items()
    }

    failures = []
    logging.disable(logging.CRITICAL)  # a log line per request would cost more than it
    try:
        for request in chosen:
            response = send(identities[request.identity], cookies[request.identity], request)
            if response.status_code < 500:
                continue
            error = getattr(response, "exc_info", None)
            cause = f"{error[0].__name__}: {str(error[1])[:160]}" if error else ""
            failures.append(f"{response.status_code} {request.describe()}\n    {cause}")
    finally:
        logging.disable(logging.NOTSET)
    with capsys.disabled():
        print(
            f"\nodd input: {len(chosen)} requests sent"
            + (f" (a fixed sample of {len(generated)})" if len(chosen) < len(generated) else "")
            + f" to {len(route_list)} routes as {len(identities)} identities in "
            f"{time.monotonic() - started:.0f} s: {len(failures)} answered 5xx"
        )
    assert not failures, f"{len(failures)} answers of 5xx:\n" + "\n".join(failures)


# --- Each 500 seen on main, and what the user gets instead ------------------------------------


def assert_norwegian_400(response):
    assert response.status_code == 400
    assert '<html lang="nb"' in response.text
    assert "Noe i forespørselen var feil" in response.text


@pytest.mark.django_db
class TestOddInputSeenOnMain:
    def test_a_period_in_year_9999_is_an_error_next_to_the_dates(self, as_user, partner_user):
        url = "/communities/konnerud/evaluation/?start=9999-12-01&end=9999-12-31"
        response = as_user(partner_user).get(url)
        assert response.status_code == 200
        last = f"31.12.{timezone.localdate().year + 5}"
        assert f"Skriv en dato mellom 01.01.2000 og {last}." in response.text
        assert response.context["period"].start.year == timezone.localdate().year  # the default

    def test_an_export_for_year_0202_says_what_is_wrong(self, as_user, partner_user):
        response = as_user(partner_user).get("/reports/export.csv?start=0202-01-01&end=2026-01-31")
        assert response.status_code == 400
        assert "Skriv en dato mellom 01.01.2000" in response.text

    def test_a_nul_byte_in_the_query_is_a_norwegian_400(self, as_user, partner_user):
        assert_norwegian_400(as_user(partner_user).get("/measures/new/?community=%00"))
        assert_norwegian_400(as_user(partner_user).get("/measures/?q=%00"))

    def test_a_nul_byte_in_a_cookie_or_header_is_a_400_before_the_session_is_read(self, client):
        client.cookies["sessionid"] = "abc\x00def"
        assert_norwegian_400(client.get("/accounts/login/"))
        assert_norwegian_400(Client().get("/accounts/login/", HTTP_USER_AGENT="Mozilla\x00"))

    def test_a_nul_in_a_login_saves_no_attempt(self, client):
        response = client.post("/accounts/login/", {"username": "kari\x00", "password": "x"})
        assert_norwegian_400(response)
        assert not AccessAttempt.objects.exists()

    def test_a_search_of_thousands_of_words_is_a_message(self, as_user, partner_user):
        response = as_user(partner_user).get("/measures/", {"q": "å " * 2_000})
        assert response.status_code == 200
        assert "Sørg for at denne verdien har 200 eller færre tegn" in response.text

    def test_a_date_hierarchy_year_past_9999_is_a_bad_filter(self, as_user, staff, measure):
        client = as_user(staff)
        for year in ("9999", "9" * 30):
            response = client.get("/admin/measures/measure/", {"started_on__year": year})
            assert response.status_code == 302
            assert response["Location"] == "/admin/measures/measure/?e=1"  # as Django's others

    def test_a_history_id_that_is_not_a_number_is_404(self, as_user, staff, measure):
        client = as_user(staff)
        version = measure.history.first().history_id
        for url in (
            f"/admin/measures/measure/{measure.pk}/history/abc/",
            f"/admin/measures/measure/abc/history/{version}/",
            "/admin/measures/measure/abc/history/",
        ):
            assert client.get(url).status_code == 404, url
        assert (
            client.get(f"/admin/measures/measure/{measure.pk}/history/{version}/").status_code
            == 200
        )

    def test_a_nul_in_the_autocomplete_term_is_400(self, as_user, staff, community):
        query = {"app_label": "measures", "model_name": "measure", "field_name": "community"}
        response = as_user(staff).get("/admin/autocomplete/", {**query, "term": "\x00"})
        assert_norwegian_400(response)
        words = as_user(staff).get("/admin/autocomplete/", {**query, "term": "å " * 2_000})
        assert words.status_code == 200 and words.json()["results"] == []
        found = as_user(staff).get("/admin/autocomplete/", {**query, "term": "konner"})
        assert [result["text"] for result in found.json()["results"]] == ["Konnerud"]

    def test_an_autocomplete_field_sent_back_with_no_id_is_an_error_next_to_it(
        self, as_user, partner_user
    ):
        admin_user = UserFactory(username="admin", is_staff=True, is_superuser=True)
        partner = partner_user.partners.get()
        for value in ("abc", "9" * 30):
            response = as_user(admin_user).post(
                "/admin/partnerships/partnermembership/add/",
                {"user": value, "partner": partner.pk, "title": "Rektor"},
            )
            assert response.status_code == 200
            assert response.context["adminform"].form.errors["user"]
        assert PartnerMembership.objects.count() == 1  # the partner user's own

    def test_a_chosen_id_of_thirty_digits_is_an_error_next_to_it(self, as_user, partner_user):
        data = {"kind": "partner_meeting", "title": "Møte", "date": "2026-03-01"}
        response = as_user(partner_user).post(
            "/communities/konnerud/meetings/new/", {**data, "partners_present": "9" * 30}
        )
        assert response.status_code == 200
        assert response.context["form"].errors["partners_present"]
        assert not Meeting.objects.exists()


@pytest.mark.django_db
class TestLoginBehindAProxy:
    """django-axes stores the client's address: only an address is ever given to it."""

    def log_in(self, client, forwarded_for, username="kari"):
        return client.post(
            "/accounts/login/",
            {"username": username, "password": "feil"},
            REMOTE_ADDR="10.0.0.1",  # nginx
            HTTP_X_FORWARDED_FOR=forwarded_for,
        )

    @pytest.mark.parametrize(
        ("forwarded_for", "recorded"),
        [
            ("192.0.2.7", "192.0.2.7"),
            ("203.0.113.9, 192.0.2.7", "192.0.2.7"),  # the entry our one proxy added
            ("2001:db8::7", "2001:db8::7"),
            ("not-an-ip", "10.0.0.1"),
            ("192.0.2.7, <script>", "10.0.0.1"),
            ("999.1.1.1", "10.0.0.1"),
            ("x" * 10_001, "10.0.0.1"),
        ],
    )
    def test_a_forwarded_address_that_is_not_one_counts_for_the_proxy(
        self, client, settings, forwarded_for, recorded
    ):
        settings.TRUSTED_PROXY_COUNT = 1
        assert self.log_in(client, forwarded_for).status_code == 200  # the form, with its error
        assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == [recorded]

    def test_a_username_longer_than_axes_column_is_recorded_cut(self, client):
        assert self.log_in(client, "192.0.2.7", username="k" * 300).status_code == 200
        assert AccessAttempt.objects.get().username == "k" * 255
