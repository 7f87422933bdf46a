"""A measure's schedule: its time slots and their cancelled or added days, edited by those who
may edit the measure (``MeasureEditMixin``), through ``measures.services``."""

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, View

from aktive.editing import SavesThroughService, add_service_error
from measures.models import ScheduleChange, TimeSlot
from measures.public import measure_url
from measures.schedule_forms import ScheduleChangeForm, SlotForm
from measures.schedules import HolidayCalendar, sessions, slots_of
from measures.services import (
    schedule_change_create,
    schedule_change_delete,
    timeslot_create,
    timeslot_delete,
    timeslot_update,
)
from measures.views import MeasureEditMixin

# The schedule page lists the sessions of the coming weeks, so the editor sees the result.
WEEKS_SHOWN = 6


def schedule_url(measure) -> str:
    return reverse("measures:schedule", kwargs={"pk": measure.pk})


class ScheduleView(MeasureEditMixin, FormView):
    """/measures/<pk>/schedule/: the slots, their changed days, the coming sessions; and the
    form to cancel or add a day (it posts here)."""

    page_title = gettext_lazy("Times for “%(title)s”")
    template_name = "measures/measure_schedule.html"
    form_class = ScheduleChangeForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "measure": self.measure}

    def get_context_data(self, **kwargs):
        slots = slots_of([self.measure])
        calendar = HolidayCalendar.for_community(self.measure.community)
        today = timezone.localdate()
        coming = sessions(
            slots,
            today,
            today + datetime.timedelta(weeks=WEEKS_SHOWN),
            calendar,
            with_cancelled=True,
        )
        return super().get_context_data(
            slots=slots,
            coming=coming,
            weeks_shown=WEEKS_SHOWN,
            public_url=measure_url(self.measure) if self.measure.is_shown_publicly else "",
            **kwargs,
        )

    def form_valid(self, form):
        try:
            change = schedule_change_create(
                slot=form.cleaned_data["slot"], user=self.request.user, data=form.change_data()
            )
        except ValidationError as error:
            add_service_error(form, error)
            return self.form_invalid(form)
        if change.kind == ScheduleChange.Kind.CANCELLED:
            message = _("%(date)s is cancelled.")
        else:
            message = _("%(date)s is added.")
        messages.success(
            self.request, message % {"date": date_format(change.date, "SHORT_DATE_FORMAT")}
        )
        return HttpResponseRedirect(schedule_url(self.measure))


class SlotMixin(MeasureEditMixin):
    @cached_property
    def slot(self) -> TimeSlot:
        return get_object_or_404(TimeSlot, pk=self.kwargs["slot"], measure_id=self.kwargs["pk"])

    def get_success_url(self, saved) -> str:
        return schedule_url(self.measure)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "measure": self.measure}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["cancel_url"] = schedule_url(self.measure)  # back to the times, not the measure
        return context


class SlotFormView(SlotMixin, SavesThroughService, FormView):
    template_name = "measures/slot_form.html"
    form_class = SlotForm
    success_message = gettext_lazy("The time is saved: %(title)s.")


class SlotCreateView(SlotFormView):
    page_title = gettext_lazy("New time for “%(title)s”")

    def get_initial(self):
        return {"season_start": timezone.localdate()}

    def save(self, form):
        return timeslot_create(measure=self.measure, user=self.request.user, data=form.slot_data())


class SlotUpdateView(SlotFormView):
    page_title = gettext_lazy("Change a time for “%(title)s”")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.slot}

    def save(self, form):
        return timeslot_update(
            slot=self.slot, user=self.request.user, data=form.slot_data(), **form.version_kwargs()
        )


class SlotDeleteView(SlotMixin, View):
    """POST: remove a time slot (with its changed days; the history keeps them)."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        timeslot_delete(slot=self.slot, user=request.user)
        messages.success(request, _("The time is removed."))
        return HttpResponseRedirect(schedule_url(self.measure))


class ScheduleChangeDeleteView(MeasureEditMixin, View):
    """POST: undo a cancelled or added day."""

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        change = get_object_or_404(
            ScheduleChange, pk=self.kwargs["change"], slot__measure_id=self.kwargs["pk"]
        )
        schedule_change_delete(change=change, user=request.user)
        messages.success(
            request,
            _("The change of %(date)s is undone.")
            % {"date": date_format(change.date, "SHORT_DATE_FORMAT")},
        )
        return HttpResponseRedirect(schedule_url(self.measure))
