"""Time slots and their cancelled or added days in admin: an inline on the measure, and a slot's
own page with its changed days. Saved through ``measures.services``, checked by a trial run of
the same calls while the forms validate, as the rest of admin is (``ServiceAdmin``)."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from measures.models import ScheduleChange, TimeSlot
from measures.services import (
    SLOT_FIELDS,
    schedule_change_create,
    schedule_change_delete,
    timeslot_create,
    timeslot_delete,
    timeslot_update,
)
from partnerships.admin import (
    RemovesThroughService,
    ServiceAdmin,
    VersionedAdminForm,
    validation_messages,
)
from partnerships.versioning import VersionConflict, check_save

# --- On the measure's page --------------------------------------------------------------------


class SlotInlineForm(forms.ModelForm):
    """A slot row, with the version it was loaded at (a save merges others' changes)."""

    loaded_version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    class Meta:
        model = TimeSlot
        fields = list(SLOT_FIELDS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["loaded_version"].initial = self.instance.version


def slot_data(form) -> dict:
    return {name: form.cleaned_data.get(name) for name in SLOT_FIELDS}


def write_slots(formset, measure, user) -> None:
    """Add, change and remove the measure's slots as the inline's rows say."""
    for form in formset.forms:
        slot = form.instance
        if formset._should_delete_form(form):
            if slot.pk:
                timeslot_delete(slot=slot, user=user)
        elif not form.has_changed():
            continue
        elif slot.pk is None:
            timeslot_create(measure=measure, user=user, data=slot_data(form))
        else:
            version = form.cleaned_data.get("loaded_version") or 0
            timeslot_update(slot=slot, user=user, version=version, data=slot_data(form))


def conflict_message(conflict: VersionConflict) -> str:
    return _(
        "Someone else changed %(what)s after you opened the page (%(fields)s). Open it again "
        "to see their change, then make yours."
    ) % {"what": conflict.current, "fields": ", ".join(c.label for c in conflict.conflicts)}


class SlotFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors) or not self.instance.pk:
            return  # a new measure's slots are checked by their rows' own validation
        try:
            check_save(lambda: write_slots(self, self.instance, user=None))
        except VersionConflict as conflict:
            raise ValidationError(conflict_message(conflict)) from None
        except ValidationError as error:
            raise ValidationError(validation_messages(error)) from error


class TimeSlotInline(admin.StackedInline):
    model = TimeSlot
    form = SlotInlineForm
    formset = SlotFormSet
    extra = 0
    show_change_link = True  # a slot's own page has its cancelled and added days
    fields = [*SLOT_FIELDS, "loaded_version"]


# --- A slot's own page ------------------------------------------------------------------------


class TimeSlotAdminForm(VersionedAdminForm):
    class Meta:
        model = TimeSlot
        fields = ["measure", *SLOT_FIELDS]

    def clean(self):
        cleaned = super().clean()
        if not self.errors and self.instance.pk:
            try:
                check_save(
                    lambda: timeslot_update(
                        slot=self.instance,
                        user=None,
                        data=slot_data(self),
                        **self.version_kwargs(),
                    ),
                    lock=self.instance,
                )
            except VersionConflict as conflict:
                raise self.show_conflict(conflict) from conflict
        return cleaned


class ScheduleChangeFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors) or not self.instance.pk:
            return
        try:
            check_save(lambda: write_changes(self, self.instance, user=None))
        except ValidationError as error:
            raise ValidationError(validation_messages(error)) from error


def write_changes(formset, slot, user) -> None:
    for form in formset.forms:
        if formset._should_delete_form(form):
            if form.instance.pk:
                schedule_change_delete(change=form.instance, user=user)
        elif form.instance.pk is None and form.has_changed():
            data = {name: form.cleaned_data.get(name) for name in ("date", "kind", "note")}
            schedule_change_create(slot=slot, user=user, data=data)


class ScheduleChangeInline(admin.TabularInline):
    """Days are added or removed; a saved day is not edited (remove it and add it anew)."""

    model = ScheduleChange
    formset = ScheduleChangeFormSet
    extra = 1
    fields = ["date", "kind", "note"]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(TimeSlot)
class TimeSlotAdmin(RemovesThroughService, ServiceAdmin):
    form = TimeSlotAdminForm
    list_display = ["__str__", "measure", "season_start", "season_end", "venue"]
    list_filter = ["pauses_in_school_holidays", "measure__community"]
    search_fields = ["measure__title", "venue"]
    list_select_related = ["measure"]
    autocomplete_fields = ["measure"]
    inlines = [ScheduleChangeInline]
    readonly_fields = ["version", "created_by", "created_at", "updated_by", "updated_at"]
    fieldsets = [
        (None, {"fields": ["keep_mine", "measure", *SLOT_FIELDS]}),
        (
            _("Record"),
            {
                "fields": [
                    "version",
                    "loaded_version",
                    "seen_version",
                    "offered_keys",
                    "created_by",
                    "created_at",
                    "updated_by",
                    "updated_at",
                ]
            },
        ),
    ]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            return [*self.readonly_fields, "measure"]
        return self.readonly_fields

    def write(self, form, formsets, user):
        data = slot_data(form)
        if form.instance.pk:
            slot = timeslot_update(
                slot=form.instance, user=user, data=data, **form.version_kwargs()
            )
        else:
            slot = timeslot_create(measure=form.cleaned_data["measure"], user=user, data=data)
        for formset in formsets:
            write_changes(formset, slot, user)
        return slot

    def remove(self, obj, user) -> None:
        timeslot_delete(slot=obj, user=user)
