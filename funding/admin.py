from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from funding.allocation import Part
from funding.models import ContextFigure, Goal, Grant, GrantMeasure
from funding.money import format_kroner
from funding.services import (
    FIGURE_FIELDS,
    GOAL_FIELDS,
    GRANT_FIELDS,
    context_figure_delete,
    context_figure_save,
    goal_delete,
    goal_save,
    grant_create,
    grant_delete,
    grant_update,
)
from partnerships.admin import (
    HistoryAdmin,
    RemovesThroughService,
    ServiceAdmin,
    VersionedAdminForm,
    validation_messages,
)
from partnerships.versioning import VersionConflict, check_save


class GrantMeasureFormSet(BaseInlineFormSet):
    """The measures a grant funds. The whole edit is checked here, last, by a trial run of the
    same save the admin then makes (so shares that do not add up are shown on the page)."""

    def parts(self) -> dict[int, Part]:
        return {
            row.cleaned_data["measure"].pk: Part(
                row.cleaned_data.get("share"), row.cleaned_data.get("amount")
            )
            for row in self.forms
            if row.cleaned_data.get("measure") and not self._should_delete_form(row)
        }

    def clean(self):
        super().clean()
        form = getattr(self.instance, "admin_form", None)
        if any(self.errors) or form is None or form.errors or not form.is_valid():
            return
        try:
            check_save(
                lambda: write_grant(form, self, user=None),
                lock=self.instance if self.instance.pk else None,
            )
        except VersionConflict as conflict:
            form.add_error(None, form.show_conflict(conflict))
            raise ValidationError(_("Choose at the top of the page, then save again.")) from None
        except ValidationError as error:
            raise ValidationError(validation_messages(error)) from error


class GrantMeasureInline(admin.TabularInline):
    model = GrantMeasure
    formset = GrantMeasureFormSet
    extra = 1
    autocomplete_fields = ["measure"]
    fields = ["measure", "share", "amount"]


class GrantAdminForm(VersionedAdminForm):
    class Meta:
        model = Grant
        fields = ["community", *GRANT_FIELDS]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.admin_form = self  # the measures inline checks the whole edit


def write_grant(form: GrantAdminForm, measure_forms: GrantMeasureFormSet, user) -> Grant:
    """Save the admin's grant form and its measures through the same services as the pages."""
    data = {name: form.cleaned_data[name] for name in GRANT_FIELDS if name in form.cleaned_data}
    if form.instance.pk:
        return grant_update(
            grant=form.instance,
            user=user,
            data=data,
            parts=measure_forms.parts(),
            **form.version_kwargs(),
        )
    return grant_create(
        community=form.cleaned_data["community"], user=user, data=data, parts=measure_forms.parts()
    )


@admin.register(Grant)
class GrantAdmin(RemovesThroughService, ServiceAdmin):
    form = GrantAdminForm
    list_display = [
        "name",
        "community",
        "funder",
        "funder_kind",
        "applicant",
        "granted",
        "status",
        "period_start",
        "report_deadline",
    ]
    list_filter = ["status", "funder_kind", "community"]
    search_fields = ["name", "funder", "applicant__name", "note"]
    list_select_related = ["community", "applicant"]
    autocomplete_fields = ["community", "applicant"]
    date_hierarchy = "period_start"
    inlines = [GrantMeasureInline]
    readonly_fields = ["version", "created_by", "created_at", "updated_at"]

    @admin.display(description=_("amount granted"), ordering="amount_granted")
    def granted(self, obj):
        return format_kroner(obj.amount_granted)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            return [*self.readonly_fields, "community"]  # its measures belong to the community
        return self.readonly_fields

    def write(self, form, formsets, user):
        measure_forms = next(fs for fs in formsets if fs.model is GrantMeasure)
        return write_grant(form, measure_forms, user)

    def remove(self, obj, user) -> None:
        grant_delete(grant=obj, user=user)


class SavedByServiceAdmin(HistoryAdmin):
    """Goals and context figures: saved and removed through their services."""

    def remove(self, obj, user) -> None:
        raise NotImplementedError

    def delete_model(self, request, obj):
        self.remove(obj, request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.remove(obj, request.user)


@admin.register(Goal)
class GoalAdmin(SavedByServiceAdmin):
    list_display = ["title", "community", "measure", "indicator", "target", "target_year"]
    list_filter = ["indicator", "community"]
    search_fields = ["title", "measure__title", "community__name"]
    list_select_related = ["community", "measure"]
    autocomplete_fields = ["community", "measure"]

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data.get(name) for name in GOAL_FIELDS}
        goal_save(community=obj.community, user=request.user, data=data, goal=obj)

    def remove(self, obj, user) -> None:
        goal_delete(goal=obj, user=user)


@admin.register(ContextFigure)
class ContextFigureAdmin(SavedByServiceAdmin):
    list_display = ["title", "community", "value", "unit", "year", "source"]
    list_filter = ["year", "community"]
    search_fields = ["title", "source", "community__name"]
    list_select_related = ["community"]
    autocomplete_fields = ["community"]

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data.get(name) for name in FIGURE_FIELDS}
        context_figure_save(community=obj.community, user=request.user, data=data, figure=obj)

    def remove(self, obj, user) -> None:
        context_figure_delete(figure=obj, user=user)
