"""The story of a grant, from its simple-history rows: who changed what, and when.

Each row holds the whole grant after one save, with the measures it funded and their shares or
amounts. What changed is found by comparing a row with the one before it: one ordered query, a
prefetch of the measures, and one query each for the names of partners and measures shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch
from django.utils.translation import gettext as _

from funding.models import Grant
from funding.services import MEASURE, Snapshot, _grant_history_snapshot, grant_vocabulary
from measures.models import Measure
from partnerships.models import Partner


@dataclass
class GrantChange:
    record: Any
    fields: list[dict] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return {"+": "created", "-": "deleted"}.get(self.record.history_type, "changed")


def grant_changes(grant: Grant) -> list[GrantChange]:
    """Every save of the grant, newest first, with the fields it changed."""
    records = list(
        Grant.history.filter(id=grant.pk)
        .select_related("history_user")
        .prefetch_related(Prefetch("historicalgrantmeasure_set", to_attr="measure_rows"))
        .order_by("history_date", "history_id")
    )
    snapshots = [_grant_history_snapshot(record) for record in records]
    partner_ids = {s["applicant"] for s in snapshots}
    measure_ids = {int(k.partition(":")[2]) for s in snapshots for k in s if k.startswith(MEASURE)}
    names = dict(Partner.objects.filter(pk__in=partner_ids).values_list("pk", "name"))
    titles = dict(Measure.objects.filter(pk__in=measure_ids).values_list("pk", "title"))
    words = grant_vocabulary()

    def label(key: str) -> str:
        if key.startswith(f"{MEASURE}:"):
            return _("Measure: %(title)s") % {"title": titles.get(int(key.partition(":")[2]), "?")}
        return words.label(key)

    def display(key: str, value) -> str:
        if key == "applicant":
            return names.get(value, "–")
        return words.display(key, value)

    changes = []
    before: Snapshot = {}
    for record, snapshot in zip(records, snapshots, strict=True):
        keys = [*snapshot, *(key for key in before if key not in snapshot)]
        changed = [
            {
                "label": label(key),
                "before": display(key, before.get(key)),
                "after": display(key, snapshot.get(key)),
            }
            for key in dict.fromkeys(keys)
            if before.get(key) != snapshot.get(key)
            and not (not before and snapshot.get(key) in (None, ""))
        ]
        changes.append(GrantChange(record, changed))
        before = snapshot
    changes.reverse()
    return changes
