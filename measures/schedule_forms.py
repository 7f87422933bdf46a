"""Forms for a measure's time slots and their cancelled or added days."""

from crispy_forms.bootstrap import InlineCheckboxes
from crispy_forms.layout import Fieldset
from django import forms
from django.utils.translation import gettext_lazy as _

from aktive.editing import VersionedForm, crispy_helper, two_columns
from measures.models import ScheduleChange, TimeSlot
from measures.services import SLOT_FIELDS

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME_WIDGET = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class SlotForm(VersionedForm, forms.ModelForm):
    """One time slot: weekdays, times, place, season, and whether it follows the school year."""

    class Meta:
        model = TimeSlot
        fields = list(SLOT_FIELDS)
        widgets = {
            "starts_at": TIME_WIDGET,
            "ends_at": TIME_WIDGET,
            "season_start": DATE_WIDGET,
            "season_end": DATE_WIDGET,
        }

    def __init__(self, *args, measure, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.measure = measure
        self.fields["venue"].widget.attrs["placeholder"] = measure.venue
        self.helper = crispy_helper(
            InlineCheckboxes("weekdays"),
            two_columns("starts_at", "ends_at"),
            "venue",
            Fieldset(_("Season"), two_columns("season_start", "season_end")),
            "pauses_in_school_holidays",
            "version",
            "seen_version",
        )

    def show_theirs(self, conflict) -> None:
        super().show_theirs(conflict)
        if "weekdays" in conflict.theirs_kept:
            self.data.setlist("weekdays", [str(day) for day in conflict.theirs_kept["weekdays"]])

    def slot_data(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in SLOT_FIELDS}


class ScheduleChangeForm(forms.ModelForm):
    """Cancel one day of a slot, or add one."""

    class Meta:
        model = ScheduleChange
        fields = ["slot", "kind", "date", "note"]
        widgets = {"date": DATE_WIDGET, "kind": forms.RadioSelect}

    def __init__(self, *args, measure, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slot"].queryset = TimeSlot.objects.filter(measure=measure).select_related(
            "measure"
        )
        self.fields["slot"].empty_label = None
        self.fields["kind"].choices = ScheduleChange.Kind.choices
        self.fields["kind"].initial = ScheduleChange.Kind.CANCELLED
        self.helper = crispy_helper("slot", "kind", "date", "note")

    def change_data(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in ("kind", "date", "note")}
