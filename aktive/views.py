import datetime
import sys

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpResponse
from django.shortcuts import render
from django.template import loader
from django.utils import timezone
from django.views.decorators.cache import never_cache

from funding.models import Grant
from measures.history import recent_changes
from measures.models import Measure
from measures.permissions import can_create_some_measure
from partnerships.models import Community, Partner

RECENT_CHANGES = 10  # entries of the feed per "show more"
RECENT_CHANGES_PAGES = 10  # "show more" stops after this many
# When the accessibility statement was last checked against the portal (review it each release).
ACCESSIBILITY_REVIEWED = datetime.date(2026, 11, 30)
MY_MEASURES = 12
# Grants whose report to the funder is due within this many days (or overdue) are listed.
GRANT_REPORT_DAYS = 30


def dashboard(request):
    """The user's measures and communities first, then what others changed there."""
    user = request.user
    my_measures = (
        Measure.objects.of_user(user)
        .not_archived()
        .for_overview()
        .with_last_report()
        .order_by("title")
    )
    my_communities = Community.objects.of_user(user)
    if not user.partner_ids:
        # Evaluators and staff without a partner follow every community.
        my_communities = Community.objects.active()
    shown = list(my_measures[: MY_MEASURES + 1])
    context = {
        # Missing a report or stale: at the top, so that it gets done.
        "attention": list(
            Measure.objects.of_user(user).needing_attention().for_overview().order_by("title")
        )
        if user.partner_ids
        else [],
        "grant_reports_due": list(
            Grant.objects.filter(applicant_id__in=user.partner_ids)
            .report_due_within(timezone.localdate(), GRANT_REPORT_DAYS)
            .order_by("report_deadline", "pk")[:10]
        )
        if user.partner_ids
        else [],
        "my_measures": shown[:MY_MEASURES],
        "my_communities": my_communities,
        "can_create_measure": can_create_some_measure(user),
    }
    context.update(feed_context(request, user, my_communities))
    if len(shown) > MY_MEASURES:
        # A big club has hundreds: the rest are one click away, in the filterable list.
        context["my_measure_count"] = my_measures.count()
        partners = list(Partner.objects.filter(pk__in=user.partner_ids).values_list("slug")[:2])
        context["my_partner_slug"] = partners[0][0] if len(partners) == 1 else None
    return render(request, "dashboard.html", context)


def feed_context(request, user, communities) -> dict:
    """The feed of what other partners did (``recent_changes``), ``changes_by`` one partner,
    ``changes`` pages of it at once ("show more" without scripts)."""
    partners = list(
        Partner.objects.filter(communities__in=communities)
        .distinct()
        .order_by("name", "pk")
        .values_list("slug", "name")
    )
    partner = request.GET.get("changes_by", "")
    if partner not in dict(partners):
        partner = ""
    try:
        pages = min(max(int(request.GET.get("changes", "1")), 1), RECENT_CHANGES_PAGES)
    except ValueError:
        pages = 1
    entries, more = recent_changes(
        user, communities, RECENT_CHANGES * pages, partner_slug=partner or None
    )
    return {
        "recent_changes": entries,
        "feed_partners": partners,
        "feed_partner": partner,
        "feed_more": pages + 1 if more and pages < RECENT_CHANGES_PAGES else None,
    }


@never_cache
@login_not_required
def healthz(request):
    """200 when the database answers, 503 when it does not (for a load balancer)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")


@login_not_required
def accessibility(request):
    """The accessibility statement (tilgjengelighetserklæring), for everyone."""
    return render(request, "accessibility.html", {"updated": ACCESSIBILITY_REVIEWED})


def server_error(request):
    """A 500 page; a 503 page when the database cannot be reached (e.g. while it restarts).

    Both are static: they need neither the database nor anything from the request.
    """
    _kind, error, _traceback = sys.exc_info()
    if isinstance(error, OperationalError | InterfaceError):
        response = HttpResponse(error_page("503.html"), status=503)
        response["Retry-After"] = "15"
        return response
    return HttpResponse(error_page("500.html"), status=500)


@login_not_required
def csrf_failure(request, reason=""):
    """A refused form (missing or stale CSRF token), in Norwegian; the reason goes to the log."""
    request.refused_because = f"CSRF: {reason}"
    return HttpResponse(error_page("403_csrf.html"), status=403)


def error_page(template_name: str, **context) -> str:
    """A page built on ``partials/error_page.html``: no database, session or request needed."""
    return loader.render_to_string(template_name, {"STATIC_URL": settings.STATIC_URL, **context})


def locked_out(request, credentials, *args, **kwargs):
    """django-axes' answer to a locked-out username and address: a Norwegian page."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "registration/locked_out.html", {"minutes": minutes}, status=429)
