"""Writes to measures and reports. Views and admin call these; nothing else saves a measure."""

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import transaction

from aktive.images import ProcessedImage, delete_files_on_commit
from measures.models import (
    MEASURE_HISTORY,
    REPORT_FIELDS,
    Measure,
    MeasurePartner,
    Report,
    TargetGroup,
)
from partnerships.models import Community, Partner, User
from partnerships.text import unique_slug
from partnerships.validators import validate_partners_in_community

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
)
# Only staff set these, in admin.
ADMIN_MEASURE_FIELDS = ("slug", "is_archived")


class MeasureVersionConflict(Exception):
    """The measure was changed by someone else after the form was loaded."""

    def __init__(self, current: Measure):
        super().__init__(f"Measure {current.pk} is at version {current.version}")
        self.current = current


class ChangeReason:
    """Why a history row was written, when the fields alone do not say it plainly."""

    ARCHIVED = "archived"
    RESTORED = "restored"
    PHOTO = "photo"


@contextmanager
def _history_paused(measure: Measure) -> Iterator[None]:
    """Write relations without a history row each; the one save after them records them all."""
    measure.skip_history_when_saving = True
    try:
        yield
    finally:
        del measure.skip_history_when_saving


def _by(instance, user: User | None, reason: str | None = None) -> None:
    """Name who the next history row is by, also outside a request (admin actions, commands)."""
    if user is not None:
        instance._history_user = user
    instance._change_reason = reason


def _set_partners(
    measure: Measure, partners: Sequence[Partner], contributions: Mapping[int, str]
) -> None:
    """Make the measure's partner links match ``partners``, keeping contributions."""
    wanted = {partner.pk for partner in partners}
    existing = {link.partner_id: link for link in measure.partner_links.all()}
    MeasurePartner.objects.filter(measure=measure).exclude(partner_id__in=wanted).delete()
    new_links = []
    for partner_id in wanted:
        contribution = contributions.get(partner_id)
        link = existing.get(partner_id)
        if link is None:
            new_links.append(
                MeasurePartner(
                    measure=measure, partner_id=partner_id, contribution=contribution or ""
                )
            )
        elif contribution is not None and link.contribution != contribution:
            link.contribution = contribution
            link.save(update_fields=["contribution"])
    MeasurePartner.objects.bulk_create(new_links)


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
    validate_partners_in_community(
        community=community, partners=partners, lead_partner=data["lead_partner"]
    )
    measure = Measure(community=community, created_by=user, updated_by=user)
    for name in (*MEASURE_FIELDS, *ADMIN_MEASURE_FIELDS):
        if name in data:
            setattr(measure, name, data[name])
    if not measure.slug:
        measure.slug = unique_slug(
            Measure.objects.filter(community=community), measure.title, max_length=80
        )
    with _history_paused(measure):
        measure.save()
        _set_partners(measure, partners, contributions or {})
        measure.target_groups.set(target_groups)
    # The first history row is written now, so that it holds the partners and target groups.
    _by(measure, user)
    MEASURE_HISTORY.create_historical_record(measure, "+")
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
) -> Measure:
    """Write fields and relations and save once, unless someone saved a newer version.

    The version is checked under a short row lock inside this transaction, so nothing is
    locked while a partner is typing, and two saves of the same version cannot both win.
    """
    current = Measure.objects.select_for_update().get(pk=measure.pk)
    if current.version != version:
        raise MeasureVersionConflict(current)
    for name in (*MEASURE_FIELDS, *ADMIN_MEASURE_FIELDS):
        if name in data:
            setattr(current, name, data[name])
    if partners is None:
        partners = list(current.partners.all())
    validate_partners_in_community(
        community=current.community, partners=partners, lead_partner=current.lead_partner
    )
    with _history_paused(current):
        _set_partners(current, partners, contributions or {})
        if target_groups is not None:
            current.target_groups.set(target_groups)
    current.version += 1
    current.updated_by = user
    _by(current, user)
    current.save()  # the one history row of this edit, with the new partners and groups
    return current


@transaction.atomic
def measure_set_archived(*, measure: Measure, user: User | None, archived: bool) -> Measure:
    current = Measure.objects.select_for_update().get(pk=measure.pk)
    if current.is_archived != archived:
        current.is_archived = archived
        current.version += 1
        current.updated_by = user
        _by(current, user, ChangeReason.ARCHIVED if archived else ChangeReason.RESTORED)
        current.save(update_fields=["is_archived", "version", "updated_by", "updated_at"])
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
    current = Measure.objects.select_for_update().get(pk=measure.pk)
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
    _by(current, user, ChangeReason.PHOTO)
    try:
        current.save()
    except Exception:
        delete_files_on_commit(current.image.storage, new_files - set(old_files), now=True)
        raise
    delete_files_on_commit(current.image.storage, stale_files)
    return current


def _write_report(report: Report, user: User | None, data: Mapping[str, Any]) -> Report:
    for name in REPORT_FIELDS:
        if name in data:
            setattr(report, name, data[name])
    if report.period_end is None:
        report.period_end = report.period_start
    report.full_clean()
    _by(report, user)
    report.save()
    return report


@transaction.atomic
def report_create(*, measure: Measure, user: User | None, data: Mapping[str, Any]) -> Report:
    return _write_report(Report(measure=measure, reported_by=user), user, data)


@transaction.atomic
def report_update(*, report: Report, user: User | None, data: Mapping[str, Any]) -> Report:
    return _write_report(report, user, data)
