"""What the measures' services announce, for apps that build on measures (e-mail notifications).

The services send ``measure_changed`` inside their transaction, after the change and its history
row are written, so a receiver's writes commit or roll back with the change itself (an admin
trial run, ``check_save``, undoes them too). ``measures`` never knows who listens.
"""

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

from django.dispatch import Signal

# Sent with ``measure`` (the Measure), ``user`` (who changed it, or None) and ``report`` (the
# Report when a report was logged or corrected, else None).
measure_changed = Signal()

_quiet: ContextVar[bool] = ContextVar("measures_quiet", default=False)


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Changes written inside are not announced: demo data and bulk loads tell no one."""
    token = _quiet.set(True)
    try:
        yield
    finally:
        _quiet.reset(token)


def announce(*, measure, user, report=None) -> None:
    if not _quiet.get():
        measure_changed.send(sender=type(measure), measure=measure, user=user, report=report)
