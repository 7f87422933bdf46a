"""Writes to measures and reports. Views, admin and commands call these; nothing else saves one.

Every edit carries the version it was loaded at and is merged with what others saved since, as
``partnerships.versioning`` describes; one edit is one history row.
"""

import datetime
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from measures.images import ProcessedImage, delete_files_on_commit
from measures.models import (
    MEASURE_HISTORY,
    REPORT_FIELDS,
    Measure,
    MeasurePartner,
    Report,
    ScheduleChange,
    TargetGroup,
    TimeSlot,
    WeekdaysField,
)
from measures.schedules import HolidayCalendar, slot_dates, weekday_names
from measures.signals import announce
from partnerships.models import Community, Partner, User
from partnerships.text import unique_slug
from partnerships.validators import validate_partners_in_community
from partnerships.versioning import (
    ABSENT,
    Snapshot,
    StaleDelete,
    Vocabulary,
    by,
    field_label,
    history_paused,
    lock_current,
    members,
    merge_edit,
    overlay,
    record_created,
    write,
)

MEASURE_FIELDS = (
    "title",
    "summary",
    "description",
    "status",
    "lead_partner",
    "schedule",
    "venue",
    "started_on",
    "ended_on",
    "is_public",
    "is_free",
    "sign_up",
)
# Only staff set these, in admin.
ADMIN_MEASURE_FIELDS = ("slug", "is_archived")
PARTNER, TARGET_GROUP = "partner", "target_group"


class ChangeReason:
    """Why a history row was written, when the fields alone do not say it plainly."""

    ARCHIVED = "archived"
    RESTORED = "restored"
    PHOTO = "photo"
    MERGED = "merged"


def _attname(name: str) -> str:
    return Measure._meta.get_field(name).attname


def _plain(value):
    """A value as snapshots compare it: a model instance by its key."""
    return value.pk if hasattr(value, "_meta") else value


# --- Measures: snapshots, merge and write -----------------------------------------------------


def _measure_snapshot(measure: Measure) -> Snapshot:
    """The measure as stored now, with its partners (and contributions) and target groups."""
    values = {name: getattr(measure, _attname(name)) for name in (*MEASURE_FIELDS,)}
    values |= {name: getattr(measure, name) for name in ADMIN_MEASURE_FIELDS}
    for partner_id, contribution in measure.partner_links.values_list("partner_id", "contribution"):
        values[f"{PARTNER}:{partner_id}"] = contribution
    for group_id in measure.target_groups.values_list("pk", flat=True):
        values[f"{TARGET_GROUP}:{group_id}"] = True
    return values


def _measure_history_snapshot(record) -> Snapshot | None:
    """The measure as a history row holds it; None if the row has no partners recorded."""
    links = record.partners.values_list("partner_id", "contribution")
    if not links:
        # A measure always has a partner: a row without any predates the recorded relations.
        return None
    values = {name: getattr(record, _attname(name)) for name in MEASURE_FIELDS}
    values |= {name: getattr(record, name) for name in ADMIN_MEASURE_FIELDS}
    for partner_id, contribution in links:
        values[f"{PARTNER}:{partner_id}"] = contribution
    for group_id in record.target_groups.values_list("targetgroup_id", flat=True):
        values[f"{TARGET_GROUP}:{group_id}"] = True
    return values


def _measure_input(
    start: Snapshot,
    data: Mapping[str, Any],
    partners: Sequence[Partner] | None = None,
    target_groups: Sequence[TargetGroup] | None = None,
    contributions: Mapping[int, str] | None = None,
) -> Snapshot:
    """What the user submitted, over ``start`` for everything the submission does not name."""
    contributions = contributions or {}
    fields = {*MEASURE_FIELDS, *ADMIN_MEASURE_FIELDS}
    changes = {name: _plain(value) for name, value in data.items() if name in fields}
    before = members(PARTNER, start)
    if partners is not None:
        changes |= {f"{PARTNER}:{partner_id}": ABSENT for partner_id in before}
        for partner in partners:
            given = contributions.get(partner.pk)
            changes[f"{PARTNER}:{partner.pk}"] = (
                given if given is not None else before.get(partner.pk, "")
            )
    else:
        for partner_id, given in contributions.items():
            if partner_id in before and given is not None:
                changes[f"{PARTNER}:{partner_id}"] = given
    if target_groups is not None:
        changes |= {
            f"{TARGET_GROUP}:{group_id}": ABSENT for group_id in members(TARGET_GROUP, start)
        }
        changes |= {f"{TARGET_GROUP}:{group.pk}": True for group in target_groups}
    return overlay(start, changes)


def measure_vocabulary(*snapshots: Snapshot) -> Vocabulary:
    """Labels and values of a measure's fields in the words of its pages."""
    partner_ids = {
        int(key.split(":")[1])
        for snapshot in snapshots
        for key in snapshot
        if key.startswith(PARTNER)
    } | {snapshot.get("lead_partner") for snapshot in snapshots}
    partner_names = dict(Partner.objects.filter(pk__in=partner_ids).values_list("pk", "name"))
    group_names = dict(TargetGroup.objects.values_list("pk", "name"))

    def label(key: str) -> str:
        kind, _sep, member = key.partition(":")
        if kind == PARTNER and member:
            return _("Partner: %(name)s") % {"name": partner_names.get(int(member), "?")}
        if kind == TARGET_GROUP and member:
            return _("Target group: %(name)s") % {"name": group_names.get(int(member), "?")}
        return field_label(Measure, key)

    def display(key: str, value) -> str:
        kind, _sep, member = key.partition(":")
        if kind == PARTNER and member:
            if value is ABSENT:
                return _("Not a partner")
            return value or _("A partner (no contribution written)")
        if kind == TARGET_GROUP and member:
            return _("Yes") if value else _("No")
        if key == "lead_partner":
            return partner_names.get(value, "–")
        if key == "status" and value:
            return Measure.Status(value).label
        return display_value(value)

    return Vocabulary(label=label, display=display)


def display_value(value) -> str:
    """A stored value in Norwegian, as the history and conflict pages show it."""
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, datetime.date):
        return date_format(value, "SHORT_DATE_FORMAT")
    if isinstance(value, Decimal | float):
        return number_format(value)
    return str(value)


def _set_partners(measure: Measure, contributions: Mapping[int, str]) -> None:
    """Make the measure's partner links exactly ``contributions``' partners, with their texts."""
    existing = {link.partner_id: link for link in measure.partner_links.all()}
    MeasurePartner.objects.filter(measure=measure).exclude(partner_id__in=contributions).delete()
    new_links = []
    for partner_id, contribution in contributions.items():
        link = existing.get(partner_id)
        if link is None:
            new_links.append(
                MeasurePartner(measure=measure, partner_id=partner_id, contribution=contribution)
            )
        elif link.contribution != contribution:
            link.contribution = contribution
            link.save(update_fields=["contribution"])
    MeasurePartner.objects.bulk_create(new_links)


def _write_measure(measure: Measure, values: Snapshot) -> None:
    """Write a snapshot's partners and target groups, and its fields to the instance.

    A new measure is saved first (its links need its key), without a history row; the caller
    saves an existing one once, so that its history row holds the relations too.
    """
    for name in (*MEASURE_FIELDS, *ADMIN_MEASURE_FIELDS):
        if name in values:
            setattr(measure, _attname(name) if name in MEASURE_FIELDS else name, values[name])
    partners = members(PARTNER, values)
    partner_objects = list(Partner.objects.filter(pk__in=[*partners, measure.lead_partner_id]))
    validate_partners_in_community(
        community=measure.community,
        partners=[p for p in partner_objects if p.pk in partners],
        lead_partner=next(p for p in partner_objects if p.pk == measure.lead_partner_id),
    )
    measure.full_clean(exclude=["search_text"])
    with history_paused(measure):
        if measure.pk is None:
            measure.save()
        _set_partners(measure, partners)
        measure.target_groups.set(members(TARGET_GROUP, values))


@transaction.atomic
def measure_create(
    *,
    community: Community,
    user: User | None,
    data: Mapping[str, Any],
    partners: Sequence[Partner],
    target_groups: Sequence[TargetGroup] = (),
    contributions: Mapping[int, str] | None = None,
) -> Measure:
    measure = Measure(community=community, created_by=user, updated_by=user)
    values = _measure_input({}, data, partners, target_groups, contributions)
    if not values.get("slug"):
        values["slug"] = unique_slug(
            Measure.objects.filter(community=community), data["title"], max_length=80
        )
    _write_measure(measure, values)
    record_created(MEASURE_HISTORY, measure, user)
    announce(measure=measure, user=user)
    return measure


@transaction.atomic
def measure_update(
    *,
    measure: Measure,
    user: User | None,
    version: int,
    data: Mapping[str, Any],
    partners: Sequence[Partner] | None = None,
    target_groups: Sequence[TargetGroup] | None = None,
    contributions: Mapping[int, str] | None = None,
    seen_version: int | None = None,
    resolutions: Mapping[str, str] | None = None,
) -> Measure:
    """Save an edit made from ``version``, merged with whatever others saved since.

    Relations left as None are not part of the edit. Raises ``VersionConflict`` while a field
    that both changed has no choice in ``resolutions`` (made against ``seen_version``).
    """
    current = lock_current(Measure, measure.pk)
    merge = merge_edit(
        current,
        version=version,
        seen_version=seen_version,
        resolutions=resolutions,
        snapshot=_measure_snapshot,
        history_snapshot=_measure_history_snapshot,
        submitted=lambda start: _measure_input(start, data, partners, target_groups, contributions),
        vocabulary=measure_vocabulary,
    )
    _write_measure(current, merge.values)
    current.version += 1
    current.updated_by = user
    by(current, user, ChangeReason.MERGED if merge.theirs_changed else None)
    current.save()  # the one history row of this edit, with the new partners and groups
    announce(measure=current, user=user)
    return current


@transaction.atomic
def measure_set_archived(*, measure: Measure, user: User | None, archived: bool) -> Measure:
    """Archive or restore. Asking for the state it is already in changes nothing."""
    current = lock_current(Measure, measure.pk)
    if current.is_archived != archived:
        current.is_archived = archived
        current.version += 1
        current.updated_by = user
        by(current, user, ChangeReason.ARCHIVED if archived else ChangeReason.RESTORED)
        current.save(update_fields=["is_archived", "version", "updated_by", "updated_at"])
        announce(measure=current, user=user)
    return current


@transaction.atomic
def measure_set_photo(
    *,
    measure: Measure,
    user: User | None,
    photo: ProcessedImage | None = None,
    remove: bool = False,
    alt: str = "",
    consent: bool = False,
) -> Measure:
    """Add, replace or remove the measure's photo, or change its description.

    A photo has its own form, so it does not take part in the text's version check: nothing
    the edit form shows is written here. Replaced files are deleted once the change commits.
    """
    current = lock_current(Measure, measure.pk)
    old_files = [current.image.name, current.image_thumbnail.name]
    if remove:
        current.image, current.image_thumbnail = "", ""
        current.image_alt, current.image_consent = "", False
    else:
        current.image_alt, current.image_consent = alt, consent
        if photo is not None:
            current.image.save(photo.image.name, photo.image, save=False)
            current.image_thumbnail.save(photo.thumbnail.name, photo.thumbnail, save=False)
    new_files = {current.image.name, current.image_thumbnail.name}
    stale_files = [name for name in old_files if name and name not in new_files]
    current.updated_by = user
    by(current, user, ChangeReason.PHOTO)
    try:
        current.save()
    except Exception:
        delete_files_on_commit(current.image.storage, new_files - set(old_files), now=True)
        raise
    delete_files_on_commit(current.image.storage, stale_files)
    announce(measure=current, user=user)
    return current


# --- Time slots and their cancelled or added dates -------------------------------------------

# What a partner writes in a time slot, in the order forms and admin show it.
SLOT_FIELDS = (
    "weekdays",
    "starts_at",
    "ends_at",
    "venue",
    "season_start",
    "season_end",
    "pauses_in_school_holidays",
)


def _slot_snapshot(slot) -> Snapshot:
    return {name: getattr(slot, name) for name in SLOT_FIELDS}


def slot_vocabulary(*snapshots: Snapshot) -> Vocabulary:
    def display(key: str, value) -> str:
        if key == "weekdays":
            return ", ".join(weekday_names(WeekdaysField.parse(value)))
        if isinstance(value, datetime.time):
            return f"{value:%H:%M}"
        return display_value(value)

    return Vocabulary(label=lambda key: field_label(TimeSlot, key), display=display)


def _write_slot(slot: TimeSlot, user: User | None, values: Snapshot) -> TimeSlot:
    slot.updated_by = user
    return write(slot, user, values, SLOT_FIELDS, exclude=["measure"])


@transaction.atomic
def timeslot_create(*, measure: Measure, user: User | None, data: Mapping[str, Any]) -> TimeSlot:
    return _write_slot(TimeSlot(measure=measure, created_by=user), user, data)


@transaction.atomic
def timeslot_update(
    *,
    slot: TimeSlot,
    user: User | None,
    version: int,
    data: Mapping[str, Any],
    seen_version: int | None = None,
    resolutions: Mapping[str, str] | None = None,
) -> TimeSlot:
    """Change a time slot loaded at ``version``, merged with changes saved since."""

    def submitted(start: Snapshot) -> Snapshot:
        changes = {k: v for k, v in data.items() if k in SLOT_FIELDS}
        if "weekdays" in changes:
            changes["weekdays"] = WeekdaysField.parse(changes["weekdays"])
        return overlay(start, changes)

    current = lock_current(TimeSlot, slot.pk)
    merge = merge_edit(
        current,
        version=version,
        seen_version=seen_version,
        resolutions=resolutions,
        snapshot=_slot_snapshot,
        history_snapshot=_slot_snapshot,
        submitted=submitted,
        vocabulary=slot_vocabulary,
    )
    current.version += 1
    return _write_slot(current, user, merge.values)


@transaction.atomic
def timeslot_delete(*, slot: TimeSlot, user: User | None) -> None:
    """Remove a time slot and its changes; the history keeps them."""
    current = lock_current(TimeSlot, slot.pk)
    for change in current.changes.all():
        by(change, user)
        change.delete()
    by(current, user)
    current.delete()


@transaction.atomic
def schedule_change_create(
    *, slot: TimeSlot, user: User | None, data: Mapping[str, Any]
) -> ScheduleChange:
    """Cancel one session of ``slot``, or add a day. A cancelled day must be one of its
    sessions; an added day must not already be one."""
    slot = lock_current(TimeSlot, slot.pk)
    change = ScheduleChange(slot=slot, created_by=user, **data)
    change.full_clean(exclude=["slot"])
    dates = slot_dates(
        slot, change.date, change.date, HolidayCalendar.for_community(slot.measure.community)
    )
    if change.kind == ScheduleChange.Kind.CANCELLED and change.date not in dates.regular:
        raise ValidationError(
            {"date": _("There is no session to cancel on this day.") + _why(change.date, dates)}
        )
    if change.kind == ScheduleChange.Kind.ADDED and change.date in dates.regular:
        raise ValidationError({"date": _("There is already a session on this day.")})
    by(change, user)
    change.save()
    return change


def _why(day: datetime.date, dates) -> str:
    reason = dates.skipped.get(day)
    return " " + _("(%(reason)s)") % {"reason": reason} if reason else ""


@transaction.atomic
def schedule_change_delete(*, change: ScheduleChange, user: User | None) -> None:
    """Undo a cancellation or an added day; the history keeps it."""
    by(change, user)
    change.delete()


# --- Reports ----------------------------------------------------------------------------------


def _report_snapshot(report) -> Snapshot:
    return {name: getattr(report, name) for name in REPORT_FIELDS}


def report_vocabulary(*snapshots: Snapshot) -> Vocabulary:
    return Vocabulary(
        label=lambda key: field_label(Report, key), display=lambda key, value: display_value(value)
    )


def _write_report(report: Report, user: User | None, values: Snapshot) -> Report:
    return write(report, user, values, REPORT_FIELDS)


@transaction.atomic
def report_create(*, measure: Measure, user: User | None, data: Mapping[str, Any]) -> Report:
    report = _write_report(Report(measure=measure, reported_by=user), user, data)
    announce(measure=measure, user=user, report=report)
    return report


@transaction.atomic
def report_update(
    *,
    report: Report,
    user: User | None,
    version: int,
    data: Mapping[str, Any],
    seen_version: int | None = None,
    resolutions: Mapping[str, str] | None = None,
) -> Report:
    """Correct a report loaded at ``version``, merged with corrections saved since."""

    def submitted(start: Snapshot) -> Snapshot:
        report = Report(**overlay(start, {k: v for k, v in data.items() if k in REPORT_FIELDS}))
        report.derive_fields()  # an empty end is the start, as when it is saved
        return _report_snapshot(report)

    current = lock_current(Report, report.pk)
    merge = merge_edit(
        current,
        version=version,
        seen_version=seen_version,
        resolutions=resolutions,
        snapshot=_report_snapshot,
        history_snapshot=_report_snapshot,
        submitted=submitted,
        vocabulary=report_vocabulary,
    )
    current.version += 1
    _write_report(current, user, merge.values)
    announce(measure=current.measure, user=user, report=current)
    return current


@transaction.atomic
def report_delete(*, report: Report, user: User | None, version: int | None = None) -> bool:
    """Delete a report, e.g. one logged twice. Returns False if it was already gone.

    A real delete, not a flag: every total, chart, export and reminder reads the reports that
    exist, so none of them needs a rule for deleted ones. The history keeps it: simple-history
    writes a deletion row with all its counts, who deleted it and when. ``version`` (what the
    confirm page showed) refuses to delete a report someone corrected meanwhile.
    """
    current = Report.objects.select_for_update(of=("self",)).filter(pk=report.pk).first()
    if current is None:
        return False  # a double submit, or two people deleting at once
    if version is not None and current.version != version:
        raise StaleDelete
    report_id = current.pk
    by(current, user)
    current.delete()
    current.pk = report_id  # Django clears it; those told of the deletion read its history
    announce(measure=current.measure, user=user, report=current)
    return True
