"""Writes that touch several partnership models."""

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction

from partnerships.models import Community, CommunityPartner, Meeting, Partner, User
from partnerships.validators import validate_partner_removable, validate_partners_in_community

MEETING_FIELDS = ("kind", "title", "date", "venue", "minutes")


def _write_meeting(
    meeting: Meeting, data: Mapping[str, Any], partners_present: Sequence[Partner]
) -> Meeting:
    validate_partners_in_community(
        community=meeting.community, partners=partners_present, field="partners_present"
    )
    for name in MEETING_FIELDS:
        if name in data:
            setattr(meeting, name, data[name])
    meeting.save()
    meeting.partners_present.set(partners_present)
    return meeting


@transaction.atomic
def meeting_create(
    *,
    community: Community,
    user: User | None,
    data: Mapping[str, Any],
    partners_present: Sequence[Partner] = (),
) -> Meeting:
    return _write_meeting(Meeting(community=community, created_by=user), data, partners_present)


@transaction.atomic
def meeting_update(
    *, meeting: Meeting, data: Mapping[str, Any], partners_present: Sequence[Partner]
) -> Meeting:
    return _write_meeting(meeting, data, partners_present)


@transaction.atomic
def community_partner_remove(*, link: CommunityPartner) -> None:
    """Take a partner out of a community, unless it is still on one of its measures."""
    validate_partner_removable(community=link.community, partner=link.partner)
    link.delete()
