from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Count
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from aktive.images import ACCEPT_ATTRIBUTE, delete_files_on_commit, process_image
from partnerships.models import (
    Community,
    CommunityPartner,
    Meeting,
    Partner,
    PartnerMembership,
    User,
)
from partnerships.services import MEETING_FIELDS, meeting_create, meeting_update
from partnerships.validators import validate_partner_removable
from partnerships.versioning import MINE, THEIRS, VersionConflict, check_save

admin.site.site_header = _("Aktive Lokalsamfunn – administration")
admin.site.site_title = _("Aktive Lokalsamfunn")
admin.site.index_title = _("The sports council's administration")


class HistoryAdmin(SimpleHistoryAdmin):
    """simple-history's admin, to read only.

    ``SIMPLE_HISTORY_REVERT_DISABLED`` only hides the revert button; a POST to an old version
    would still write it back, around the services and with an old version number.
    """

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied("admin history is read only")
        return super().history_form_view(request, object_id, version_id, extra_context)


class VersionedAdminForm(forms.ModelForm):
    """An admin form that saves through a versioned service (``partnerships.versioning``).

    It carries the version it was loaded at. When someone saved the record meanwhile, the
    service merges the two; for fields both changed, the form asks, one box per field, whether
    to keep this user's value (unticked: the other person's value is kept).
    """

    loaded_version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)
    seen_version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)
    offered_keys = forms.CharField(widget=forms.HiddenInput, required=False, max_length=10_000)
    keep_mine = forms.MultipleChoiceField(
        label=_("Keep my value"), required=False, widget=forms.MultipleHiddenInput
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["loaded_version"].initial = self.instance.version
        offered = self.data.get("offered_keys", "").split() if self.is_bound else []
        self.fields["keep_mine"].choices = [(key, key) for key in offered]

    def version_kwargs(self) -> dict:
        keep = set(self.cleaned_data.get("keep_mine") or ())
        offered = (self.cleaned_data.get("offered_keys") or "").split()
        return {
            "version": self.cleaned_data.get("loaded_version") or 0,
            "seen_version": self.cleaned_data.get("seen_version"),
            "resolutions": {key: MINE if key in keep else THEIRS for key in offered},
        }

    def show_conflict(self, conflict: VersionConflict) -> ValidationError:
        """Offer a box per field both changed; the error to show says who saved and what."""
        self.data = self.data.copy()
        self.data["seen_version"] = conflict.current.version
        self.data["offered_keys"] = " ".join(item.key for item in conflict.conflicts)
        self.data.setlist("keep_mine", [])
        field = self.fields["keep_mine"]
        field.widget = forms.CheckboxSelectMultiple()
        field.choices = [
            (
                item.key,
                _("%(field)s: keep mine (%(mine)s) instead of theirs (%(theirs)s)")
                % {"field": item.label, "mine": item.mine, "theirs": item.theirs},
            )
            for item in conflict.conflicts
        ]
        names = sorted({str(save.history_user or _("Someone")) for save in conflict.saves})
        return ValidationError(
            _(
                "%(names)s saved this after you opened the form. What only one of you changed "
                "is kept from each. You both changed: %(fields)s. Tick “Keep my value” for "
                "each field where yours should win, then save again."
            ),
            code="version_conflict",
            params={
                "names": ", ".join(names) or _("Someone"),
                "fields": ", ".join(item.label for item in conflict.conflicts),
            },
        )


class ServiceAdmin(HistoryAdmin):
    """An admin whose saves go through the same services as the pages.

    ``write(form, formsets, user)`` calls the service. The forms check the same call by a trial
    run (``check_save``) while they validate, so a refused save is shown next to the form.
    """

    def write(self, form, formsets, user):
        raise NotImplementedError

    def save_model(self, request, obj, form, change):
        """Nothing here: ``save_related`` saves the record with its relations, in one go."""

    def save_related(self, request, form, formsets, change):
        saved = self.write(form, formsets, request.user)
        form.instance.pk = saved.pk
        form.instance.version = saved.version
        for formset in formsets:
            # What admin's change message reads from a saved formset; the history has the rest.
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []


def validation_messages(error: ValidationError) -> list[str]:
    """All messages of a ValidationError, whether it holds a dict or a list."""
    if hasattr(error, "error_dict"):
        return [message for messages in error.message_dict.values() for message in messages]
    return list(error.messages)


class CommunityPartnerFormSet(BaseInlineFormSet):
    """Refuses to take a partner out of a community while it is on one of its measures."""

    def clean(self):
        super().clean()
        errors = []
        for form in self.initial_forms:
            removed = self._should_delete_form(form)
            replaced = {"partner", "community"} & set(form.changed_data)
            if removed or replaced:
                # As stored, not as edited in the form.
                link = CommunityPartner.objects.select_related("community", "partner").get(
                    pk=form.instance.pk
                )
                try:
                    validate_partner_removable(community=link.community, partner=link.partner)
                except ValidationError as error:
                    errors.extend(validation_messages(error))
        if errors:
            raise ValidationError(errors)


class CommunityPartnerInline(admin.TabularInline):
    model = CommunityPartner
    formset = CommunityPartnerFormSet
    extra = 1
    autocomplete_fields = ["partner"]
    fields = ["partner", "role", "since"]


@admin.register(Community)
class CommunityAdmin(HistoryAdmin):
    list_display = ["name", "municipality", "partnership_since", "partner_count", "is_active"]
    list_filter = ["is_active", "municipality"]
    search_fields = ["name", "municipality", "description"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [CommunityPartnerInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(partner_count=Count("memberships"))

    @admin.display(description=_("partners"), ordering="partner_count")
    def partner_count(self, obj):
        return obj.partner_count


class MembershipInline(admin.TabularInline):
    model = PartnerMembership
    extra = 1
    autocomplete_fields = ["user"]
    fields = ["user", "title"]
    verbose_name = _("member")
    verbose_name_plural = _("members")


class PartnerCommunityInline(admin.TabularInline):
    model = CommunityPartner
    formset = CommunityPartnerFormSet
    extra = 0
    autocomplete_fields = ["community"]
    fields = ["community", "role", "since"]
    verbose_name = _("community")
    verbose_name_plural = _("communities")


class PartnerAdminForm(forms.ModelForm):
    """A logo is checked and re-encoded like a measure's photo; the upload itself is not kept."""

    class Meta:
        model = Partner
        fields = ["name", "slug", "kind", "email", "website", "logo"]
        widgets = {"logo": forms.ClearableFileInput(attrs={"accept": ACCEPT_ATTRIBUTE})}

    def clean_logo(self):
        logo = self.cleaned_data.get("logo")
        if isinstance(logo, UploadedFile):
            return process_image(logo).image
        return logo


@admin.register(Partner)
class PartnerAdmin(HistoryAdmin):
    form = PartnerAdminForm
    list_display = ["name", "kind", "email", "website", "member_count"]
    list_filter = ["kind", "communities"]
    search_fields = ["name", "email"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_count=Count("memberships"))

    def save_model(self, request, obj, form, change):
        old_logo = form.initial.get("logo")
        super().save_model(request, obj, form, change)
        if old_logo and "logo" in form.changed_data:
            delete_files_on_commit(obj.logo.storage, [old_logo.name])

    @admin.display(description=_("members"), ordering="member_count")
    def member_count(self, obj):
        return obj.member_count


@admin.register(CommunityPartner)
class CommunityPartnerAdmin(admin.ModelAdmin):
    list_display = ["partner", "community", "role", "since"]
    list_filter = ["community", "partner__kind"]
    search_fields = ["partner__name", "community__name", "role"]
    list_select_related = ["partner", "community"]
    autocomplete_fields = ["partner", "community"]

    def delete_model(self, request, obj):
        validate_partner_removable(community=obj.community, partner=obj.partner)
        super().delete_model(request, obj)

    def has_delete_permission(self, request, obj=None):
        # Removal goes through the community's inline, which checks the measures first.
        return False


@admin.register(PartnerMembership)
class PartnerMembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "partner", "title"]
    list_filter = ["partner"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "partner__name"]
    list_select_related = ["user", "partner"]
    autocomplete_fields = ["user", "partner"]


class UserMembershipInline(admin.TabularInline):
    model = PartnerMembership
    extra = 1
    autocomplete_fields = ["partner"]
    fields = ["partner", "title"]
    verbose_name = _("partner")
    verbose_name_plural = _("partners")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "first_name", "last_name", "email", "is_staff", "is_active"]
    list_filter = ["is_active", "is_staff", "groups", "memberships__partner"]
    inlines = [UserMembershipInline]

    def has_delete_permission(self, request, obj=None):
        # People are deactivated, never deleted: their names stay on what they wrote.
        return False


class MeetingAdminForm(VersionedAdminForm):
    class Meta:
        model = Meeting
        fields = ["community", "kind", "title", "date", "venue", "partners_present", "minutes"]

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            try:
                check_save(
                    lambda: write_meeting(self, user=None),
                    lock=self.instance if self.instance.pk else None,
                )
            except VersionConflict as conflict:
                raise self.show_conflict(conflict) from conflict
        return cleaned


def write_meeting(form: MeetingAdminForm, user) -> Meeting:
    data = {name: form.cleaned_data[name] for name in MEETING_FIELDS}
    present = form.cleaned_data["partners_present"]
    if form.instance.pk:
        return meeting_update(
            meeting=form.instance,
            user=user,
            data=data,
            partners_present=present,
            **form.version_kwargs(),
        )
    return meeting_create(
        community=form.cleaned_data["community"], user=user, data=data, partners_present=present
    )


@admin.register(Meeting)
class MeetingAdmin(ServiceAdmin):
    form = MeetingAdminForm
    list_display = ["title", "community", "kind", "date", "venue"]
    list_filter = ["kind", "community"]
    search_fields = ["title", "venue", "minutes"]
    date_hierarchy = "date"
    list_select_related = ["community"]
    filter_horizontal = ["partners_present"]
    readonly_fields = ["version", "created_by", "created_at", "updated_at"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            return [*self.readonly_fields, "community"]  # its partners belong to the community
        return self.readonly_fields

    def write(self, form, formsets, user):
        return write_meeting(form, user)
