"""E-mails as the recipient reads them: rendered from ``templates/notifications/email/`` in the
recipient's language, plain text and HTML, with the portal's name, links to what they are about
and to the recipient's e-mail settings."""

from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import OuterRef, Subquery
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from measures.history import Change, FieldChange, field_changes, with_change_details
from measures.models import Measure

HistoricalMeasure = Measure.history.model


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


def absolute(path: str) -> str:
    """A link into the portal from an e-mail (the worker has no request to ask)."""
    return settings.PORTAL_URL + path


def render_email(name: str, context: dict, *, language: str) -> Rendered:
    """``<name>_subject.txt``, ``<name>.txt`` and ``<name>.html`` in ``language``."""
    with translation.override(language):
        context = {
            "portal_name": _("Aktive Lokalsamfunn"),
            "portal_url": absolute("/"),
            "settings_url": absolute(reverse("notifications:profile")) + "#email-settings",
            "language": language,
            **context,
        }
        subject = render_to_string(f"notifications/email/{name}_subject.txt", context)
        return Rendered(
            subject=" ".join(subject.split()),
            text=render_to_string(f"notifications/email/{name}.txt", context),
            html=render_to_string(f"notifications/email/{name}.html", context),
        )


@dataclass
class ChangeLine:
    """One change as an e-mail tells it: when, who, what was done and each field's change."""

    change: Change
    fields: list[FieldChange] = field(default_factory=list)

    @property
    def when(self):
        return self.change.record.history_date

    @property
    def who(self) -> str:
        return str(self.change.record.history_user or _("Someone"))

    @property
    def report(self):
        return self.change.record if self.change.is_report else None


@dataclass
class MeasureChanges:
    measure: Measure
    lines: list[ChangeLine]

    @property
    def url(self) -> str:
        return absolute(self.measure.get_absolute_url())

    @property
    def history_url(self) -> str:
        return absolute(reverse("measures:history", kwargs={"pk": self.measure.pk}))


def describe(notifications: list) -> list[MeasureChanges]:
    """The notifications' changes grouped by measure (by title), each oldest first.

    What changed is read from the history rows, compared with the row before each, in the
    words of the history page; a fixed number of queries however many changes there are.
    """
    record_ids = {n.measure_record_id for n in notifications if n.measure_record_id}
    before = HistoricalMeasure.objects.filter(
        id=OuterRef("id"), history_id__lt=OuterRef("history_id")
    ).order_by("-history_id")
    records = {
        record.history_id: record
        for record in with_change_details(
            HistoricalMeasure.objects.filter(history_id__in=record_ids).annotate(
                previous_id=Subquery(before.values("history_id")[:1])
            )
        )
    }
    previous = {
        record.history_id: record
        for record in with_change_details(
            HistoricalMeasure.objects.filter(
                history_id__in=[r.previous_id for r in records.values() if r.previous_id]
            )
        )
    }
    groups: dict[int, MeasureChanges] = {}
    for note in sorted(notifications, key=lambda n: (n.created_at, n.pk)):
        if note.measure_record_id:
            record = records[note.measure_record_id]
            line = ChangeLine(
                Change(record), field_changes(previous.get(record.previous_id), record)
            )
        else:
            line = ChangeLine(Change(note.report_record))
        group = groups.setdefault(note.measure_id, MeasureChanges(note.measure, []))
        group.lines.append(line)
    return sorted(groups.values(), key=lambda g: (g.measure.title, g.measure.pk))
