"""The logged-in user, kept in the shared cache: no database round trip per request for it.

Every page needs the user, the user's partners (the header names them; the permission rule in
``measures/permissions.py`` compares their ids), whether the user is an evaluator and the user's
permissions. ``cached_user`` reads all of it with one cache read; on a miss it reads them from
the database (four queries) and keeps them for ``TIMEOUT`` seconds.

Nothing stale that matters: any write that changes what is kept deletes the entry, at once and
again when the transaction commits (a request that read the old rows meanwhile cannot leave a
stale copy behind): the user's own row (password, active, staff, names), a membership of a
partner, a group or permission of the user, the permissions of a group the user is in, and the
name of a partner the user belongs to. The receivers are connected in
``PartnershipsConfig.ready()``. A user removed from a partner therefore loses its rights on
the next request, on every server, because they share the cache. Only when the cache is
shared (``settings.CACHE_SHARED``: Redis, or one process) is the user read from it.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db import transaction

from partnerships.models import EVALUATOR_GROUP, Partner, PartnerMembership, User

TIMEOUT = 60 * 60


def key(user_id) -> str:
    return f"user:{user_id}"


def load(user_id) -> User | None:
    """The user ``user_id`` with its partners' ids and names, whether it is an evaluator, and
    its permissions: plain values, quick to unpickle."""
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return None
    partners = list(user.partners.order_by("name").values_list("pk", "name"))
    user._partner_ids = frozenset(pk for pk, _name in partners)
    user._partner_names = [name for _pk, name in partners]
    user._is_evaluator = user.groups.filter(name=EVALUATOR_GROUP).exists()
    ModelBackend().get_all_permissions(user)  # fills the user's permission caches
    return user


def cached_user(user_id) -> User | None:
    """The user from the shared cache, or from the database (then kept in the cache)."""
    if not settings.CACHE_SHARED:
        return None
    user = cache.get(key(user_id))
    if user is None:
        user = load(user_id)
        if user is not None:
            cache.set(key(user_id), user, TIMEOUT)
    return user


def forget(user_ids) -> None:
    """Delete the users' entries now and again after the transaction commits."""
    keys = [key(user_id) for user_id in set(user_ids)]
    if not keys:
        return
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))


# --- Receivers (connected in PartnershipsConfig.ready) -----------------------------------------


def user_saved(sender, instance, **kwargs):
    forget([instance.pk])


def membership_changed(sender, instance, **kwargs):
    forget([instance.user_id])


def user_relations_changed(sender, instance, action, reverse, pk_set, **kwargs):
    """``user.groups``, ``user.user_permissions`` or ``user.partners`` changed, from either
    side (``group.user_set.add(…)``, ``partner.members.remove(…)``)."""
    if not action.startswith("post_") and action != "pre_clear":
        return
    if not reverse:
        forget([instance.pk])
    elif pk_set:
        forget(pk_set)
    else:  # cleared from the group's, permission's or partner's side
        users = instance.members if isinstance(instance, Partner) else instance.user_set
        forget(users.values_list("pk", flat=True))


def group_permissions_changed(sender, instance, action, reverse, pk_set, **kwargs):
    """A group's permissions changed: every user of the group (or groups) holds other rights."""
    if not action.startswith("post_") and action != "pre_clear":
        return
    groups = [instance.pk] if not reverse else list(pk_set or ())
    if reverse and not pk_set:
        groups = list(instance.group_set.values_list("pk", flat=True))
    forget(User.objects.filter(groups__in=groups).values_list("pk", flat=True))


def group_deleted(sender, instance, **kwargs):
    forget(instance.user_set.values_list("pk", flat=True))


def partner_saved(sender, instance, **kwargs):
    """The header shows the partner's name."""
    if instance.pk:
        forget(PartnerMembership.objects.filter(partner=instance).values_list("user_id", flat=True))


def connect() -> None:
    from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete

    post_save.connect(user_saved, sender=User, dispatch_uid="user_cache.user_saved")
    post_delete.connect(user_saved, sender=User, dispatch_uid="user_cache.user_deleted")
    for signal, name in ((post_save, "saved"), (post_delete, "deleted")):
        signal.connect(
            membership_changed, sender=PartnerMembership, dispatch_uid=f"user_cache.member_{name}"
        )
    for through in (User.groups.through, User.user_permissions.through, User.partners.through):
        m2m_changed.connect(
            user_relations_changed,
            sender=through,
            dispatch_uid=f"user_cache.relations.{through._meta.label}",
        )
    m2m_changed.connect(
        group_permissions_changed,
        sender=Group.permissions.through,
        dispatch_uid="user_cache.group_permissions",
    )
    pre_delete.connect(group_deleted, sender=Group, dispatch_uid="user_cache.group_deleted")
    post_save.connect(partner_saved, sender=Partner, dispatch_uid="user_cache.partner_saved")
