"""A measure's status badge: ``{% load status %}{% measure_status measure %}``.

A tag rather than an included template: lists show it once per row (the dashboard, hundreds of
rows), and an include per row cost more than the rest of the row.
"""

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag
def measure_status(measure) -> str:
    """The status (and archived state) as text with a colour, never colour alone."""
    badge = format_html(
        '<span class="status status-{}">{}</span>', measure.status, measure.get_status_display()
    )
    if measure.is_archived:
        badge += format_html(' <span class="status status-archived">{}</span>', _("Archived"))
    return mark_safe(badge)
