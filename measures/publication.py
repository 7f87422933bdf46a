"""What the public pages show, and a cheap answer to "has any of it changed?".

A community's public pages (``measures/public.py``) show its public measures
(``MeasureQuerySet.public``) with their time slots, changed days and the school holidays. Their
*stamp* changes whenever any of that changes (or is removed): the public pages are cached under
it, so an edit shows at once on the portal and, through a proxy that keeps a page for a minute,
within a minute. The stamp is the community's data version in the shared cache
(``measures/caching.py``): a page served from the cache costs no query.
"""

from __future__ import annotations

import hashlib

from measures.caching import cached, community_version, data_version
from partnerships.models import Community


def public_communities():
    return Community.objects.filter(is_public=True, is_active=True)


def community_stamp(slug: str) -> tuple[Community, str] | None:
    """The public community ``slug`` and the stamp of everything its pages show; None if there
    is no such public community. No query once the cache has them: the stamp is the
    community's data version (``measures/caching.py``), which every write to its measures,
    time slots, changed days, school holidays and partners replaces."""
    key = hashlib.sha256(slug.encode()).hexdigest()[:32]
    community = cached(f"public-community:{key}:{data_version()}", lambda: _public(slug))
    if not community:
        return None
    return community, community_version(community.pk)


def _public(slug: str) -> Community | bool:
    return public_communities().filter(slug=slug).first() or False  # False: kept, unlike None


def index_stamp() -> str:
    """The stamp of the list of public communities (a community's change replaces it)."""
    return data_version()
