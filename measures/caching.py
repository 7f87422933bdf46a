"""Pages and charts kept in the shared cache until something they show changes.

What is expensive and changes rarely (a community's evaluation page and public pages, the measure
list's results and filter choices) is kept under a key that holds a *version* of the data it
shows: one version per community (its measures, their partners, target groups, reports, time
slots and changed days, its meetings and partners, its school holidays, the community itself),
one for every measure with its partners and target groups (the measure list), and one for
everything (partners' and target groups' names, school holidays of a whole municipality, the
list of communities). Any write to those rows replaces the version, so the next request
finds nothing under the new key and builds the page anew; the old entry is never read again
and expires.

The versions are replaced by model signals, so every path that saves through the ORM is
covered: the services, admin, commands. Replaced at once and again when the transaction
commits: a request that read the old rows meanwhile keeps them under the old version only.
Bulk writes that send no signal (``generate_data``, ``load_demo``) call ``bump_all()``; and
``settings.CACHE_PAGES_SECONDS`` bounds what any entry can miss. The receivers are connected
in ``MeasuresConfig.ready()``.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from measures.models import Measure, MeasurePartner, Report, ScheduleChange, TargetGroup, TimeSlot
from partnerships.models import Community, CommunityPartner, HolidayPeriod, Meeting, Partner

EVERYTHING = "data-version"
MEASURES = "data-version:measures"  # any measure, its partners or target groups (the list)


def community_key(community_id) -> str:
    return f"data-version:community:{community_id}"


def _new_version() -> str:
    return uuid.uuid4().hex[:12]


def versions(*keys: str) -> str:
    """The current versions of ``keys``, joined: part of the key of anything built from them.

    A version that is not in the cache (never set, or evicted) is made now, so a page kept
    under an older one is never taken for current.
    """
    found = cache.get_many(keys)
    for missing in [k for k in keys if k not in found]:
        cache.add(missing, _new_version(), timeout=None)
        found[missing] = cache.get(missing)
    return ".".join(str(found[k]) for k in keys)


def community_version(community_id) -> str:
    """Everything's version and the community's: what its pages and charts show."""
    return versions(EVERYTHING, community_key(community_id))


def data_version() -> str:
    return versions(EVERYTHING)


def measures_version() -> str:
    """What the measure list shows: every measure with its partners and target groups."""
    return versions(EVERYTHING, MEASURES)


def _bump(keys: list[str]) -> None:
    def replace():
        cache.set_many({key: _new_version() for key in keys}, timeout=None)

    replace()
    transaction.on_commit(replace)


def bump_community(community_id) -> None:
    if community_id is not None:
        _bump([community_key(community_id)])


def bump_all() -> None:
    _bump([EVERYTHING])


def cached(key: str, build):
    """``build()``'s result, from the cache under ``key`` or built now and kept there.

    Only with a shared cache (``settings.CACHE_SHARED``): a version replaced in one process's
    local memory would not be seen by the others, so without one everything is built anew.
    """
    if not settings.CACHE_SHARED:
        return build()
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, settings.CACHE_PAGES_SECONDS)
    return value


# --- Receivers ---------------------------------------------------------------------------------


def _community_of_measure(measure_id):
    return Measure.objects.filter(pk=measure_id).values_list("community_id", flat=True).first()


def _measure_of(instance):
    """The measure's community id, from the instance's loaded measure when it has one."""
    measure = instance._state.fields_cache.get("measure")
    if measure is not None:
        return measure.community_id
    return _community_of_measure(instance.measure_id)


def measure_changed(sender, instance, **kwargs):
    bump_community(instance.community_id)
    _bump([MEASURES])


def measure_partner_changed(sender, instance, **kwargs):
    measure_row_changed(sender, instance, **kwargs)
    _bump([MEASURES])


def measure_row_changed(sender, instance, **kwargs):
    """A report, a measure's partner or a time slot."""
    community_id = _measure_of(instance)
    if community_id is None:
        bump_all()
    else:
        bump_community(community_id)


def schedule_change_changed(sender, instance, **kwargs):
    bump_community(
        TimeSlot.objects.filter(pk=instance.slot_id)
        .values_list("measure__community_id", flat=True)
        .first()
    )


def community_row_changed(sender, instance, **kwargs):
    """A meeting or a community's partner."""
    bump_community(instance.community_id)


def community_changed(sender, instance, **kwargs):
    bump_community(instance.pk)
    bump_all()  # the list of communities, the filter choices


def holiday_changed(sender, instance, **kwargs):
    if instance.community_id is None:
        bump_all()  # every community of the municipality
    else:
        bump_community(instance.community_id)


def everything_changed(sender, **kwargs):
    """A partner or target group (their names are shown everywhere)."""
    bump_all()


def measure_relation_changed(sender, instance, action, reverse, **kwargs):
    """A measure's target groups, or a meeting's partners present."""
    if not action.startswith("post_"):
        return
    if reverse:
        bump_all()
    else:
        bump_community(instance.community_id)
        _bump([MEASURES])


def connect() -> None:
    receivers = [
        (Measure, measure_changed),
        (Report, measure_row_changed),
        (MeasurePartner, measure_partner_changed),
        (TimeSlot, measure_row_changed),
        (ScheduleChange, schedule_change_changed),
        (Meeting, community_row_changed),
        (CommunityPartner, community_row_changed),
        (Community, community_changed),
        (HolidayPeriod, holiday_changed),
        (Partner, everything_changed),
        (TargetGroup, everything_changed),
    ]
    for model, receiver in receivers:
        for signal in (post_save, post_delete):
            signal.connect(
                receiver, sender=model, dispatch_uid=f"caching.{model._meta.label}.{signal}"
            )
    for through in (Measure.target_groups.through, Meeting.partners_present.through):
        m2m_changed.connect(
            measure_relation_changed, sender=through, dispatch_uid=f"caching.{through._meta.label}"
        )
