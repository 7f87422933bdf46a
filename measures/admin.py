from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.forms.models import BaseInlineFormSet
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from measures.forms import MeasureForm
from measures.models import REPORT_FIELDS, Measure, MeasurePartner, Report, TargetGroup, TimeSlot
from measures.schedule_admin import TimeSlotInline, write_slots
from measures.services import (
    ADMIN_MEASURE_FIELDS,
    MEASURE_FIELDS,
    measure_create,
    measure_set_archived,
    measure_update,
    report_create,
    report_delete,
    report_update,
)
from partnerships.admin import (
    RemovesThroughService,
    ServiceAdmin,
    VersionedAdminForm,
    validation_messages,
)
from partnerships.versioning import VersionConflict, check_save


@admin.register(TargetGroup)
class TargetGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "order"]
    list_editable = ["order"]
    search_fields = ["name"]


class MeasurePartnerFormSet(BaseInlineFormSet):
    """The measure's partners. Validated by a trial run of the same save the admin then makes.

    The main form and this formset are validated apart; the whole edit is checked here, last.
    """

    def partner_rows(self) -> list[dict]:
        return [
            row.cleaned_data
            for row in self.forms
            if row.cleaned_data.get("partner") and not self._should_delete_form(row)
        ]

    def clean(self):
        super().clean()
        form = getattr(self.instance, "admin_form", None)
        if any(self.errors) or form is None or form.errors or not form.is_valid():
            return  # the main form reports what is wrong with it
        try:
            check_save(
                lambda: write_measure(form, self, user=None),
                lock=self.instance if self.instance.pk else None,
            )
        except VersionConflict as conflict:
            form.add_error(None, form.show_conflict(conflict))
            raise ValidationError(_("Choose at the top of the page, then save again.")) from None
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


class MeasureAdminForm(VersionedAdminForm):
    class Meta:
        model = Measure
        fields = ["community", "slug", *MeasureForm.Meta.fields, "is_archived"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The partners inline checks the whole edit, this form's values included.
        self.instance.admin_form = self


def write_measure(form: MeasureAdminForm, partner_forms: MeasurePartnerFormSet, user) -> Measure:
    """Save the admin's measure form and its partners through the same services as the pages."""
    rows = partner_forms.partner_rows()
    fields = (*MEASURE_FIELDS, *ADMIN_MEASURE_FIELDS)
    arguments = {
        "user": user,
        "data": {name: form.cleaned_data[name] for name in fields if name in form.cleaned_data},
        "partners": [row["partner"] for row in rows],
        "target_groups": form.cleaned_data["target_groups"],
        "contributions": {row["partner"].pk: row.get("contribution", "") for row in rows},
    }
    if form.instance.pk:
        return measure_update(measure=form.instance, **arguments, **form.version_kwargs())
    return measure_create(community=form.cleaned_data["community"], **arguments)


def set_status_action(status: Measure.Status):
    """An admin action setting the selected measures' status, each through ``measure_update``.

    One transaction: the partners are told of all of it together (one e-mail or digest each).
    """

    @admin.action(
        permissions=["change"],
        description=format_lazy(_("Set status: {}"), status.label),
    )
    def action(modeladmin, request, queryset):
        with transaction.atomic():
            changed = 0
            for measure in queryset.exclude(status=status):
                measure_update(
                    measure=measure,
                    user=request.user,
                    version=measure.version,
                    data={"status": status.value},
                )
                changed += 1
        modeladmin.message_user(
            request,
            ngettext(
                "%(count)d measure now has the status “%(status)s”.",
                "%(count)d measures now have the status “%(status)s”.",
                changed,
            )
            % {"count": changed, "status": status.label},
            messages.SUCCESS,
        )

    action.__name__ = f"set_status_{status.value}"
    return action


@admin.action(permissions=["change"], description=_("Archive the selected measures"))
def archive_measures(modeladmin, request, queryset):
    with transaction.atomic():
        changed = 0
        for measure in queryset.filter(is_archived=False):
            measure_set_archived(measure=measure, user=request.user, archived=True)
            changed += 1
    modeladmin.message_user(
        request,
        ngettext("%(count)d measure is archived.", "%(count)d measures are archived.", changed)
        % {"count": changed},
        messages.SUCCESS,
    )


@admin.register(Measure)
class MeasureAdmin(ServiceAdmin):
    form = MeasureAdminForm
    actions = [*(set_status_action(status) for status in Measure.Status), archive_measures]
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
    inlines = [MeasurePartnerInline, TimeSlotInline, ReportInline]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "keep_mine",
                    "community",
                    "title",
                    "slug",
                    "summary",
                    "description",
                    "status",
                ]
            },
        ),
        (_("Who and for whom"), {"fields": ["lead_partner", "target_groups"]}),
        (_("When and where"), {"fields": ["schedule", "venue", "started_on", "ended_on"]}),
        (_("On the public pages"), {"fields": ["is_public", "is_free", "sign_up"]}),
        (_("Photo"), {"fields": ["photo"]}),
        (
            _("Record"),
            {
                "fields": [
                    "is_archived",
                    "version",
                    "loaded_version",
                    "seen_version",
                    "offered_keys",
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

    def write(self, form, formsets, user):
        partner_forms = next(fs for fs in formsets if fs.model is MeasurePartner)
        measure = write_measure(form, partner_forms, user)
        for slot_forms in (fs for fs in formsets if fs.model is TimeSlot):
            write_slots(slot_forms, measure, user)
        return measure


class ReportAdminForm(VersionedAdminForm):
    class Meta:
        model = Report
        fields = ["measure", *REPORT_FIELDS]

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            try:
                check_save(
                    lambda: write_report(self, user=None),
                    lock=self.instance if self.instance.pk else None,
                )
            except VersionConflict as conflict:
                raise self.show_conflict(conflict) from conflict
        return cleaned


def write_report(form: ReportAdminForm, user) -> Report:
    data = {name: form.cleaned_data[name] for name in REPORT_FIELDS if name in form.cleaned_data}
    if form.instance.pk:
        return report_update(report=form.instance, user=user, data=data, **form.version_kwargs())
    return report_create(measure=form.cleaned_data["measure"], user=user, data=data)


@admin.register(Report)
class ReportAdmin(RemovesThroughService, ServiceAdmin):
    list_display = ["measure", "community", *REPORT_COLUMNS]
    list_filter = ["measure__community", "period_start"]
    search_fields = ["measure__title", "note"]
    date_hierarchy = "period_start"
    list_select_related = ["measure", "measure__community"]
    autocomplete_fields = ["measure"]
    form = ReportAdminForm
    readonly_fields = ["version", "reported_by", "created_at", "updated_at"]

    @admin.display(description=_("community"), ordering="measure__community__name")
    def community(self, obj):
        return obj.measure.community

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            return [*self.readonly_fields, "measure"]  # a report stays with its measure
        return self.readonly_fields

    def write(self, form, formsets, user):
        return write_report(form, user)

    def remove(self, obj, user) -> None:
        report_delete(report=obj, user=user)
