from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from measures.models import Measure, MeasurePartner, Report, TargetGroup
from partnerships.admin import validation_messages
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


class ReportInline(admin.TabularInline):
    model = Report
    extra = 0
    fields = [
        "period_start",
        "period_end",
        "sessions",
        "participants",
        "girls",
        "volunteers",
        "volunteer_hours",
    ]
    show_change_link = True


@admin.register(Measure)
class MeasureAdmin(admin.ModelAdmin):
    list_display = ["title", "community", "status", "lead_partner", "is_archived", "updated_at"]
    list_filter = ["status", "is_archived", "community", "target_groups", "lead_partner__kind"]
    search_fields = ["title", "summary", "description", "venue"]
    list_select_related = ["community", "lead_partner"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["community", "lead_partner"]
    filter_horizontal = ["target_groups"]
    readonly_fields = ["version", "created_at", "created_by", "updated_at", "updated_by"]
    date_hierarchy = "started_on"
    inlines = [MeasurePartnerInline, ReportInline]
    fieldsets = [
        (None, {"fields": ["community", "title", "slug", "summary", "description", "status"]}),
        (_("Who and for whom"), {"fields": ["lead_partner", "target_groups"]}),
        (_("When and where"), {"fields": ["schedule", "venue", "started_on", "ended_on"]}),
        (_("Photo"), {"fields": ["image", "image_alt", "image_consent"]}),
        (
            _("Record"),
            {
                "fields": [
                    "is_archived",
                    "version",
                    "created_at",
                    "created_by",
                    "updated_at",
                    "updated_by",
                ]
            },
        ),
    ]

    def save_model(self, request, obj, form, change):
        if change:
            obj.version += 1
        else:
            obj.created_by = request.user
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)


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
class ReportAdmin(admin.ModelAdmin):
    list_display = [
        "measure",
        "community",
        "period_start",
        "period_end",
        "sessions",
        "participants",
        "girls",
        "volunteers",
        "volunteer_hours",
    ]
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
        if not change:
            obj.reported_by = request.user
        super().save_model(request, obj, form, change)
