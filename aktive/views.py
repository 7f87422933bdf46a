from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from measures.models import Measure, Report
from partnerships.models import Community

RECENT_CHANGES = 10


def dashboard(request):
    """The user's measures and communities first, then what others changed there."""
    user = request.user
    my_measures = (
        Measure.objects.of_user(user).not_archived().for_list().with_last_report().order_by("title")
    )
    my_communities = Community.objects.of_user(user)
    if not user.partner_ids:
        # Evaluators and staff without a partner follow every community.
        my_communities = Community.objects.active()
    return render(
        request,
        "dashboard.html",
        {
            "my_measures": my_measures,
            "my_communities": my_communities,
            "recent_changes": recent_changes(user, my_communities),
        },
    )


def recent_changes(user, communities) -> list[dict]:
    """The latest measure edits and new reports by other people in ``communities``."""
    measures = (
        Measure.objects.filter(community__in=communities, updated_by__isnull=False)
        .exclude(updated_by=user)
        .select_related("community", "updated_by")
        .prefetch_related("updated_by__partners")
        .order_by("-updated_at")[:RECENT_CHANGES]
    )
    reports = (
        Report.objects.filter(measure__community__in=communities, reported_by__isnull=False)
        .exclude(reported_by=user)
        .select_related("measure", "measure__community", "reported_by")
        .prefetch_related("reported_by__partners")
        .order_by("-created_at")[:RECENT_CHANGES]
    )
    changes = [
        {"kind": "measure", "at": m.updated_at, "by": m.updated_by, "measure": m} for m in measures
    ] + [
        {
            "kind": "report",
            "at": r.created_at,
            "by": r.reported_by,
            "measure": r.measure,
            "report": r,
        }
        for r in reports
    ]
    return sorted(changes, key=lambda change: change["at"], reverse=True)[:RECENT_CHANGES]


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
