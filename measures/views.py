import datetime
import hashlib

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.generic import DetailView, FormView, TemplateView
from django.views.generic.base import ContextMixin
from django_filters.views import FilterView

from aktive.editing import SavesThroughService
from aktive.pagination import ElidedPaginationMixin, page_or_404
from measures.caching import cached, measures_version
from measures.charts import measure_chart
from measures.filters import MeasureFilter
from measures.forms import MeasureForm, PhotoForm, ReportForm
from measures.history import changes, deleted_report, deleted_reports, measure_history
from measures.models import Measure, Report
from measures.periods import Period, add_months, last_completed_period
from measures.permissions import (
    can_create_measure,
    can_edit_measure,
    communities_for_new_measure,
)
from measures.schedules import HolidayCalendar, planned_vs_reported, slots_of
from measures.services import (
    measure_create,
    measure_set_archived,
    measure_set_photo,
    measure_update,
    report_create,
    report_delete,
    report_update,
)
from partnerships.models import Community
from partnerships.permissions import require
from partnerships.versioning import StaleDelete

REPORTS_PER_PAGE = 10
# Messages about reports are shown in the measure page's reports section, where the page opens.
REPORTS_SECTION = "reports"
CHANGES_PER_PAGE = 20
DELETED_REPORTS_SHOWN = 50


class MeasureEditMixin:
    """Loads the measure named in the URL and refuses (403) anyone who may not edit it.

    Every logged-in user may read every measure, so a refusal is a 403, never a 404.
    """

    def dispatch(self, request, *args, **kwargs):
        self.measure = self.get_measure()
        require(can_edit_measure(request.user, self.measure), "may not edit this measure")
        return super().dispatch(request, *args, **kwargs)

    def get_measure(self) -> Measure:
        return get_object_or_404(Measure.objects.for_detail(), pk=self.kwargs["pk"])

    page_title = ""

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            measure=self.measure,
            page_title=self.page_title % {"title": self.measure.title} if self.page_title else "",
            cancel_url=self.measure.get_absolute_url(),
            **kwargs,
        )


class MeasureListView(ElidedPaginationMixin, FilterView):
    filterset_class = MeasureFilter
    paginate_by = 20
    template_name = "measures/measure_list.html"

    def get_queryset(self):
        return Measure.objects.for_list().order_by("title", "pk")

    def get_context_data(self, **kwargs):
        """The results (count, cards, pages) are the same for every user: they are kept in the
        cache under the measures' data version, the language and the query string (its links
        carry it), so a list asked for again costs no query until a measure changes."""
        query = self.request.META.get("QUERY_STRING", "")
        key = (
            "measure-list:"
            + hashlib.sha256(
                "|".join([measures_version(), get_language(), query]).encode()
            ).hexdigest()
        )
        context = None

        def build() -> str:
            nonlocal context
            context = super(MeasureListView, self).get_context_data(**kwargs)  # reads the page
            return render_to_string(
                "measures/partials/measure_results.html", context, request=self.request
            )

        results = cached(key, build)
        if context is None:
            context = ContextMixin.get_context_data(self, **kwargs)
        context["results"] = mark_safe(results)
        context["new_measure_communities"] = list(
            communities_for_new_measure(self.request.user)[:2]
        )
        return context


class MeasureDetailView(DetailView):
    template_name = "measures/measure_detail.html"
    context_object_name = "measure"

    def get_queryset(self):
        return Measure.objects.for_detail()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        reports = Report.objects.filter(measure=self.object).select_related("reported_by")
        page = page_or_404(Paginator(reports, REPORTS_PER_PAGE), self.request.GET.get("page"))
        context["reports_page"] = page
        context["reports_page_range"] = page.paginator.get_elided_page_range(page.number)
        context["can_edit"] = can_edit_measure(self.request.user, self.object)
        period = Period.last_months()
        months = Report.objects.filter(measure=self.object).monthly(period)
        context["chart"] = measure_chart(self.object, period, months)
        context["slots"] = slots = slots_of([self.object])
        if slots:  # the planned sessions, beside the reported ones: measures/schedules.py
            context["planned"] = planned_vs_reported(
                self.object,
                slots,
                months,
                period,
                HolidayCalendar.for_community(self.object.community),
                today=timezone.localdate(),
            )
        return context


class MeasureCreateView(SavesThroughService, FormView):
    """``/measures/new/?community=<slug>``; without a community, a choice of communities."""

    form_class = MeasureForm
    template_name = "measures/measure_form.html"
    success_message = gettext_lazy("The measure “%(title)s” is created.")

    def dispatch(self, request, *args, **kwargs):
        slug = request.GET.get("community")
        self.community = None
        if slug:
            self.community = get_object_or_404(Community, slug=slug)
            require(
                can_create_measure(request.user, self.community),
                "not a partner in this community",
            )
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        if self.community is None:
            communities = list(communities_for_new_measure(request.user))
            if len(communities) == 1:
                url = reverse("measures:create")
                return redirect(f"{url}?community={communities[0].slug}")
            require(bool(communities), "not a partner in any community")
            return self.render_to_response({"communities": communities})
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if self.community is None:
            raise Http404
        return super().post(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "community": self.community, "user": self.request.user}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            community=self.community,
            page_title=_("New measure in %s") % self.community.name,
            cancel_url=self.community.get_absolute_url(),
            **kwargs,
        )

    def save(self, form):
        return measure_create(
            community=self.community, user=self.request.user, **form.edit_arguments()
        )


class MeasureUpdateView(MeasureEditMixin, SavesThroughService, FormView):
    page_title = gettext_lazy("Edit “%(title)s”")
    form_class = MeasureForm
    template_name = "measures/measure_form.html"
    success_message = gettext_lazy("Your changes to “%(title)s” are saved.")

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "instance": self.measure,
            "community": self.measure.community,
        }

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            history_url=reverse("measures:history", kwargs={"pk": self.measure.pk}), **kwargs
        )

    def save(self, form):
        return measure_update(
            measure=self.measure,
            user=self.request.user,
            **form.edit_arguments(),
            **form.version_kwargs(),
        )


ARCHIVE, RESTORE = "archive", "restore"


class MeasureArchiveView(MeasureEditMixin, TemplateView):
    """Confirm, then archive a measure or restore it. Nothing is deleted.

    The form posts what the user asked for, so a double submit, or two people pressing
    "archive" at once, leaves the measure archived rather than toggling it back.
    """

    template_name = "measures/measure_archive.html"

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action")
        if action not in (ARCHIVE, RESTORE):
            return HttpResponseBadRequest(_("Choose whether to archive or restore the measure."))
        measure_set_archived(measure=self.measure, user=request.user, archived=action == ARCHIVE)
        if action == ARCHIVE:
            messages.success(request, _("“%s” is archived.") % self.measure.title)
        else:
            messages.success(request, _("“%s” is restored.") % self.measure.title)
        return HttpResponseRedirect(self.measure.get_absolute_url())


class MeasureHistoryView(DetailView):
    """Every saved change of a measure: who, when, and each field before and after."""

    template_name = "measures/measure_history.html"
    context_object_name = "measure"

    def get_queryset(self):
        return Measure.objects.select_related("community")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        records = measure_history(self.object)
        page = page_or_404(Paginator(records, CHANGES_PER_PAGE), self.request.GET.get("page"))
        # One row more than the page shows: the change before the page's oldest one, to compare.
        start = page.start_index() - 1 if page.paginator.count else 0
        rows = list(records[start : page.end_index() + 1])
        shown, older = rows[:CHANGES_PER_PAGE], rows[CHANGES_PER_PAGE:]
        context["changes"] = changes(shown, older[0] if older else None)
        context["page_obj"] = page
        context["page_range"] = page.paginator.get_elided_page_range(page.number)
        context["can_edit"] = can_edit_measure(self.request.user, self.object)
        context["deleted_reports"] = list(deleted_reports(self.object)[:DELETED_REPORTS_SHOWN])
        return context


class MeasurePhotoView(MeasureEditMixin, FormView):
    """The photo has its own form, so a conflict on the text never throws away a chosen file."""

    page_title = gettext_lazy("Photo for “%(title)s”")
    form_class = PhotoForm
    template_name = "measures/measure_photo.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "measure": self.measure}

    def get_initial(self):
        return {"image_alt": self.measure.image_alt, "image_consent": self.measure.image_consent}

    def get_context_data(self, **kwargs):
        return super().get_context_data(submit_label=_("Save photo"), **kwargs)

    def form_valid(self, form):
        remove = form.cleaned_data.get("remove", False)
        measure_set_photo(
            measure=self.measure,
            user=self.request.user,
            photo=form.photo,
            remove=remove,
            alt=form.cleaned_data["image_alt"].strip(),
            consent=form.cleaned_data["image_consent"],
        )
        if remove:
            messages.success(self.request, _("The photo is removed."))
        else:
            messages.success(self.request, _("The photo is saved."))
        return HttpResponseRedirect(self.measure.get_absolute_url())


class ReportCreateView(MeasureEditMixin, SavesThroughService, FormView):
    page_title = gettext_lazy("Log a report for “%(title)s”")
    form_class = ReportForm
    template_name = "measures/report_form.html"
    success_message = gettext_lazy("The report is saved.")
    success_message_tags = REPORTS_SECTION

    @cached_property
    def period(self) -> Period:
        """The period the form starts with: ``?month=2026-03`` (the link in a reminder), else
        the community's last completed reporting period (last month, by default)."""
        try:
            month = datetime.datetime.strptime(self.request.GET.get("month", ""), "%Y-%m").date()
        except ValueError:
            frequency = self.measure.community.reporting_frequency
            return last_completed_period(frequency, timezone.localdate())
        return month_period(month)

    def get_initial(self):
        return {"period_start": self.period.start, "period_end": self.period.end}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "measure": self.measure}

    def get_context_data(self, **kwargs):
        this_month = timezone.localdate().replace(day=1)
        choices = [
            (_("Last month"), month_period(add_months(this_month, -1))),
            (_("This month"), month_period(this_month)),
        ]
        return super().get_context_data(
            period_choices=[
                {"label": label, "period": period, "month": period.start}
                for label, period in choices
            ],
            initial_period=self.period,
            **kwargs,
        )

    def get_success_url(self, saved) -> str:
        return self.measure.get_absolute_url() + "#reports"

    def save(self, form):
        return report_create(measure=self.measure, user=self.request.user, data=form.report_data())


def month_period(first_day: datetime.date) -> Period:
    return Period(first_day, add_months(first_day, 1) - datetime.timedelta(days=1))


class ReportMixin(MeasureEditMixin):
    """A report named in the URL; those who may edit its measure may change it."""

    @cached_property
    def report(self) -> Report:
        return get_object_or_404(Report.objects.select_related("reported_by"), pk=self.kwargs["pk"])

    def get_measure(self) -> Measure:
        return get_object_or_404(Measure.objects.for_detail(), pk=self.report.measure_id)

    def get_context_data(self, **kwargs):
        return super().get_context_data(report=self.report, **kwargs)


class ReportUpdateView(ReportMixin, SavesThroughService, FormView):
    page_title = gettext_lazy("Correct a report for “%(title)s”")
    form_class = ReportForm
    template_name = "measures/report_form.html"
    success_message = gettext_lazy("The report is corrected.")
    success_message_tags = REPORTS_SECTION

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "measure": self.measure, "instance": self.report}

    def get_success_url(self, saved) -> str:
        return self.measure.get_absolute_url() + "#reports"

    def save(self, form):
        return report_update(
            report=self.report,
            user=self.request.user,
            data=form.report_data(),
            **form.version_kwargs(),
        )


class ReportDeleteView(ReportMixin, TemplateView):
    """Confirm, then delete a report (e.g. one logged twice). The history keeps it."""

    page_title = gettext_lazy("Delete a report for “%(title)s”")
    template_name = "measures/report_delete.html"

    def dispatch(self, request, *args, **kwargs):
        try:
            return super().dispatch(request, *args, **kwargs)
        except Http404:
            # Deleted already (a double submit, or by someone else): back to its measure.
            deleted = deleted_report(self.kwargs["pk"])
            if deleted is None:
                raise
            url = reverse("measures:detail", kwargs={"pk": deleted.measure_id})
            return HttpResponseRedirect(url + "#reports")

    def post(self, request, *args, **kwargs):
        try:
            version = int(request.POST.get("version", ""))
        except ValueError:
            return HttpResponseBadRequest(_("The form is incomplete. Open the page again."))
        try:
            report_delete(report=self.report, user=request.user, version=version)
        except StaleDelete:
            del self.report  # read it again, as it is now
            context = self.get_context_data(changed=True)
            return self.render_to_response(context, status=409)
        messages.success(request, _("The report is deleted."), extra_tags=REPORTS_SECTION)
        return HttpResponseRedirect(self.measure.get_absolute_url() + "#reports")
