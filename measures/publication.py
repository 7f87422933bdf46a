"""What the public pages show, and a cheap answer to "has any of it changed?".

A community's public pages (``measures/public.py``) show its public measures
(``MeasureQuerySet.public``) with their time slots, changed days and the school holidays. Their
*stamp* changes whenever any of that changes (or is removed): the public pages are cached under
it, so an edit shows at once on the portal and, through a proxy that keeps a page for a minute,
within a minute. The stamp is the community's data version in the shared cache
(``measures/caching.py``): a page served from the cache costs no query. Without a shared cache
(``settings.CACHE_SHARED`` off: local memory in several processes, where a version replaced in
one would not be seen by the others) the stamp is read from the database, in one query.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db.models import Count, F, Func, Max, OuterRef, Q, Subquery

from measures.caching import cached, community_version, data_version
from measures.models import Measure, ScheduleChange, TimeSlot
from partnerships.models import Community, CommunityPartner, HolidayPeriod


def public_communities():
    return Community.objects.filter(is_public=True, is_active=True)


def community_stamp(slug: str) -> tuple[Community, str] | None:
    """The public community ``slug`` and the stamp of everything its pages show; None if there
    is no such public community. No query once the cache has them: the stamp is the
    community's data version (``measures/caching.py``), which every write to its measures,
    time slots, changed days, school holidays and partners replaces."""
    if not settings.CACHE_SHARED:
        return database_stamp(slug)  # each process's own cache would not see a change
    key = hashlib.sha256(slug.encode()).hexdigest()[:32]
    community = cached(f"public-community:{key}:{data_version()}", lambda: _public(slug))
    if not community:
        return None
    return community, community_version(community.pk)


def _public(slug: str) -> Community | bool:
    return public_communities().filter(slug=slug).first() or False  # False: kept, unlike None


def index_stamp() -> str:
    """The stamp of the list of public communities (a community's change replaces it)."""
    if not settings.CACHE_SHARED:
        return database_index_stamp()
    return data_version()


# --- Without a shared cache: the stamp read from the database, in one query -------------------


def _over_rows(queryset, function: str, field: str) -> Subquery:
    """``function`` (MAX, COUNT) of ``field`` over all of ``queryset``'s rows, as a subquery.

    A plain ``Func``, not an aggregate, so that Django adds no GROUP BY: one row comes back.
    """
    return Subquery(
        queryset.order_by().annotate(value=Func(F(field), function=function)).values("value")
    )


def database_stamp(slug: str) -> tuple[Community, str] | None:
    """The public community ``slug`` and the stamp of everything its pages show, in one
    query; None if there is no such public community."""
    here = OuterRef("pk")
    parts = {
        "measures_at": (Measure.objects.filter(community=here), "updated_at"),
        "slots_at": (TimeSlot.objects.filter(measure__community=here), "updated_at"),
        "changes_at": (ScheduleChange.objects.filter(slot__measure__community=here), "created_at"),
        "holidays_at": (
            HolidayPeriod.objects.filter(
                Q(community=here) | Q(community__isnull=True, municipality=OuterRef("municipality"))
            ),
            "updated_at",
        ),
        "partners_at": (
            CommunityPartner.objects.filter(community=here),
            "partner__updated_at",
        ),
    }
    annotations = {}
    for name, (queryset, field) in parts.items():
        annotations[name] = _over_rows(queryset, "MAX", field)
        annotations[name.replace("_at", "_rows")] = _over_rows(queryset, "COUNT", "pk")
    community = public_communities().filter(slug=slug).annotate(**annotations).first()
    if community is None:
        return None
    stamp = "|".join(str(getattr(community, name)) for name in ["updated_at", *sorted(annotations)])
    return community, stamp


def database_index_stamp() -> str:
    """The stamp of the list of public communities."""
    found = public_communities().aggregate(latest=Max("updated_at"), rows=Count("pk"))
    return f"{found['latest']}|{found['rows']}"
