from django.contrib import messages
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.generic import DetailView, FormView, ListView, TemplateView

from aktive.editing import SavesThroughService
from aktive.pagination import ElidedPaginationMixin
from measures.caching import cached, community_version
from measures.charts import community_month_chart, community_year_chart
from measures.forms import PeriodForm
from measures.models import Measure, Report
from measures.periods import Period, last_completed_period
from measures.permissions import can_create_measure
from measures.schedules import HolidayCalendar, planned_per_measure, slots_of
from partnerships.forms import MeetingForm
from partnerships.models import Community, CommunityPartner, Meeting, Partner
from partnerships.permissions import (
    can_edit_meeting,
    can_record_meeting,
    require,
)
from partnerships.services import meeting_create, meeting_delete, meeting_update
from partnerships.versioning import StaleDelete

MEASURES_PER_STATUS = 10
DELETED_MEETINGS_SHOWN = 20


class CommunityListView(ElidedPaginationMixin, ListView):
    template_name = "partnerships/community_list.html"
    paginate_by = 25

    def get_queryset(self):
        return Community.objects.annotate(
            partner_count=Count("memberships", distinct=True),
            active_measure_count=Count(
                "measures",
                filter=Q(measures__status=Measure.Status.ACTIVE, measures__is_archived=False),
                distinct=True,
            ),
        ).order_by("-is_active", "name")


class CommunityMixin:
    """Loads the community named by the URL's slug (404 if there is none)."""

    @cached_property
    def community(self) -> Community:
        return get_object_or_404(Community, slug=self.kwargs["slug"])

    def get_context_data(self, **kwargs):
        return super().get_context_data(community=self.community, **kwargs)

    def can_record_meeting(self) -> bool:
        return can_record_meeting(self.request.user, self.community)


class CommunityDetailView(CommunityMixin, DetailView):
    template_name = "partnerships/community_detail.html"
    context_object_name = "community"

    def get_object(self, queryset=None):
        return self.community

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        community = self.community
        measures = community.measures.not_archived()
        counts = dict(measures.order_by().values_list("status").annotate(Count("pk")))
        shown = list(measures.first_per_status(MEASURES_PER_STATUS).for_overview())
        active = Measure.Status.ACTIVE
        # Active first, then the rest in their usual order; each with at most a few measures
        # and a link to all of them in the measure list.
        order = sorted(Measure.Status.choices, key=lambda choice: choice[0] != active)
        context["measures_by_status"] = [
            {
                "label": label,
                "value": value,
                "count": counts[value],
                "measures": sorted(
                    (m for m in shown if m.status == value), key=lambda m: (m.title, m.pk)
                ),
            }
            for value, label in order
            if counts.get(value)
        ]
        year = timezone.localdate().year
        context["year"] = year
        context["active_count"] = counts.get(active, 0)
        context["participants_this_year"] = (
            Report.objects.of_community(community)
            .starting_in(Period.year(year))
            .totals()["participants_total"]
        )
        context["charts"] = [
            community_year_chart(community),
            community_month_chart(
                community, Period.last_months(), id=f"community-{community.pk}-months"
            ),
        ]
        context["partner_links"] = CommunityPartner.objects.filter(
            community=community
        ).select_related("partner")
        context["meetings"] = Meeting.objects.for_community(community).prefetch_related(
            "partners_present"
        )[:5]
        context.update(missing_reports_context(community))
        context["can_create_measure"] = can_create_measure(self.request.user, community)
        context["can_record_meeting"] = self.can_record_meeting()
        return context


class EvaluationPeriodForm(PeriodForm):
    # A month per row of the page's table: more than three years would not print on A4.
    max_months = 36


class CommunityEvaluationView(CommunityMixin, TemplateView):
    """What each measure of a community did in a period, and the meetings held.

    For the researcher's focus groups and the municipality's reports; printable on A4. Every
    logged-in user may read it, like the community page.
    """

    template_name = "partnerships/community_evaluation.html"

    def get_context_data(self, **kwargs):
        community = self.community
        this_year = timezone.localdate().year
        first_year = min(community.partnership_since or this_year, this_year - 5)
        form = EvaluationPeriodForm(
            self.request.GET or None,
            years=range(this_year, first_year - 1, -1),
            default=Period.year(this_year),
            initial={"year": this_year},  # the select says which year the page shows
        )
        # Bad input shows its error next to the field, and the default year meanwhile.
        period = form.period if form.is_valid() else form.default
        return super().get_context_data(
            form=form, period=period, body=self.body(form, period), **kwargs
        )

    def body(self, form, period: Period) -> str:
        """Everything below the period form: the same for every user, so it is kept in the
        cache under the community's data version, the period, the language and today's date
        (planned sessions and missing reports count up to today). A request with bad input
        is answered without the cache."""

        def build() -> str:
            return render_to_string(
                "partnerships/partials/evaluation_body.html",
                self.body_context(period),
                request=self.request,
            )

        if form.is_bound and not form.is_valid():
            return mark_safe(build())
        key = ":".join(
            [
                "evaluation",
                str(self.community.pk),
                community_version(self.community.pk),
                get_language(),
                timezone.localdate().isoformat(),
                period.start.isoformat(),
                period.end.isoformat(),
            ]
        )
        return mark_safe(cached(key, build))

    def body_context(self, period: Period) -> dict:
        community = self.community
        meetings = (
            Meeting.objects.for_community(community)
            .filter(date__range=(period.start, period.end))
            .prefetch_related(
                Prefetch("partners_present", queryset=Partner.objects.order_by("name"))
            )
            .order_by("date", "pk")
        )
        measures = list(community.measures.for_evaluation(period))
        for measure in measures:
            if measure.status_then is None:  # entered after the period, started before it
                ended = measure.ended_on and measure.ended_on <= period.end
                measure.status_then = Measure.Status.ENDED if ended else Measure.Status.ACTIVE
        totals = Report.objects.of_community(community).starting_in(period).totals()
        # Planned sessions beside the reported ones, so that a missing report shows; only of
        # the measures that existed in the period (the schedules keep to each one's season,
        # start and end: measures/schedules.py).
        planned = planned_per_measure(
            slots_of(community.measures.existed_in(period)),
            period,
            HolidayCalendar.for_community(community),
            until=timezone.localdate(),
        )
        for measure in measures:
            measure.planned_total = planned.get(measure.pk)
        totals["planned_total"] = sum(planned.values())
        return {
            "community": community,
            "period": period,
            "measures": measures,
            "totals": totals,
            "chart": community_month_chart(
                community, period, id=f"community-{community.pk}-evaluation"
            ),
            "meetings": meetings,
            "export_query": export_query(community, period),
            **missing_reports_context(community),
        }


def missing_reports_context(community: Community) -> dict:
    """The community's measures missing a report for its last completed reporting period."""
    today = timezone.localdate()
    return {
        "reporting_period": last_completed_period(community.reporting_frequency, today),
        "missing_reports": list(community.measures.missing_report(today)),
    }


def export_query(community: Community, period: Period) -> str:
    """The exports' query string for the evaluation page: the community, archived measures
    included, and the period."""
    return "?" + urlencode(
        {
            "community": community.slug,
            "archived": "include",
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
        }
    )


class MeetingListView(CommunityMixin, ElidedPaginationMixin, ListView):
    template_name = "partnerships/meeting_list.html"
    paginate_by = 20

    def get_queryset(self):
        return Meeting.objects.for_community(self.community).prefetch_related(
            Prefetch("partners_present", queryset=Partner.objects.order_by("name"))
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            can_record_meeting=self.can_record_meeting(),
            deleted_meetings=list(
                Meeting.history.filter(community=self.community, history_type="-")
                .select_related("history_user")
                .order_by("-history_date", "-history_id")[:DELETED_MEETINGS_SHOWN]
            ),
            **kwargs,
        )


class MeetingDetailView(CommunityMixin, DetailView):
    template_name = "partnerships/meeting_detail.html"
    context_object_name = "meeting"

    def get_queryset(self):
        return Meeting.objects.for_community(self.community).select_related("created_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_edit"] = can_edit_meeting(self.request.user, self.object)
        return context


class MeetingCreateView(CommunityMixin, SavesThroughService, FormView):
    form_class = MeetingForm
    template_name = "partnerships/meeting_form.html"
    success_message = gettext_lazy("The meeting is recorded.")

    def dispatch(self, request, *args, **kwargs):
        require(self.can_record_meeting(), "may not record meetings in this community")
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "community": self.community}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            page_title=_("Record a meeting in %s") % self.community.name,
            cancel_url=self.community.get_absolute_url(),
            **kwargs,
        )

    def save(self, form):
        return meeting_create(
            community=self.community,
            user=self.request.user,
            data=form.meeting_data(),
            partners_present=form.cleaned_data["partners_present"],
        )


class MeetingUpdateView(CommunityMixin, SavesThroughService, FormView):
    form_class = MeetingForm
    template_name = "partnerships/meeting_form.html"
    success_message = gettext_lazy("The meeting is saved.")

    @cached_property
    def meeting(self) -> Meeting:
        return get_object_or_404(
            Meeting.objects.for_community(self.community), pk=self.kwargs["pk"]
        )

    def dispatch(self, request, *args, **kwargs):
        require(can_edit_meeting(request.user, self.meeting), "may not edit this meeting")
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "community": self.community, "instance": self.meeting}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            meeting=self.meeting,
            page_title=_("Edit meeting"),
            cancel_url=self.meeting.get_absolute_url(),
            **kwargs,
        )

    def save(self, form):
        return meeting_update(
            meeting=self.meeting,
            user=self.request.user,
            data=form.meeting_data(),
            partners_present=form.cleaned_data["partners_present"],
            **form.version_kwargs(),
        )


class MeetingDeleteView(CommunityMixin, TemplateView):
    """Confirm, then delete a meeting (e.g. one recorded twice). The history keeps it."""

    template_name = "partnerships/meeting_delete.html"

    @cached_property
    def meeting(self) -> Meeting:
        return get_object_or_404(
            Meeting.objects.for_community(self.community).prefetch_related("partners_present"),
            pk=self.kwargs["pk"],
        )

    def dispatch(self, request, *args, **kwargs):
        try:
            self.meeting  # noqa: B018 (loaded first, so that a deleted one is recognised)
        except Http404:
            # Deleted already (a double submit, or by someone else): to the list, which says so.
            deleted = Meeting.history.filter(
                id=self.kwargs["pk"], community=self.community, history_type="-"
            )
            if not deleted.exists():
                raise
            meeting_list = reverse(
                "partnerships:meeting_list", kwargs={"slug": self.community.slug}
            )
            return HttpResponseRedirect(meeting_list + "#deleted")
        require(can_edit_meeting(request.user, self.meeting), "may not delete this meeting")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(meeting=self.meeting, **kwargs)

    def post(self, request, *args, **kwargs):
        try:
            version = int(request.POST.get("version", ""))
        except ValueError:
            return HttpResponseBadRequest(_("The form is incomplete. Open the page again."))
        try:
            meeting_delete(meeting=self.meeting, user=request.user, version=version)
        except StaleDelete:
            del self.meeting  # read it again, as it is now
            return self.render_to_response(self.get_context_data(changed=True), status=409)
        messages.success(request, _("The meeting “%s” is deleted.") % self.meeting.title)
        return HttpResponseRedirect(
            reverse("partnerships:meeting_list", kwargs={"slug": self.community.slug})
        )
