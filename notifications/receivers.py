"""Hooked to ``measures.signals.measure_changed`` in ``NotificationsConfig.ready()``."""

from notifications.services import changes_record


def record_change(sender, *, measure, user, report=None, **kwargs) -> None:
    """Write who is to be told of the change, in the change's own transaction."""
    changes_record(measure=measure, actor=user, report=report)
