"""Who may change measures: the permission rule, decided here and nowhere else.

Every logged-in user reads everything. A user edits a measure (its text, photo, archive state
and reports) iff the user belongs to one of the measure's partners, or has the model
permission (sports council staff). A user creates a measure in a community iff one of the
user's partners is a partner of that community. Views, templates, forms and querysets ask
these functions.
"""

from partnerships.models import Community, User
from partnerships.permissions import is_active_user, is_partner_in_community


def can_edit_all_measures(user) -> bool:
    return is_active_user(user) and user.has_perm("measures.change_measure")


def measure_partner_ids(measure) -> set[int]:
    """The ids of the measure's partners, from a prefetch when there is one."""
    cache = getattr(measure, "_prefetched_objects_cache", {})
    if "partner_links" in cache:
        return {link.partner_id for link in cache["partner_links"]}
    if "partners" in cache:
        return {partner.pk for partner in cache["partners"]}
    return set(measure.partner_links.values_list("partner_id", flat=True))


def can_edit_measure(user, measure) -> bool:
    if not is_active_user(user):
        return False
    if can_edit_all_measures(user):
        return True
    return bool(user.partner_ids & measure_partner_ids(measure))


def communities_for_new_measure(user: User):
    """Communities where the user may create a measure."""
    if not is_active_user(user):
        return Community.objects.none()
    if user.has_perm("measures.add_measure"):
        return Community.objects.active()
    return Community.objects.active().of_user(user)


def can_create_measure(user, community: Community) -> bool:
    """One of the user's partners is a partner of the community (or the model permission)."""
    if not is_active_user(user) or not community.is_active:
        return False
    return user.has_perm("measures.add_measure") or is_partner_in_community(user, community)


def can_create_some_measure(user) -> bool:
    """Whether to offer "New measure" at all: the user may create one in some community
    (``communities_for_new_measure`` is not empty), asked in the cheapest order."""
    if not is_active_user(user):
        return False
    if user.partner_ids and Community.objects.active().of_user(user).exists():
        return True
    return user.has_perm("measures.add_measure") and Community.objects.active().exists()
