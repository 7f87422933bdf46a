"""A measure's times in words, for the partners' pages."""

from django import template

from measures import schedules

register = template.Library()


@register.filter
def weekdays_text(slot) -> str:
    """The slot's weekdays in words: “tirsdag og onsdag”."""
    return schedules.weekdays_text(slot.weekdays)
