"""Grants, goals and context figures are on a community's evaluation page, which is kept in the
shared cache under the community's data version (``measures/caching.py``): any write to them
replaces that version, as a write to a report does."""

from django.db.models.signals import post_delete, post_save

from funding.models import ContextFigure, Goal, Grant, GrantMeasure
from measures.caching import community_row_changed, measure_row_changed


def connect() -> None:
    receivers = [
        (Grant, community_row_changed),
        (Goal, community_row_changed),
        (ContextFigure, community_row_changed),
        (GrantMeasure, measure_row_changed),  # a measure funded, by its community
    ]
    for model, receiver in receivers:
        for signal in (post_save, post_delete):
            signal.connect(
                receiver, sender=model, dispatch_uid=f"caching.{model._meta.label}.{signal}"
            )
