"""The story of a measure, from its simple-history rows: who changed what, and when.

Each history row holds the whole measure as it was after one save, with its partners and
target groups (``m2m_fields``). What changed is found by comparing a row with the one before it,
so a page of changes is read in one ordered query (plus fixed prefetches), never one per row.
"""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from measures.models import Measure, Report
from measures.services import ChangeReason

HistoricalMeasure = Measure.history.model
HistoricalReport = Report.history.model
HistoricalMeasurePartner = HistoricalMeasure.partners.model
HistoricalMeasureTargetGroup = HistoricalMeasure.target_groups.model

# The fields a partner can see change, in the order the measure page shows them.
SHOWN_FIELDS = (
    "title",
    "summary",
    "description",
    "status",
    "lead_partner",
    "partners",
    "target_groups",
    "schedule",
    "venue",
    "started_on",
    "ended_on",
    "image",
    "image_alt",
    "image_consent",
    "is_archived",
    "slug",
)
LONG_TEXT_FIELDS = {"description"}


@dataclass(frozen=True)
class FieldChange:
    label: str
    before: str
    after: str
    is_long: bool = False


# What someone did, in the words every page uses for it (dashboard and history alike).
PHRASES = {
    "created": gettext_lazy("created the measure"),
    "changed": gettext_lazy("changed the measure"),
    "archived": gettext_lazy("archived the measure"),
    "restored": gettext_lazy("restored the measure"),
    "photo": gettext_lazy("changed the photo of the measure"),
    "deleted": gettext_lazy("deleted the measure"),
    "report_changed": gettext_lazy("corrected a report for"),
    "report_deleted": gettext_lazy("deleted a report for"),
}


@dataclass
class Change:
    """One save of a measure or of one of its reports: the history row and what it changed."""

    record: Any
    fields: list[FieldChange] = field(default_factory=list)

    @property
    def kind(self) -> str:
        if isinstance(self.record, HistoricalReport):
            return {"+": "report_created", "-": "report_deleted"}.get(
                self.record.history_type, "report_changed"
            )
        if self.record.history_type == "+":
            return "created"
        if self.record.history_type == "-":
            return "deleted"
        reason = self.record.history_change_reason
        if reason in {ChangeReason.ARCHIVED, ChangeReason.RESTORED, ChangeReason.PHOTO}:
            return reason
        return "changed"

    @property
    def phrase(self) -> str:
        """What was done, to be followed by the measure's title where a page names it."""
        if self.kind == "report_created":
            count = self.record.participants
            return ngettext(
                "logged a report with %(count)s participant for",
                "logged a report with %(count)s participants for",
                count,
            ) % {"count": count}
        return str(PHRASES[self.kind])

    @property
    def measure_id(self) -> int:
        return self.record.measure_id if self.is_report else self.record.id

    @property
    def title(self) -> str:
        return self.record.measure.title if self.is_report else self.record.title

    @property
    def is_report(self) -> bool:
        return isinstance(self.record, HistoricalReport)


def recent_changes(user, communities, count: int) -> list[Change]:
    """The latest saves of measures and reports in ``communities`` by other people."""
    measures = (
        HistoricalMeasure.objects.filter(community__in=communities, history_user__isnull=False)
        .exclude(history_user=user)
        .select_related("history_user")
        .prefetch_related("history_user__partners")
        .order_by("-history_date")[:count]
    )
    reports = (
        HistoricalReport.objects.filter(
            measure__community__in=communities, history_user__isnull=False
        )
        .exclude(history_user=user)
        .select_related("measure", "history_user")
        .prefetch_related("history_user__partners")
        .order_by("-history_date")[:count]
    )
    changes = [Change(record) for record in [*measures, *reports]]
    return sorted(changes, key=lambda change: change.record.history_date, reverse=True)[:count]


def measure_history(measure: Measure) -> QuerySet:
    """The measure's history rows with everything a change shows, newest first."""
    return with_change_details(HistoricalMeasure.objects.filter(id=measure.pk))


def deleted_reports(measure: Measure) -> QuerySet:
    """The measure's deleted reports, newest deletion first: each one's deletion row, which
    holds the report as it was, who deleted it and when."""
    return (
        HistoricalReport.objects.filter(measure_id=measure.pk, history_type="-")
        .select_related("history_user")
        .prefetch_related("history_user__partners")
        .order_by("-history_date", "-history_id")
    )


def deleted_report(report_id: int):
    """The deletion row of a report that was deleted, or None."""
    return HistoricalReport.objects.filter(id=report_id, history_type="-").first()


def saves_since(measure: Measure, version: int) -> QuerySet:
    """Who saved the measure after ``version``, oldest first: for the conflict message."""
    return (
        HistoricalMeasure.objects.filter(id=measure.pk, version__gt=version)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )


def with_change_details(records: QuerySet) -> QuerySet:
    return (
        records.select_related("history_user", "lead_partner")
        .prefetch_related(
            "history_user__partners",
            Prefetch(
                "historicalmeasurepartner_set",
                queryset=HistoricalMeasurePartner.objects.select_related("partner"),
                to_attr="partner_rows",
            ),
            Prefetch(
                "historicalmeasure_target_groups_set",
                queryset=HistoricalMeasureTargetGroup.objects.select_related("targetgroup"),
                to_attr="target_group_rows",
            ),
        )
        .order_by("-history_date", "-history_id")
    )


def changes(records: list, older: Any | None) -> list[Change]:
    """``records`` newest first, each compared with the one before it; ``older`` precedes all."""
    result = []
    for index, record in enumerate(records):
        previous = records[index + 1] if index + 1 < len(records) else older
        result.append(Change(record=record, fields=field_changes(previous, record)))
    return result


def field_changes(before: Any | None, after: Any) -> list[FieldChange]:
    """What differs between two history rows; for the first row, every field that is filled."""
    result = []
    for name in SHOWN_FIELDS:
        new = _value(after, name)
        old = _value(before, name) if before is not None else None
        if before is None and new in (None, "", (), False):
            continue
        if old == new:
            continue
        if name == "image":
            before_text = _("A photo") if old else _("No photo")
            after_text = (_("A new photo") if old else _("A photo")) if new else _("No photo")
        else:
            before_text, after_text = _display(name, old), _display(name, new)
        result.append(
            FieldChange(
                label=_label(name),
                before=before_text,
                after=after_text,
                is_long=name in LONG_TEXT_FIELDS,
            )
        )
    return result


def _label(name: str) -> str:
    label = str(Measure._meta.get_field(name).verbose_name)
    return label[:1].upper() + label[1:]


def _value(record: Any, name: str):
    """A comparable value of one field of a history row."""
    if name == "partners":
        return tuple(sorted((row.partner.name, row.contribution) for row in record.partner_rows))
    if name == "target_groups":
        return tuple(
            sorted(
                (row.targetgroup.order, row.targetgroup.name) for row in record.target_group_rows
            )
        )
    if name == "lead_partner":
        return record.lead_partner.name if record.lead_partner_id else None
    if name == "status":
        return record.get_status_display()
    return getattr(record, name)


def _display(name: str, value) -> str:
    """A value as the history page shows it, in Norwegian."""
    if value is None or value == "" or value == ():
        return "–"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, datetime.date):
        return date_format(value, "SHORT_DATE_FORMAT")
    if name == "partners":
        return ", ".join(
            f"{partner} ({contribution})" if contribution else partner
            for partner, contribution in value
        )
    if name == "target_groups":
        return ", ".join(group for _order, group in value)
    return str(value)
