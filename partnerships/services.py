"""Writes that touch several partnership models. Views, admin and commands call these."""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from partnerships.models import (
    MEETING_HISTORY,
    Community,
    CommunityPartner,
    HolidayPeriod,
    Meeting,
    Partner,
    PartnerMembership,
    User,
)
from partnerships.text import unique_slug
from partnerships.validators import validate_email_free, validate_partners_in_community
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
        return field_label(HolidayPeriod, key)

    def display(key: str, value) -> str:
        if hasattr(value, "isoformat"):
            return date_format(value, "SHORT_DATE_FORMAT")
        return str(value) if value not in (None, "") else "–"

    return Vocabulary(label=label, display=display)


def _write_holiday(period: HolidayPeriod, user: User | None, values: Snapshot) -> HolidayPeriod:
    return write(period, user, values, HOLIDAY_FIELDS)


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
        return field_label(Meeting, key)

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


# --- A new community with its partners and their first users ----------------------------------

COMMUNITY_FIELDS = ("name", "municipality", "partnership_since", "reporting_frequency")
NEW_PARTNER_FIELDS = ("name", "kind")


@dataclass(frozen=True)
class NewPerson:
    """A partner's first user: invited by e-mail to choose a password."""

    first_name: str
    last_name: str
    email: str
    title: str = ""


@dataclass(frozen=True)
class PartnerEntry:
    """One partner of a new community: an existing ``partner``, or a new one from ``new``
    (name and kind), with its role in the partnership and its first users."""

    partner: Partner | None = None
    new: Mapping[str, Any] | None = None
    role: str = ""
    people: Sequence[NewPerson] = ()


@dataclass
class CommunityCreated:
    community: Community
    partners: list[Partner] = field(default_factory=list)
    users: list[User] = field(default_factory=list)


def entry_key(index: int, name: str) -> str:
    """Where an error about the ``index``-th partner's ``name`` field goes (a form prefix)."""
    return f"partners-{index}-{name}"


def _errors_of(error: ValidationError, key=lambda name: name) -> dict[str, list]:
    return {key(name): messages for name, messages in error.message_dict.items()}


@transaction.atomic
def community_create(
    *, user: User | None, data: Mapping[str, Any], partners: Sequence[PartnerEntry]
) -> CommunityCreated:
    """A community with its partners (existing or new) and their first users, in one go.

    Everything is checked before anything is written; every problem is raised at once as a
    ``ValidationError`` whose keys are the community's fields and ``entry_key(i, field)`` for
    the i-th partner. New users get no usable password: the caller invites them.
    """
    errors: dict[str, list] = {}
    community = Community(**{name: data[name] for name in COMMUNITY_FIELDS if name in data})
    community.slug = unique_slug(Community.objects.all(), community.name or "", max_length=60)
    try:
        community.full_clean()
    except ValidationError as error:
        errors |= _errors_of(error)

    if not partners:
        errors["__all__"] = [_("Add at least one partner.")]
    chosen: set[int] = set()
    new_names: set[str] = set()
    emails: set[str] = set()
    planned: list[tuple[Partner, str, list[User], list[str]]] = []
    for index, entry in enumerate(partners):

        def key(name, index=index):
            return entry_key(index, name)

        partner = entry.partner
        if (partner is None) == (entry.new is None):
            errors[key("partner")] = [
                _("Choose an existing partner or give the name of a new one, not both.")
            ]
            continue
        if partner is not None:
            if partner.pk in chosen:
                errors[key("partner")] = [_("This partner is already on the list.")]
            chosen.add(partner.pk)
        else:
            partner = Partner(**{name: entry.new.get(name) for name in NEW_PARTNER_FIELDS})
            partner.slug = unique_slug(Partner.objects.all(), partner.name or "", max_length=60)
            try:
                partner.full_clean()
            except ValidationError as error:
                errors |= _errors_of(error, key)
            name = (partner.name or "").strip().casefold()
            if name and (
                name in new_names or Partner.objects.filter(name__iexact=partner.name).exists()
            ):
                errors.setdefault(key("name"), []).append(
                    _("A partner of this name exists: choose it as an existing partner.")
                )
            new_names.add(name)
        people, titles = [], []
        for person in entry.people:
            email = person.email.strip()
            account = User(
                # They log in with their e-mail address (what Django allows in a user name).
                username=re.sub(r"[^\w.@+-]", "", email.lower())[:150],
                first_name=person.first_name.strip(),
                last_name=person.last_name.strip(),
                email=email,
            )
            account.set_unusable_password()
            try:
                account.full_clean(exclude=["username"])
            except ValidationError as error:
                errors |= _errors_of(error, key)
            for name, value in (("first_name", account.first_name), ("email", email)):
                if not value:
                    errors.setdefault(key(name), []).append(
                        _("Fill this in for the partner's first user.")
                    )
            if email:
                problems = errors.setdefault(key("email"), [])
                try:
                    validate_email_free(email)
                except ValidationError as error:
                    problems.extend(error.messages)
                if User.objects.filter(username__iexact=account.username).exists():
                    problems.append(_("Another account has this address as its user name."))
                if email.lower() in emails:
                    problems.append(_("Another user on this form has this e-mail address."))
                if not problems:
                    del errors[key("email")]
            emails.add(email.lower())
            people.append(account)
            titles.append(person.title)
        planned.append((partner, entry.role, people, titles))
    if errors:
        raise ValidationError(errors)

    by(community, user)
    community.save()
    created = CommunityCreated(community=community)
    for partner, role, people, titles in planned:
        if partner.pk is None:
            by(partner, user)
            partner.save()
        CommunityPartner.objects.create(
            community=community, partner=partner, role=role, since=community.partnership_since
        )
        created.partners.append(partner)
        for account, title in zip(people, titles, strict=True):
            account.save()
            PartnerMembership.objects.create(user=account, partner=partner, title=title)
            created.users.append(account)
    return created


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
