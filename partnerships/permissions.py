"""Who may record meetings, and who may change whose account in admin. The measure rule lives
in ``measures.permissions``; both share these helpers so that a partner is recognised the same
way everywhere."""

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from partnerships.models import Community, CommunityPartner, User


def is_active_user(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def is_partner_in_community(user, community: Community) -> bool:
    if not is_active_user(user) or not user.partner_ids:
        return False
    return CommunityPartner.objects.filter(
        community=community, partner_id__in=user.partner_ids
    ).exists()


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


def can_edit_holidays(user, community: Community) -> bool:
    """A community's school holidays: its partners, and staff with the model permission.
    A holiday of a whole municipality is staff's, in admin."""
    if not is_active_user(user):
        return False
    return user.has_perm("partnerships.change_holidayperiod") or is_partner_in_community(
        user, community
    )


def can_publish_community(user, community: Community) -> bool:
    """Showing or hiding a community's public pages: its partners, and staff. Which other
    sites may embed them is staff's alone, in admin."""
    if not is_active_user(user):
        return False
    return user.has_perm("partnerships.change_community") or is_partner_in_community(
        user, community
    )


# Accounts in admin. Django's model permissions decide who reaches the user and group admin at
# all; the rules below stop a staff user who is not a superuser from raising anyone, themselves
# included, above their own rights: they manage accounts that hold nothing they do not hold
# themselves, hand out only groups made of their own permissions, and never touch staff or
# superuser status or single permissions. Superusers may do everything.


def _permissions_held(actor) -> QuerySet[Permission]:
    """The actor's permissions, given directly or through a group (as Django's ModelBackend)."""
    held = Permission.objects.filter(Q(user=actor) | Q(group__user=actor)).values("pk")
    return Permission.objects.filter(pk__in=held)


def can_grant_admin_rights(actor) -> bool:
    """Staff status, superuser status and single model permissions are set by superusers only."""
    return is_active_user(actor) and actor.is_superuser


def grantable_permissions(actor) -> QuerySet[Permission]:
    """The permissions the actor may put in a group: those the actor holds."""
    if not is_active_user(actor):
        return Permission.objects.none()
    if actor.is_superuser:
        return Permission.objects.all()
    return _permissions_held(actor)


def grantable_groups(actor) -> QuerySet[Group]:
    """The groups the actor may give or change: those with no permission the actor lacks."""
    if not is_active_user(actor):
        return Group.objects.none()
    if actor.is_superuser:
        return Group.objects.all()
    lacking = Permission.objects.exclude(pk__in=_permissions_held(actor).values("pk"))
    return Group.objects.exclude(permissions__in=lacking)


def manageable_users(actor) -> QuerySet[User]:
    """The accounts whose name, e-mail, active flag, password, groups and partners the actor
    may change: for staff who are not superusers, accounts that are neither staff nor superuser
    and hold no permission the actor lacks (so logging in as one gains nothing)."""
    if not is_active_user(actor):
        return User.objects.none()
    if actor.is_superuser:
        return User.objects.all()
    lacking = Permission.objects.exclude(pk__in=_permissions_held(actor).values("pk"))
    return (
        User.objects.filter(is_staff=False, is_superuser=False)
        .exclude(user_permissions__in=lacking)
        .exclude(groups__permissions__in=lacking)
    )


def can_manage_user(actor, target: User) -> bool:
    if is_active_user(actor) and actor.is_superuser:
        return True
    if target.pk is None or target.is_staff or target.is_superuser:
        return False
    return manageable_users(actor).filter(pk=target.pk).exists()


def can_view_user(actor, target: User) -> bool:
    """A superuser's account is shown to superusers only."""
    return is_active_user(actor) and (actor.is_superuser or not target.is_superuser)


def require(allowed: bool, why: str) -> None:
    """Refuse the request with a 403 unless ``allowed``; ``why`` goes to the log, not the page."""
    if not allowed:
        raise PermissionDenied(why)
