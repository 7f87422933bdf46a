"""Saving shared records without losing anyone's work: versions and the three-way merge.

Every record that several people edit (a measure, an activity report, a meeting) carries a
``version`` that each save raises by one. A form carries the version it was loaded at: the
*base*. The save locks the row for a moment (``select_for_update`` inside the save's
transaction, so nothing is locked while someone is typing) and compares three versions of every
field: the base (read from the history), the current one (*theirs*) and the submission (*mine*):

- a field only the other person changed keeps their value;
- a field only this user changed takes this user's value;
- a field both changed, to different values, needs this user's choice, "theirs" or "mine".
  Until every such field has one, nothing is saved and ``VersionConflict`` names them.

Relations merge per member: each partner of a measure (with its contribution), each target
group and each partner present at a meeting is a field of its own, so one person adding a
partner never undoes another person's change. A choice holds only for the version it was made
against (``seen_version``): if someone saved yet again meanwhile, the fields are compared anew.
The merged record is saved once, so the history shows the merge as one row.
"""

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.db import models, transaction
from django.utils.text import capfirst

M = TypeVar("M", bound=models.Model)

THEIRS, MINE = "theirs", "mine"

# A record as a flat mapping of comparable values, e.g. {"title": "Åpen hall", "partner:3": ""}.
Snapshot = dict[str, Any]

# What a key holds when the record lacks it (a partner who is not on the measure).
ABSENT = None
# The base when the history has no row for the loaded version: nothing can be taken as agreed.
_UNKNOWN = object()


@dataclass(frozen=True)
class Merge:
    """The outcome of comparing base, theirs and mine."""

    values: Snapshot
    conflicts: tuple[str, ...] = ()
    theirs_changed: tuple[str, ...] = ()
    mine_changed: tuple[str, ...] = ()


def three_way_merge(
    base: Snapshot | None,
    theirs: Snapshot,
    mine: Snapshot,
    resolutions: Mapping[str, str] | None = None,
) -> Merge:
    """Merge ``mine`` into ``theirs`` field by field; see the module's docstring.

    ``base`` is None when the loaded version is unknown: then every field where mine and theirs
    differ needs a choice. An unresolved field keeps their value in ``values``.
    """
    resolutions = resolutions or {}
    values: Snapshot = {}
    conflicts, theirs_changed, mine_changed = [], [], []
    for key in sorted({*(base or {}), *theirs, *mine}):
        old = _UNKNOWN if base is None else base.get(key, ABSENT)
        their, my = theirs.get(key, ABSENT), mine.get(key, ABSENT)
        if my == their:
            values[key] = their
        elif my == old or resolutions.get(key) == THEIRS:
            values[key] = their
            theirs_changed.append(key)
        elif their == old or resolutions.get(key) == MINE:
            values[key] = my
            mine_changed.append(key)
        else:
            values[key] = their
            conflicts.append(key)
    return Merge(values, tuple(conflicts), tuple(theirs_changed), tuple(mine_changed))


def overlay(base: Snapshot, changes: Snapshot) -> Snapshot:
    return {**base, **changes}


def members(prefix: str, snapshot: Snapshot) -> dict[int, Any]:
    """The members of one relation in a snapshot: ``{"partner:3": ""}`` → ``{3: ""}``."""
    start = f"{prefix}:"
    return {
        int(key.removeprefix(start)): value
        for key, value in snapshot.items()
        if key.startswith(start) and value is not ABSENT and value is not False
    }


@dataclass(frozen=True)
class FieldConflict:
    """A field both people changed, as the conflict page shows it."""

    key: str
    label: str
    theirs: str
    mine: str


class StaleDelete(Exception):
    """A record changed after its delete was confirmed: it must be looked at again first."""


@dataclass
class VersionConflict(Exception):
    """Someone else saved the record after the form was loaded, and fields need a choice.

    ``saves`` are the history rows written since the loaded version (who saved, and when);
    ``theirs_kept`` the other person's changed values that the merge keeps, by key.
    """

    current: models.Model
    conflicts: list[FieldConflict]
    theirs_kept: Snapshot = field(default_factory=dict)
    theirs_changed: list[str] = field(default_factory=list)
    mine_changed: list[str] = field(default_factory=list)
    saves: list[Any] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.current._meta.label} {self.current.pk}: {len(self.conflicts)} to choose"


@dataclass(frozen=True)
class Vocabulary:
    """How a kind of record names its fields and shows their values to people."""

    label: Callable[[str], str]
    display: Callable[[str, Any], str]

    def labels(self, keys) -> list[str]:
        """Distinct labels in order (a relation's members share their relation's label)."""
        return list(dict.fromkeys(self.label(key) for key in keys))


def field_label(model: type[models.Model], name: str) -> str:
    """A field's name as people read it: its verbose name with a capital first letter."""
    return capfirst(str(model._meta.get_field(name).verbose_name))


def lock_current(model: type[models.Model], pk: int) -> models.Model:
    """The record as stored now, locked until the end of the save's transaction."""
    return model.objects.select_for_update(of=("self",)).get(pk=pk)


def base_record(history, pk: int, version: int):
    """The history row of the loaded version (the last one, if a photo change shared it)."""
    return history.filter(id=pk, version=version).order_by("-history_date", "-history_id").first()


def merge_edit(
    current: models.Model,
    *,
    version: int,
    seen_version: int | None,
    resolutions: Mapping[str, str] | None,
    snapshot: Callable[[models.Model], Snapshot],
    history_snapshot: Callable[[Any], Snapshot | None],
    submitted: Callable[[Snapshot], Snapshot],
    vocabulary: Callable[..., Vocabulary],
) -> Merge:
    """Merge an edit made from ``version`` into the locked ``current`` record.

    ``snapshot`` reads the record as stored, ``history_snapshot`` a history row of it (None if
    the row lacks what a snapshot needs), ``submitted`` lays the edit over a snapshot and
    ``vocabulary`` names fields for the conflict page. Raises ``VersionConflict`` while a field
    both changed has no choice.
    """
    theirs = snapshot(current)
    if current.version == version:
        return three_way_merge(theirs, theirs, submitted(theirs))
    record = base_record(type(current).history, current.pk, version)
    base = history_snapshot(record) if record is not None else None
    mine = submitted(base or theirs)
    if seen_version != current.version:
        resolutions = None  # chosen against a version that is no longer the newest
    merge = three_way_merge(base, theirs, mine, resolutions)
    if not merge.conflicts:
        return merge
    words = vocabulary(base or {}, theirs, mine)
    raise VersionConflict(
        current=current,
        conflicts=[
            FieldConflict(
                key=key,
                label=words.label(key),
                theirs=words.display(key, theirs.get(key, ABSENT)),
                mine=words.display(key, mine.get(key, ABSENT)),
            )
            for key in merge.conflicts
        ],
        theirs_kept={key: merge.values[key] for key in merge.theirs_changed},
        theirs_changed=words.labels(merge.theirs_changed),
        mine_changed=words.labels(merge.mine_changed),
        saves=list(
            type(current)
            .history.filter(id=current.pk, version__gt=version)
            .select_related("history_user")
            .order_by("history_date", "history_id")
        ),
    )


@contextmanager
def history_paused(instance: models.Model) -> Iterator[None]:
    """Write relations without a history row each; the one save after them records them all."""
    instance.skip_history_when_saving = True
    try:
        yield
    finally:
        del instance.skip_history_when_saving


def record_created(history, instance: models.Model, user) -> None:
    """Write a new record's first history row once its relations exist, so that it holds them.

    ``history`` is the model's ``HistoricalRecords``; the record was saved with history paused.
    """
    by(instance, user)
    history.create_historical_record(instance, "+")


def by(instance: models.Model, user, reason: str | None = None) -> None:
    """Name who the next history row is by, also outside a request (admin actions, commands)."""
    if user is not None:
        instance._history_user = user
    instance._change_reason = reason


def write(instance: M, user, values: Mapping[str, Any], fields: Iterable[str], **clean) -> M:
    """Set ``fields`` from ``values`` (those given), check the row (``clean``: ``full_clean``'s
    options), name the user for its history row and save it: a service's one way to write."""
    for name in fields:
        if name in values:
            setattr(instance, name, values[name])
    instance.full_clean(**clean)
    by(instance, user)
    instance.save()
    return instance


class _Undo(Exception):
    pass


def check_save(save: Callable[[], Any], *, lock: models.Model | None = None) -> None:
    """Run ``save`` and undo it, raising what it raises (``VersionConflict``, ``ValidationError``).

    For admin, which validates a form and its inlines before it saves anything. ``lock``'s row
    stays locked until the caller's transaction ends, so the real save that follows meets the
    same record.
    """
    if lock is not None:
        lock_current(type(lock), lock.pk)
    try:
        with transaction.atomic():
            save()
            raise _Undo
    except _Undo:
        pass
