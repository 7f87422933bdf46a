"""Participation charts for pages outside this app's views (the community page lives in
``partnerships``, which may not import ``measures``). Each tag runs a fixed number of queries."""

from django import template

from measures.periods import Period
from measures.stats import community_month_chart, community_year_chart, measure_chart

register = template.Library()


@register.inclusion_tag("measures/partials/participation_chart.html")
def measure_participation(measure):
    """Participants and volunteers per month of one measure, the last twelve months."""
    return {"chart": measure_chart(measure)}


@register.inclusion_tag("measures/partials/community_participation.html")
def community_participation(community):
    """Participants per measure per year, and per month over the last twelve months."""
    return {
        "community": community,
        "charts": [
            community_year_chart(community),
            community_month_chart(
                community, Period.last_months(), id=f"community-{community.pk}-months"
            ),
        ],
    }
