"""The story of a measure, from its simple-history rows: who changed what, and when.

Each history row holds the whole measure as it was after one save, with its partners and
target groups (``m2m_fields``). What changed is found by comparing a row with the one before it,
so a page of changes is read in one ordered query (plus fixed prefetches), never one per row.
"""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Max, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from measures.models import Measure, Report
from measures.services import ChangeReason
from partnerships.versioning import field_label

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
            kinds = {"+": "report_created", "-": "report_deleted"}
            return kinds.get(self.record.history_type, "report_changed")
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


# A report's fields as a correction shows them, in the order of its form.
REPORT_FIELDS = (
    "period_start",
    "period_end",
    "sessions",
    "participants",
    "girls",
    "volunteers",
    "volunteer_hours",
    "note",
)


# The feed groups at most this many of the latest saves per entry it shows (a day's work on a
# measure is rarely more; when it is, the feed shows fewer entries and "show more" reads on).
ROWS_PER_ENTRY = 20


@dataclass
class FeedEntry:
    """What other people did to one measure on one day (Oslo time): the dashboard's line."""

    measure_id: int
    day: datetime.date
    last_at: datetime.datetime
    title: str = ""
    changes: list[Change] = field(default_factory=list)  # measure and report saves, newest first

    @property
    def people(self) -> list:
        """Who did it, the latest first, each once."""
        seen = {}
        for change in self.changes:
            seen.setdefault(change.record.history_user_id, change.record.history_user)
        return list(seen.values())

    @property
    def measure_changes(self) -> list[Change]:
        return [change for change in self.changes if not change.is_report]

    @property
    def actions(self) -> list[str]:
        """What was done to the measure itself, each once: "created the measure", …"""
        kinds = []
        for change in reversed(self.measure_changes):
            if change.kind != "changed" and change.kind not in kinds:
                kinds.append(change.kind)
        return [str(PHRASES[kind]) for kind in kinds]

    @property
    def field_labels(self) -> list[str]:
        """The fields other people changed that day, each once, in the measure page's order
        (a creation lists none: everything is new)."""
        labels = {
            change.label
            for saved in self.measure_changes
            if saved.kind != "created"
            for change in saved.fields
        }
        return [label for label in _labels_in_order() if label in labels]

    @property
    def last_measure_change(self) -> Change | None:
        return self.measure_changes[0] if self.measure_changes else None

    @property
    def logged(self) -> list[Change]:
        return [change for change in self.changes if change.kind == "report_created"]

    @property
    def logged_participants(self) -> int:
        return sum(change.record.participants for change in self.logged)

    @property
    def corrected(self) -> list[Change]:
        """Report corrections (and deletions), each with what it changed, oldest first."""
        kinds = {"report_changed", "report_deleted"}
        return [change for change in reversed(self.changes) if change.kind in kinds]


def _labels_in_order() -> list[str]:
    return [_label(name) for name in SHOWN_FIELDS]


def recent_changes(
    user, communities, count: int, *, partner_slug: str | None = None
) -> tuple[list[FeedEntry], bool]:
    """What other people did lately to the measures of ``communities`` and their reports,
    one entry per measure and day, newest first: the first ``count`` entries, and whether
    there are more.

    ``partner_slug`` keeps what that partner's users did. A fixed number of queries, however
    many saves there are: the entries are found by grouping in the database, then their rows,
    and the row before each, are read in one query each.
    """
    day = TruncDate("history_date", tzinfo=timezone.get_current_timezone())
    who = Q(history_user__isnull=False) & ~Q(history_user=user)
    if partner_slug:
        who &= Q(history_user__partners__slug=partner_slug)
    measures = HistoricalMeasure.objects.filter(who, community__in=communities)
    reports = HistoricalReport.objects.filter(who, measure__community__in=communities)
    # Only the latest saves are grouped (read newest first along the history_date index), not
    # a county's whole history on every visit; "show more" widens the window with the count.
    window = count * ROWS_PER_ENTRY
    latest: dict[tuple[int, datetime.date], datetime.datetime] = {}
    window_full = False
    for saves, measure in ((measures, F("id")), (reports, F("measure"))):
        newest = saves.order_by("-history_date").values("history_id")[:window]
        grouped = (
            saves.model.objects.filter(history_id__in=Subquery(newest))
            .annotate(day=day)
            .values("day", entry_measure=measure)
            .annotate(last=Max("history_date"), saves=Count("history_id"))
            .order_by("-last")
        )
        rows = list(grouped)
        window_full |= sum(row["saves"] for row in rows) >= window
        for row in rows:
            key = (row["entry_measure"], row["day"])
            latest[key] = max(latest.get(key, row["last"]), row["last"])
    keys = sorted(latest, key=latest.get, reverse=True)
    entries = {
        key: FeedEntry(measure_id=key[0], day=key[1], last_at=latest[key]) for key in keys[:count]
    }
    if not entries:
        return [], False
    # The rows of those measures on those days: a condition per entry (at most ``count``).
    measure_days, report_days = Q(), Q()
    for measure_id, when in entries:
        during = {
            "history_date__gte": _start_of_day(when),
            "history_date__lt": _start_of_day(when + datetime.timedelta(days=1)),
        }
        measure_days |= Q(id=measure_id, **during)
        report_days |= Q(measure_id=measure_id, **during)
    # The same as plain conditions too, which the database can read along an index.
    since = _start_of_day(min(when for _measure, when in entries))
    ids = {measure_id for measure_id, _when in entries}
    measures = measures.filter(history_date__gte=since, id__in=ids)
    reports = reports.filter(history_date__gte=since, measure_id__in=ids)
    measure_rows = _with_previous(
        HistoricalMeasure,
        measures.filter(measure_days),
        key="id",
        details=with_change_details,
        compared=lambda rows: with_change_details(rows, who=False),
    )
    report_rows = _with_previous(
        HistoricalReport,
        reports.filter(report_days),
        key="id",
        details=lambda rows: rows.select_related("history_user", "measure").prefetch_related(
            "history_user__partners"
        ),
        compared=lambda rows: rows,
    )
    for record, before in measure_rows:
        entry = entries[(record.id, timezone.localdate(record.history_date))]
        entry.changes.append(Change(record, field_changes(before, record)))
        entry.title = entry.title or record.title
    for record, before in report_rows:
        entry = entries[(record.measure_id, timezone.localdate(record.history_date))]
        fields = report_field_changes(before, record) if before is not None else []
        entry.changes.append(Change(record, fields))
        entry.title = entry.title or record.measure.title
    for entry in entries.values():
        entry.changes.sort(key=lambda c: (c.record.history_date, c.record.history_id), reverse=True)
    return list(entries.values()), len(keys) > count or window_full


def _with_previous(model, rows: QuerySet, *, key: str, details, compared=None) -> list[tuple]:
    """``rows`` (history rows, read with ``details``), each with the row saved just before it
    of the same object (None for the first; read with ``compared``): two queries, plus the
    prefetches."""
    # MAX rather than ORDER BY … LIMIT 1, which PostgreSQL reads backwards along the primary
    # key (every object's rows) instead of this object's rows by its index (measured: 4 ms a
    # row against 0.1).
    before = (
        model.objects.filter(**{key: OuterRef(key)}, history_id__lt=OuterRef("history_id"))
        .order_by()
        .values(key)
        .annotate(previous=Max("history_id"))
        .values("previous")
    )
    records = list(details(rows.annotate(previous_id=Subquery(before))))
    previous_ids = [record.previous_id for record in records if record.previous_id]
    previous = {
        record.history_id: record
        for record in (compared or details)(
            model.objects.filter(history_id__in=previous_ids or [0])
        )
    }
    return [(record, previous.get(record.previous_id)) for record in records]


def report_field_changes(before: Any, after: Any) -> list[FieldChange]:
    """What a correction of a report changed, field by field, in the history page's words."""
    if after.history_type == "-":
        return []
    result = []
    for name in REPORT_FIELDS:
        old, new = getattr(before, name), getattr(after, name)
        if old == new:
            continue
        result.append(
            FieldChange(
                label=field_label(Report, name),
                before=_display(name, old),
                after=_display(name, new),
                is_long=name == "note",
            )
        )
    return result


def _start_of_day(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


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


def with_change_details(records: QuerySet, *, who: bool = True) -> QuerySet:
    """History rows with what ``field_changes`` compares, and (``who``) who saved each."""
    if who:
        records = records.select_related("history_user").prefetch_related("history_user__partners")
    return (
        records.select_related("lead_partner")
        .prefetch_related(
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
    return field_label(Measure, name)


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
