"""Writes that touch several partnership models. Views, admin and commands call these."""

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from partnerships.models import (
    MEETING_HISTORY,
    Community,
    HolidayPeriod,
    Meeting,
    Partner,
    User,
)
from partnerships.validators import validate_partners_in_community
from partnerships.versioning import (
    ABSENT,
    Snapshot,
    StaleDelete,
    Vocabulary,
    by,
    history_paused,
    lock_current,
    members,
    merge_edit,
    overlay,
    record_created,
)

MEETING_FIELDS = (
    "kind",
    "title",
    "date",
    "venue",
    "parents_present",
    "pupils_present",
    "others_present",
    "minutes",
)
PRESENT = "present"


# --- Public pages and school holidays ---------------------------------------------------------


@transaction.atomic
def community_set_public(*, community: Community, user: User | None, public: bool) -> Community:
    """Show the community's public pages, or hide them. Asking for the state it is already in
    changes nothing (a double submit leaves it as asked)."""
    current = Community.objects.select_for_update().get(pk=community.pk)
    if current.is_public != public:
        current.is_public = public
        by(current, user)
        current.save(update_fields=["is_public", "updated_at"])
    return current


HOLIDAY_FIELDS = ("name", "first_day", "last_day")


def _holiday_snapshot(period) -> Snapshot:
    return {name: getattr(period, name) for name in HOLIDAY_FIELDS}


def holiday_vocabulary(*snapshots: Snapshot) -> Vocabulary:
    def label(key: str) -> str:
        text = str(HolidayPeriod._meta.get_field(key).verbose_name)
        return text[:1].upper() + text[1:]

    def display(key: str, value) -> str:
        if hasattr(value, "isoformat"):
            return date_format(value, "SHORT_DATE_FORMAT")
        return str(value) if value not in (None, "") else "–"

    return Vocabulary(label=label, display=display)


def _write_holiday(period: HolidayPeriod, user: User | None, values: Snapshot) -> HolidayPeriod:
    for name in HOLIDAY_FIELDS:
        if name in values:
            setattr(period, name, values[name])
    period.full_clean()
    by(period, user)
    period.save()
    return period


@transaction.atomic
def holiday_period_create(
    *,
    user: User | None,
    data: Mapping[str, Any],
    community: Community | None = None,
    municipality: str = "",
) -> HolidayPeriod:
    """A school holiday of ``community``, or of every community in ``municipality``."""
    period = HolidayPeriod(community=community, municipality=municipality, created_by=user)
    return _write_holiday(period, user, data)


@transaction.atomic
def holiday_period_update(
    *,
    period: HolidayPeriod,
    user: User | None,
    version: int,
    data: Mapping[str, Any],
    seen_version: int | None = None,
    resolutions: Mapping[str, str] | None = None,
) -> HolidayPeriod:
    """Change a school holiday loaded at ``version``, merged with changes saved since."""
    current = lock_current(HolidayPeriod, period.pk)
    merge = merge_edit(
        current,
        version=version,
        seen_version=seen_version,
        resolutions=resolutions,
        snapshot=_holiday_snapshot,
        history_snapshot=_holiday_snapshot,
        submitted=lambda start: overlay(
            start, {k: v for k, v in data.items() if k in HOLIDAY_FIELDS}
        ),
        vocabulary=holiday_vocabulary,
    )
    current.version += 1
    return _write_holiday(current, user, merge.values)


@transaction.atomic
def holiday_period_delete(*, period: HolidayPeriod, user: User | None) -> None:
    by(period, user)
    period.delete()


# --- Meetings ---------------------------------------------------------------------------------


def _meeting_snapshot(meeting, present_ids) -> Snapshot:
    values = {name: getattr(meeting, name) for name in MEETING_FIELDS}
    values |= {f"{PRESENT}:{partner_id}": True for partner_id in present_ids}
    return values


def _meeting_input(
    start: Snapshot, data: Mapping[str, Any], partners_present: Sequence[Partner] | None
) -> Snapshot:
    changes = {name: value for name, value in data.items() if name in MEETING_FIELDS}
    if partners_present is not None:
        changes |= {f"{PRESENT}:{pk}": ABSENT for pk in members(PRESENT, start)}
        changes |= {f"{PRESENT}:{partner.pk}": True for partner in partners_present}
    return overlay(start, changes)


def meeting_vocabulary(*snapshots: Snapshot) -> Vocabulary:
    names: dict[int, str] = {}

    def label(key: str) -> str:
        kind, _sep, member = key.partition(":")
        if kind == PRESENT and member:
            if not names:
                names.update(Partner.objects.values_list("pk", "name"))
            return _("Present: %(name)s") % {"name": names.get(int(member), "?")}
        label = str(Meeting._meta.get_field(key).verbose_name)
        return label[:1].upper() + label[1:]

    def display(key: str, value) -> str:
        if key.startswith(f"{PRESENT}:"):
            return _("Yes") if value else _("No")
        if key == "kind" and value:
            return Meeting.Kind(value).label
        if key == "date" and value:
            return date_format(value, "SHORT_DATE_FORMAT")
        return str(value) if value not in (None, "") else "–"

    return Vocabulary(label=label, display=display)


def _write_meeting(meeting: Meeting, values: Snapshot) -> None:
    """Write a snapshot to the meeting and its partners present, without a history row."""
    present = members(PRESENT, values)
    partners = list(Partner.objects.filter(pk__in=present))
    validate_partners_in_community(
        community=meeting.community, partners=partners, field="partners_present"
    )
    for name in MEETING_FIELDS:
        if name in values:
            setattr(meeting, name, values[name])
    meeting.full_clean()
    with history_paused(meeting):
        if meeting.pk is None:
            meeting.save()
        meeting.partners_present.set(partners)


@transaction.atomic
def meeting_create(
    *,
    community: Community,
    user: User | None,
    data: Mapping[str, Any],
    partners_present: Sequence[Partner] = (),
) -> Meeting:
    meeting = Meeting(community=community, created_by=user)
    _write_meeting(meeting, _meeting_input({}, data, partners_present))
    record_created(MEETING_HISTORY, meeting, user)
    return meeting


@transaction.atomic
def meeting_update(
    *,
    meeting: Meeting,
    user: User | None,
    version: int,
    data: Mapping[str, Any],
    partners_present: Sequence[Partner] | None = None,
    seen_version: int | None = None,
    resolutions: Mapping[str, str] | None = None,
) -> Meeting:
    """Save an edit of a meeting loaded at ``version``, merged with edits saved since."""
    current = lock_current(Meeting, meeting.pk)
    merge = merge_edit(
        current,
        version=version,
        seen_version=seen_version,
        resolutions=resolutions,
        snapshot=lambda m: _meeting_snapshot(m, m.partners_present.values_list("pk", flat=True)),
        history_snapshot=lambda record: _meeting_snapshot(
            record, record.partners_present.values_list("partner_id", flat=True)
        ),
        submitted=lambda start: _meeting_input(start, data, partners_present),
        vocabulary=meeting_vocabulary,
    )
    _write_meeting(current, merge.values)
    current.version += 1
    by(current, user)
    current.save()  # one history row, with the partners present
    return current


@transaction.atomic
def meeting_delete(*, meeting: Meeting, user: User | None, version: int | None = None) -> bool:
    """Delete a meeting, e.g. one recorded twice. Returns False if it was already gone.

    As a report's deletion (``measures.services.report_delete``): a real delete, with
    simple-history's deletion row keeping what it held, who deleted it and when; ``version``
    refuses to delete a meeting someone changed after the confirm page was opened.
    """
    current = Meeting.objects.select_for_update(of=("self",)).filter(pk=meeting.pk).first()
    if current is None:
        return False
    if version is not None and current.version != version:
        raise StaleDelete
    by(current, user)
    current.delete()
    return True
