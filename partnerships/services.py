"""Writes that touch several partnership models. Views, admin and commands call these."""

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from partnerships.models import MEETING_HISTORY, Community, Meeting, Partner, User
from partnerships.validators import validate_partners_in_community
from partnerships.versioning import (
    ABSENT,
    Snapshot,
    Vocabulary,
    by,
    history_paused,
    lock_current,
    members,
    merge_edit,
    overlay,
    record_created,
)

MEETING_FIELDS = ("kind", "title", "date", "venue", "minutes")
PRESENT = "present"


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
