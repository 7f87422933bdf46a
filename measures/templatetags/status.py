"""A measure's status badge: ``{% load status %}{% measure_status measure %}``.

Markup in Python rather than a template because it was measured (issue 12; ``generate_data``
50 × 200 × 20 on PostgreSQL, the 2-core development machine): ``evaluation_row`` puts the badge
in each of the evaluation table's rows, 198 for the largest community in 2025, and the badge
as a template rendered per row took that table from 29.5 to 34.5 ms of CPU (median of 100
renders) and the page from 79 to 86 ms. An inclusion tag on the dashboard (12 rows), the
measure list (20) or a measure's page cost under 1 ms, below what the pages' timing can tell.
"""

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from measures.models import Measure

register = template.Library()


@register.simple_tag
def measure_status(measure, *, status: str | None = None, archived: bool | None = None) -> str:
    """The status (and archived state) as text with a colour, never colour alone.

    ``status`` and ``archived`` show another moment's (the evaluation page's period end)."""
    if status is None:
        status, label = measure.status, measure.get_status_display()
    else:
        label = Measure.Status(status).label
    badge = format_html('<span class="status status-{}">{}</span>', status, label)
    if measure.is_archived if archived is None else archived:
        badge += format_html(' <span class="status status-archived">{}</span>', _("Archived"))
    return mark_safe(badge)
