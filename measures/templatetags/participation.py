"""The evaluation page's table rows (see ``evaluation_row``). No queries."""

from django import template
from django.conf import settings
from django.template.defaultfilters import floatformat
from django.utils.formats import date_format, get_format, localize
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from measures.templatetags.status import measure_status

register = template.Library()


def _integer_format():
    """Format integers as ``localize`` does, without its per-call lookups."""
    grouping = get_format("NUMBER_GROUPING")
    if not settings.USE_THOUSAND_SEPARATOR or grouping != 3:
        return lambda value: conditional_escape(localize(value))
    separator = conditional_escape(get_format("THOUSAND_SEPARATOR"))
    return lambda value: f"{value:,}".replace(",", separator)


def planned_cell(measure, integer) -> str:
    """The sessions the measure's times planned (–: it has none), and how many reports lack."""
    planned = getattr(measure, "planned_total", None)
    if planned is None:
        return "–"
    missing = planned - measure.sessions_total
    if missing <= 0:
        return mark_safe(integer(planned))
    return format_html(
        '{}<span class="d-block small missing-report">{}</span>',
        mark_safe(integer(planned)),
        _("%(count)s not reported") % {"count": integer(missing)},
    )


@register.simple_tag
def evaluation_row(measure) -> str:
    """One measure's row of the evaluation page's table (its header is in the template).

    Built here rather than in the template because it was measured (issue 12; ``generate_data``
    50 × 200 × 20 on PostgreSQL, the 2-core development machine): on the evaluation page of the
    largest community in 2025 (198 rows), the same row as template nodes took the table from 28
    to 41 ms of CPU (best of 100 renders) and the page from 79 to 95 ms (median of 60 requests).
    """
    integer = _integer_format()
    lead = _("lead")
    partners = format_html_join(
        ", ",
        "{}{}",
        (
            (link.partner.name, f" ({lead})" if link.partner_id == measure.lead_partner_id else "")
            for link in measure.partner_list
        ),
    )
    groups = format_html_join(", ", "{}", ((group.name,) for group in measure.target_group_list))
    girls = measure.girls_total

    def day(value) -> str:
        return date_format(value, "SHORT_DATE_FORMAT") if value else "–"

    return format_html(
        '<tr><th scope="row"><a href="{}">{}</a>'
        '<span class="d-block small muted">{} {}</span>'
        '<span class="d-block small muted">{} {}</span></th>'
        "<td>{}</td>"
        '<td class="num">{}</td><td class="num">{}</td><td class="num">{}</td>'
        '<td class="num">{}</td><td class="num">{}</td><td class="num">{}</td>'
        "<td>{}</td><td>{}</td></tr>",
        measure.get_absolute_url(),
        measure.title,
        _("Partners:"),
        partners,
        _("Target groups:"),
        groups or "–",
        measure_status(
            measure,
            status=getattr(measure, "status_then", None),
            archived=getattr(measure, "archived_then", None),
        ),
        mark_safe(integer(measure.report_count)),
        planned_cell(measure, integer),
        mark_safe(integer(measure.sessions_total)),
        mark_safe(integer(measure.participants_total)),
        "–" if girls is None else mark_safe(integer(girls)),
        floatformat(measure.volunteer_hours_total, "-1"),
        day(measure.first_activity),
        day(measure.last_activity),
    )
