"""Writes of grants, goals and context figures. Views, admin and commands call these.

A grant is saved like a measure: the measures it funds (with their share or amount) are written
first, then the grant once, so one edit is one history row holding them; an edit made from an
older version is merged with what others saved meanwhile (``partnerships.versioning``).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from funding.allocation import Part, validate_allocation
from funding.models import GRANT_HISTORY, ContextFigure, FunderKind, Goal, Grant, GrantMeasure
from funding.money import format_kroner
from measures.models import Measure
from partnerships.models import Community, Partner, User
from partnerships.validators import validate_partners_in_community
from partnerships.versioning import (
    ABSENT,
    Snapshot,
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

GRANT_FIELDS = (
    "name",
    "funder",
    "funder_kind",
    "applicant",
    "amount_applied",
    "amount_granted",
    "period_start",
    "period_end",
    "status",
    "applied_on",
    "decided_on",
    "paid_on",
    "report_deadline",
    "reported_on",
    "note",
)
MEASURE = "measure"
MONEY_FIELDS = {"amount_applied", "amount_granted"}


def _attname(name: str) -> str:
    return "applicant_id" if name == "applicant" else name


def part_value(part: Part) -> str:
    """A measure's part as one comparable value: ``"share:12.50"``, ``"amount:500000"`` or
    ``"equal"``."""
    if part.share is not None:
        return f"share:{part.share.normalize():f}"
    if part.amount is not None:
        return f"amount:{part.amount}"
    return "equal"


def value_part(value: str) -> Part:
    kind, _sep, number = value.partition(":")
    if kind == "share":
        return Part(share=Decimal(number))
    if kind == "amount":
        return Part(amount=int(number))
    return Part()


def _grant_snapshot(grant) -> Snapshot:
    values = {name: getattr(grant, _attname(name)) for name in GRANT_FIELDS}
    for measure_id, share, amount in grant.measure_links.values_list(
        "measure_id", "share", "amount"
    ):
        values[f"{MEASURE}:{measure_id}"] = part_value(Part(share, amount))
    return values


def _grant_history_snapshot(record) -> Snapshot:
    values = {name: getattr(record, _attname(name)) for name in GRANT_FIELDS}
    # Prefetched on the history page (``funding.history``).
    rows = record.measure_rows if hasattr(record, "measure_rows") else record.measures.all()
    for link in rows:
        values[f"{MEASURE}:{link.measure_id}"] = part_value(Part(link.share, link.amount))
    return values


def _grant_input(start: Snapshot, data: Mapping[str, Any], parts: Mapping[int, Part] | None):
    changes = {name: value for name, value in data.items() if name in GRANT_FIELDS}
    if "applicant" in changes and hasattr(changes["applicant"], "pk"):
        changes["applicant"] = changes["applicant"].pk
    if parts is not None:
        changes |= {f"{MEASURE}:{pk}": ABSENT for pk in members(MEASURE, start)}
        changes |= {f"{MEASURE}:{pk}": part_value(part) for pk, part in parts.items()}
    return overlay(start, changes)


def grant_vocabulary(*snapshots: Snapshot) -> Vocabulary:
    titles: dict[int, str] = {}

    def label(key: str) -> str:
        kind, _sep, member = key.partition(":")
        if kind == MEASURE and member:
            if not titles:
                ids = {
                    int(k.partition(":")[2]) for s in snapshots for k in s if k.startswith(MEASURE)
                }
                titles.update(Measure.objects.filter(pk__in=ids).values_list("pk", "title"))
            return _("Measure: %(title)s") % {"title": titles.get(int(member), "?")}
        return field_label(Grant, key)

    def display(key: str, value) -> str:
        if value in (None, ""):
            return "–"
        if key.startswith(f"{MEASURE}:"):
            return describe_part(value_part(value))
        if key in MONEY_FIELDS:
            return format_kroner(value)
        if key == "status":
            return Grant.Status(value).label
        if key == "funder_kind":
            return FunderKind(value).label
        if key == "applicant":
            return Partner.objects.filter(pk=value).values_list("name", flat=True).first() or "?"
        if hasattr(value, "isoformat"):
            return date_format(value, "SHORT_DATE_FORMAT")
        return str(value)

    return Vocabulary(label=label, display=display)


def describe_part(part: Part) -> str:
    if part.share is not None:
        return _("%(share)s %%") % {"share": f"{part.share.normalize():f}".replace(".", ",")}
    if part.amount is not None:
        return format_kroner(part.amount)
    return _("an equal part")


def _write_grant(grant: Grant, values: Snapshot) -> None:
    """Write a snapshot to the grant and its measures, without a history row."""
    for name in GRANT_FIELDS:
        if name in values:
            setattr(grant, _attname(name), values[name])
    parts = {pk: value_part(value) for pk, value in members(MEASURE, values).items()}
    grant.full_clean()
    validate_partners_in_community(
        community=grant.community, partners=[grant.applicant], field="applicant"
    )
    measures = Measure.objects.filter(pk__in=parts)
    if measures.exclude(community_id=grant.community_id).exists() or measures.count() != len(parts):
        raise ValidationError(
            {"measures": _("Choose measures of the grant's community.")}, code="community"
        )
    validate_allocation(grant.amount, parts)
    with history_paused(grant):
        if grant.pk is None:
            grant.save()
        GrantMeasure.objects.filter(grant=grant).exclude(measure_id__in=parts).delete()
        stored = {link.measure_id: link for link in GrantMeasure.objects.filter(grant=grant)}
        for measure_id, part in parts.items():
            link = stored.get(measure_id)
            if link is None:
                GrantMeasure.objects.create(
                    grant=grant, measure_id=measure_id, share=part.share, amount=part.amount
                )
            elif (link.share, link.amount) != (part.share, part.amount):
                link.share, link.amount = part.share, part.amount
                link.save(update_fields=["share", "amount"])


@transaction.atomic
def grant_create(
    *,
    community: Community,
    user: User | None,
    data: Mapping[str, Any],
    parts: Mapping[int, Part] | None = None,
) -> Grant:
    """Record a grant of ``community`` funding ``parts`` (measure id → share or amount)."""
    grant = Grant(community=community, created_by=user)
    _write_grant(grant, _grant_input({}, data, parts or {}))
    record_created(GRANT_HISTORY, grant, user)
    return grant


@transaction.atomic
def grant_update(
    *,
    grant: Grant,
    user: User | None,
    version: int,
    data: Mapping[str, Any],
    parts: Mapping[int, Part] | None = None,
    seen_version: int | None = None,
    resolutions: Mapping[str, str] | None = None,
) -> Grant:
    """Save an edit of a grant loaded at ``version``, merged with edits saved since."""
    current = lock_current(Grant, grant.pk)
    merge = merge_edit(
        current,
        version=version,
        seen_version=seen_version,
        resolutions=resolutions,
        snapshot=_grant_snapshot,
        history_snapshot=_grant_history_snapshot,
        submitted=lambda start: _grant_input(start, data, parts),
        vocabulary=grant_vocabulary,
    )
    _write_grant(current, merge.values)
    current.version += 1
    by(current, user)
    current.save()  # one history row, with the measures funded
    return current


@transaction.atomic
def grant_delete(*, grant: Grant, user: User | None) -> None:
    by(grant, user)
    grant.delete()


# --- Goals and context figures ------------------------------------------------------------------


GOAL_FIELDS = (
    "measure",
    "title",
    "indicator",
    "baseline",
    "baseline_year",
    "target",
    "target_year",
    "manual_value",
    "note",
)
FIGURE_FIELDS = ("title", "value", "unit", "year", "source")


@transaction.atomic
def goal_save(
    *, community: Community, user: User | None, data: Mapping[str, Any], goal: Goal | None = None
) -> Goal:
    goal = goal or Goal(community=community)
    return write(goal, user, data, GOAL_FIELDS)


@transaction.atomic
def goal_delete(*, goal: Goal, user: User | None) -> None:
    by(goal, user)
    goal.delete()


@transaction.atomic
def context_figure_save(
    *,
    community: Community,
    user: User | None,
    data: Mapping[str, Any],
    figure: ContextFigure | None = None,
) -> ContextFigure:
    figure = figure or ContextFigure(community=community)
    return write(figure, user, data, FIGURE_FIELDS)


@transaction.atomic
def context_figure_delete(*, figure: ContextFigure, user: User | None) -> None:
    by(figure, user)
    figure.delete()
