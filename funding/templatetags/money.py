"""Money on the pages: ``{{ amount|kr }}`` and the funding panels the measure, community and
evaluation pages include (``{% load money %}``), so those apps' views need not know of grants."""

from django import template

from funding.figures import (
    funding_chart,
    goal_progress,
    measure_funding,
    period_funding,
)
from funding.models import ContextFigure, Goal
from funding.money import format_kroner
from funding.permissions import can_create_grant, visible_grants

register = template.Library()


@register.filter
def kr(ore):
    """Øre as "kr 100 000,00"."""
    return format_kroner(ore)


@register.inclusion_tag("funding/partials/measure_funding.html", takes_context=True)
def measure_funding_panel(context, measure):
    user = context["request"].user
    grants = list(
        visible_grants(user)
        .filter(measure_links__measure=measure)
        .prefetch_related("measure_links")
        .order_by("-period_start", "pk")
    )
    rows = measure_funding(grants, measure.pk)
    return {
        "measure": measure,
        "rows": rows,
        "awarded": sum(row["part"] or 0 for row in rows if row["grant"].is_awarded),
        "can_create": can_create_grant(user, measure.community),
    }


@register.inclusion_tag("funding/partials/community_funding.html", takes_context=True)
def community_funding_panel(context, community):
    user = context["request"].user
    return {
        "community": community,
        "chart": funding_chart(community, id=f"community-{community.pk}-funding"),
        "can_create": can_create_grant(user, community),
    }


@register.inclusion_tag("funding/partials/evaluation_funding.html", takes_context=True)
def evaluation_funding_panel(context, community, period, participants):
    goals = list(Goal.objects.filter(community=community).select_related("measure"))
    return {
        "community": community,
        "period": period,
        "funding": period_funding(community, period, participants),
        "chart": funding_chart(
            community,
            id=f"community-{community.pk}-evaluation-funding",
            years=range(period.start.year, period.end.year + 1),
        ),
        "progress": goal_progress(goals, community, period),
        "figures": list(ContextFigure.objects.filter(community=community)),
    }
