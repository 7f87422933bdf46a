"""Small pieces of markup every page writes the same way: ``{% load markup %}``.

- ``{% scroll_region "id-of-its-name" %}<table>…</table>{% endscroll_region %}``: a table that
  may scroll sideways on a phone, in a box the keyboard can reach (``tabindex="0"``) and that
  assistive technology announces by name (``role="region"``, ``aria-labelledby`` the table's
  caption or heading). The id may be given in parts, which are joined:
  ``{% scroll_region "change-" record.history_id "-title" %}``.
- ``{{ when|iso_datetime }}``: a ``<time datetime>`` value HTML accepts: ISO 8601 in the current
  time zone, whole seconds (``|date:"c"`` adds microseconds, which HTML does not allow).
"""

import datetime

from django import template
from django.utils import timezone
from django.utils.html import format_html

register = template.Library()


class ScrollRegionNode(template.Node):
    def __init__(self, label_id_parts, nodelist):
        self.label_id_parts = label_id_parts
        self.nodelist = nodelist

    def render(self, context):
        label_id = "".join(str(part.resolve(context)) for part in self.label_id_parts)
        return format_html(
            '<div class="table-responsive" tabindex="0" role="region" aria-labelledby="{}">'
            "{}</div>",
            label_id,
            self.nodelist.render(context),
        )


@register.tag
def scroll_region(parser, token):
    name, *parts = token.split_contents()
    if not parts:
        raise template.TemplateSyntaxError(f"{name} needs the id of the element that names it")
    nodelist = parser.parse(("endscroll_region",))
    parser.delete_first_token()
    return ScrollRegionNode([parser.compile_filter(part) for part in parts], nodelist)


@register.filter
def iso_datetime(value) -> str:
    if not isinstance(value, datetime.datetime):
        return ""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.replace(microsecond=0).isoformat()
