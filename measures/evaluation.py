"""The evaluation page of a community: what each measure did in a period, and the meetings held.

For the researcher's focus groups and the municipality's reports; printable on A4. Every
logged-in user may read it, like the community page. Its query count does not grow with the
number of measures, reports or meetings.
"""

from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.views.generic import TemplateView

from measures.periods import Period, PeriodForm
from measures.stats import (
    community_month_chart,
    report_totals,
    reports_in,
    with_partners_and_groups,
    with_report_totals,
)
from partnerships.models import Community, Meeting, Partner


class EvaluationPeriodForm(PeriodForm):
    # A month per row of the page's table: more than three years would not print on A4.
    max_months = 36


def evaluation_measures(community: Community, period: Period):
    """The community's measures with their totals in ``period``.

    Archived measures are included when they have reports in the period: their work happened.
    """
    measures = with_report_totals(community.measures.all(), period)
    return (
        with_partners_and_groups(measures)
        .filter(Q(is_archived=False) | Q(report_count__gt=0))
        .order_by("is_archived", "title", "pk")
    )


class CommunityEvaluationView(TemplateView):
    template_name = "measures/community_evaluation.html"

    @cached_property
    def community(self) -> Community:
        return get_object_or_404(Community, slug=self.kwargs["slug"])

    def get_context_data(self, **kwargs):
        community = self.community
        this_year = timezone.localdate().year
        first_year = min(community.partnership_since or this_year, this_year - 5)
        form = EvaluationPeriodForm(
            self.request.GET or None,
            years=range(this_year, first_year - 1, -1),
            default=Period.year(this_year),
        )
        # Bad input shows its error next to the field, and the default year meanwhile.
        period = form.period if form.is_valid() else form.default
        reports = reports_in(period).filter(measure__community=community)
        meetings = (
            Meeting.objects.for_community(community)
            .filter(date__range=(period.start, period.end))
            .prefetch_related(
                Prefetch("partners_present", queryset=Partner.objects.order_by("name"))
            )
            .order_by("date", "pk")
        )
        return super().get_context_data(
            community=community,
            form=form,
            period=period,
            measures=evaluation_measures(community, period),
            totals=report_totals(reports),
            chart=community_month_chart(
                community, period, id=f"community-{community.pk}-evaluation"
            ),
            meetings=meetings,
            export_query=export_query(community, period),
            **kwargs,
        )


def export_query(community: Community, period: Period) -> str:
    """The exports' query string for this page: the community, archived measures included,
    and the period."""
    return "?" + urlencode(
        {
            "community": community.slug,
            "archived": "include",
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
        }
    )
