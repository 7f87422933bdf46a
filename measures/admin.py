from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from measures.forms import MeasureForm
from measures.models import REPORT_FIELDS, Measure, MeasurePartner, Report, TargetGroup
from measures.services import (
    ADMIN_MEASURE_FIELDS,
    MEASURE_FIELDS,
    measure_create,
    measure_update,
    report_create,
    report_update,
)
from partnerships.admin import HistoryAdmin, validation_messages
from partnerships.validators import validate_partners_in_community


@admin.register(TargetGroup)
class TargetGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "order"]
    list_editable = ["order"]
    search_fields = ["name"]


class MeasurePartnerFormSet(BaseInlineFormSet):
    """Partners of a measure must be partners of its community, the lead partner among them."""

    def clean(self):
        super().clean()
        measure = self.instance
        if any(self.errors) or not measure.community_id or not measure.lead_partner_id:
            return  # the main form reports what is missing
        partners = [
            form.cleaned_data["partner"]
            for form in self.forms
            if form.cleaned_data.get("partner") and not self._should_delete_form(form)
        ]
        try:
            validate_partners_in_community(
                community=measure.community, partners=partners, lead_partner=measure.lead_partner
            )
        except ValidationError as error:
            raise ValidationError(validation_messages(error)) from error


class MeasurePartnerInline(admin.TabularInline):
    model = MeasurePartner
    formset = MeasurePartnerFormSet
    extra = 1
    min_num = 1
    autocomplete_fields = ["partner"]
    fields = ["partner", "contribution"]


# A report's fields as table columns: all but the free-text note.
REPORT_COLUMNS = [name for name in REPORT_FIELDS if name != "note"]


class ReportInline(admin.TabularInline):
    """The measure's reports, to read; each opens in its own change form."""

    model = Report
    extra = 0
    fields = REPORT_COLUMNS
    readonly_fields = fields
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class MeasureAdminForm(forms.ModelForm):
    """Carries the version the form was loaded at, like the partners' edit form."""

    loaded_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Measure
        fields = ["community", "slug", *MeasureForm.Meta.fields, "is_archived"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["loaded_version"].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            # Admin runs the whole request in one transaction, so this lock holds until the
            # save: a stale form is refused here with the input kept, and no race gets past.
            current = (
                Measure.objects.select_for_update(of=("self",))
                .select_related("updated_by")
                .get(pk=self.instance.pk)
            )
            if current.version != cleaned.get("loaded_version"):
                self.data = self.data.copy()
                self.data["loaded_version"] = current.version
                raise ValidationError(
                    _(
                        "%(name)s saved this measure at %(when)s, after you opened this form. "
                        "Your input is kept below. Compare with the history, then save again "
                        "to replace their version with yours."
                    ),
                    code="stale_version",
                    params={
                        "name": current.updated_by or _("Someone"),
                        "when": date_format(current.updated_at, "SHORT_DATETIME_FORMAT"),
                    },
                )
        return cleaned


@admin.register(Measure)
class MeasureAdmin(HistoryAdmin):
    form = MeasureAdminForm
    list_display = ["title", "community", "status", "lead_partner", "is_archived", "updated_at"]
    list_filter = ["status", "is_archived", "community", "target_groups", "lead_partner__kind"]
    search_fields = ["title", "summary", "description", "venue"]
    list_select_related = ["community", "lead_partner"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["community", "lead_partner"]
    filter_horizontal = ["target_groups"]
    readonly_fields = [
        "photo",
        "version",
        "created_at",
        "created_by",
        "updated_at",
        "updated_by",
    ]
    date_hierarchy = "started_on"
    inlines = [MeasurePartnerInline, ReportInline]
    fieldsets = [
        (None, {"fields": ["community", "title", "slug", "summary", "description", "status"]}),
        (_("Who and for whom"), {"fields": ["lead_partner", "target_groups"]}),
        (_("When and where"), {"fields": ["schedule", "venue", "started_on", "ended_on"]}),
        (_("Photo"), {"fields": ["photo"]}),
        (
            _("Record"),
            {
                "fields": [
                    "is_archived",
                    "version",
                    "loaded_version",
                    "created_at",
                    "created_by",
                    "updated_at",
                    "updated_by",
                ]
            },
        ),
    ]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            return [*self.readonly_fields, "community"]  # its partners belong to the community
        return self.readonly_fields

    @admin.display(description=_("photo"))
    def photo(self, obj):
        if not obj.pk:
            return _("Add a photo on the measure's page once it is saved.")
        link = reverse("measures:photo", kwargs={"pk": obj.pk})
        if not obj.image_thumbnail:
            return format_html('<a href="{}">{}</a>', link, _("Add a photo"))
        return format_html(
            '<img src="{}" alt="{}" width="160"><br><a href="{}">{}</a>',
            obj.image_thumbnail.url,
            obj.image_alt,
            link,
            _("Change or remove the photo"),
        )

    def save_model(self, request, obj, form, change):
        """Nothing here: ``save_related`` saves the measure with its partners, in one go."""

    def save_related(self, request, form, formsets, change):
        """Save through the same services as the partner pages: one history row per save."""
        partner_forms = next(fs for fs in formsets if fs.model is MeasurePartner)
        rows = [
            row.cleaned_data
            for row in partner_forms.forms
            if row.cleaned_data.get("partner") and not partner_forms._should_delete_form(row)
        ]
        fields = (*MEASURE_FIELDS, *ADMIN_MEASURE_FIELDS)
        arguments = {
            "user": request.user,
            "data": {name: form.cleaned_data[name] for name in fields if name in form.cleaned_data},
            "partners": [row["partner"] for row in rows],
            "target_groups": form.cleaned_data["target_groups"],
            "contributions": {row["partner"].pk: row.get("contribution", "") for row in rows},
        }
        if change:
            measure = measure_update(
                measure=form.instance, version=form.cleaned_data["loaded_version"], **arguments
            )
        else:
            measure = measure_create(community=form.cleaned_data["community"], **arguments)
        form.instance.pk = measure.pk
        form.instance.version = measure.version
        for formset in formsets:
            # What admin's change message reads from a saved formset; the history has the rest.
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []


class MeasurePartnerAdminForm(forms.ModelForm):
    def clean(self):
        cleaned = super().clean()
        if cleaned.get("measure") and cleaned.get("partner"):
            validate_partners_in_community(
                community=cleaned["measure"].community,
                partners=[cleaned["partner"]],
                field="partner",
            )
        return cleaned


@admin.register(MeasurePartner)
class MeasurePartnerAdmin(admin.ModelAdmin):
    form = MeasurePartnerAdminForm
    list_display = ["partner", "measure", "contribution"]
    list_filter = ["measure__community", "partner"]
    search_fields = ["partner__name", "measure__title", "contribution"]
    list_select_related = ["partner", "measure"]
    autocomplete_fields = ["partner", "measure"]


@admin.register(Report)
class ReportAdmin(HistoryAdmin):
    list_display = ["measure", "community", *REPORT_COLUMNS]
    list_filter = ["measure__community", "period_start"]
    search_fields = ["measure__title", "note"]
    date_hierarchy = "period_start"
    list_select_related = ["measure", "measure__community"]
    autocomplete_fields = ["measure"]
    readonly_fields = ["reported_by", "created_at", "updated_at"]

    @admin.display(description=_("community"), ordering="measure__community__name")
    def community(self, obj):
        return obj.measure.community

    def save_model(self, request, obj, form, change):
        data = {
            name: form.cleaned_data[name] for name in REPORT_FIELDS if name in form.cleaned_data
        }
        if change:
            report_update(report=obj, user=request.user, data=data)
        else:
            saved = report_create(measure=obj.measure, user=request.user, data=data)
            obj.pk = saved.pk
