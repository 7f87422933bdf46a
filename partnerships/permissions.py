"""Who may record meetings. The measure rule lives in ``measures.permissions``; both share
these helpers so that a partner is recognised the same way everywhere."""

from django.core.exceptions import PermissionDenied

from partnerships.models import Community, CommunityPartner


def is_active_user(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def is_partner_in_community(user, community: Community) -> bool:
    if not is_active_user(user) or not user.partner_ids:
        return False
    return CommunityPartner.objects.filter(
        community=community, partner_id__in=user.partner_ids
    ).exists()


def can_create_measure(user, community: Community) -> bool:
    """One of the user's partners is a partner of the community (or the model permission)."""
    if not is_active_user(user) or not community.is_active:
        return False
    return user.has_perm("measures.add_measure") or is_partner_in_community(user, community)


def can_record_meeting(user, community: Community) -> bool:
    """The community's partners, the Evaluator group and staff with the model permission."""
    if not is_active_user(user):
        return False
    return (
        user.is_evaluator
        or user.has_perm("partnerships.add_meeting")
        or is_partner_in_community(user, community)
    )


def can_edit_meeting(user, meeting) -> bool:
    if not is_active_user(user):
        return False
    return (
        user.is_evaluator
        or user.has_perm("partnerships.change_meeting")
        or is_partner_in_community(user, meeting.community)
    )


def require(allowed: bool, why: str) -> None:
    """Refuse the request with a 403 unless ``allowed``; ``why`` goes to the log, not the page."""
    if not allowed:
        raise PermissionDenied(why)
