from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, SetUnusablePasswordMixin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Count
from django.forms.models import BaseInlineFormSet
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from aktive.passwords import NewPasswordErrorsOnFirstField
from measures.images import ACCEPT_ATTRIBUTE, delete_files_on_commit, process_image
from partnerships.models import (
    Community,
    CommunityPartner,
    HolidayPeriod,
    Meeting,
    Partner,
    PartnerMembership,
    User,
)
from partnerships.permissions import (
    can_grant_admin_rights,
    can_manage_user,
    can_view_user,
    grantable_groups,
    grantable_permissions,
    manageable_users,
)
from partnerships.services import (
    HOLIDAY_FIELDS,
    MEETING_FIELDS,
    holiday_period_create,
    holiday_period_delete,
    holiday_period_update,
    meeting_create,
    meeting_delete,
    meeting_update,
)
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


class RemovesThroughService:
    """For a ``ServiceAdmin`` whose records are deleted by a service: ``remove(obj, user)``,
    from the delete page and the bulk delete action alike."""

    def remove(self, obj, user) -> None:
        raise NotImplementedError

    def delete_model(self, request, obj):
        self.remove(obj, request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.remove(obj, request.user)


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
            if form.instance.pk is None:
                continue  # a row whose id is no link: its own field says so
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
    ordering = ["name"]
    list_display = [
        "name",
        "municipality",
        "since_year",
        "partner_count",
        "is_active",
        "is_public",
    ]
    list_filter = ["is_active", "is_public", "municipality"]
    search_fields = ["name", "municipality", "description"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [CommunityPartnerInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(partner_count=Count("memberships"))

    @admin.display(description=_("partners"), ordering="partner_count")
    def partner_count(self, obj):
        return obj.partner_count

    @admin.display(description=_("partnership since"), ordering="partnership_since")
    def since_year(self, obj):
        return year(obj.partnership_since)


def year(value: int | None) -> str:
    """A year as people write it: 2014, not "2 014" as a number with thousands separated."""
    return str(value) if value is not None else "–"


class MembershipFormSet(BaseInlineFormSet):
    """A partner's members: rows are added, changed or removed only for accounts the staff user
    may manage (``actor`` is set by the inline). Other accounts' rows stay as they are."""

    actor = None

    def clean(self):
        super().clean()
        touched = set()
        for form in self.forms:
            deleted = self._should_delete_form(form)
            if form in self.initial_forms and (deleted or form.has_changed()):
                touched.add(form.initial.get("user"))  # the member as stored
            user = getattr(form, "cleaned_data", {}).get("user")
            if user is not None and not deleted and form.has_changed():
                touched.add(user.pk)
        touched.discard(None)
        refused = User.objects.filter(pk__in=touched).exclude(
            pk__in=manageable_users(self.actor).values("pk")
        )
        if refused:
            raise ValidationError(
                _("Only a superuser may change the partners of %(users)s."),
                params={"users": ", ".join(sorted(str(user) for user in refused))},
            )


class MembershipInline(admin.TabularInline):
    model = PartnerMembership
    formset = MembershipFormSet
    extra = 1
    autocomplete_fields = ["user"]
    fields = ["user", "title"]
    verbose_name = _("member")
    verbose_name_plural = _("members")

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.actor = request.user  # a class made for this request
        return formset


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
    ordering = ["name"]
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
    list_display = ["partner", "community", "role", "since_year"]
    list_filter = ["community", "partner__kind"]
    search_fields = ["partner__name", "community__name", "role"]
    list_select_related = ["partner", "community"]
    autocomplete_fields = ["partner", "community"]

    def has_delete_permission(self, request, obj=None):
        # Removal goes through the community's inline, which checks the measures first.
        return False

    @admin.display(description=_("since"), ordering="since")
    def since_year(self, obj):
        return year(obj.since)


class ChangeableRowsMixin:
    """Rows are changed and deleted, one by one or in bulk, only among ``changeable(request)``:
    Django's model permission alone would let staff touch any row."""

    def changeable(self, request):
        raise NotImplementedError

    def may_change(self, request, obj) -> bool:
        return obj is None or self.changeable(request).filter(pk=obj.pk).exists()

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self.may_change(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self.may_change(request, obj)

    def delete_queryset(self, request, queryset):
        # The bulk delete action asks for the model permission only, not for each row.
        if queryset.exclude(pk__in=self.changeable(request).values("pk")).exists():
            raise PermissionDenied("bulk delete of a row the user may not change")
        super().delete_queryset(request, queryset)


@admin.register(PartnerMembership)
class PartnerMembershipAdmin(ChangeableRowsMixin, admin.ModelAdmin):
    list_display = ["user", "partner", "title"]
    list_filter = ["partner"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "partner__name"]
    list_select_related = ["user", "partner"]
    autocomplete_fields = ["user", "partner"]

    def changeable(self, request):
        return PartnerMembership.objects.filter(user__in=manageable_users(request.user))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            kwargs["queryset"] = manageable_users(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class UserMembershipInline(admin.TabularInline):
    model = PartnerMembership
    extra = 1
    autocomplete_fields = ["partner"]
    fields = ["partner", "title"]
    verbose_name = _("partner")
    verbose_name_plural = _("partners")


PERMISSION_ACTIONS = {
    "add": _("Can add %(model)s"),
    "change": _("Can change %(model)s"),
    "delete": _("Can delete %(model)s"),
    "view": _("Can view %(model)s"),
}


def permission_label(permission) -> str:
    """A permission as the group and user forms list it, in the user's language: Django stores
    its name once, in English ("Can add community"), built from the model's name."""
    action, _sep, model_name = permission.codename.partition("_")
    model = permission.content_type.model_class()
    name = permission.name
    if action in PERMISSION_ACTIONS and model is not None and model._meta.model_name == model_name:
        name = PERMISSION_ACTIONS[action] % {"model": model._meta.verbose_name}
    return f"{permission.content_type} | {name}"


# Set by superusers only (``can_grant_admin_rights``); left out of the form for everyone else,
# so a posted value is never read.
ADMIN_RIGHTS_FIELDS = frozenset({"is_staff", "is_superuser", "user_permissions"})
RIGHTS_NOTE = _(
    "You may give the groups whose rights you hold yourself. Staff status, superuser status and "
    "single permissions are set by a superuser."
)


class PasswordChangeForm(NewPasswordErrorsOnFirstField, AdminPasswordChangeForm):
    # Django joins its warning to the help text as plain English; translated here, with the
    # element its admin script shows and hides.
    usable_password_help_text = format_lazy(
        '{}<ul id="id_unusable_warning" class="messagelist"><li class="warning">{}</li></ul>',
        SetUnusablePasswordMixin.usable_password_help_text,
        _("If disabled, the current password for this user will be lost."),
    )


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Staff who are not superusers manage the accounts ``manageable_users`` gives them: name,
    e-mail, active, password, the groups of ``grantable_groups`` and partners. Staff accounts,
    their own included, and accounts with more rights are read only; a superuser's is a 403."""

    list_display = ["username", "first_name", "last_name", "email", "is_staff", "is_active"]
    list_filter = ["is_active", "is_staff", "groups", "memberships__partner"]
    inlines = [UserMembershipInline]
    change_password_form = PasswordChangeForm

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if can_grant_admin_rights(request.user):
            return fieldsets
        hidden, note = ADMIN_RIGHTS_FIELDS, {"description": RIGHTS_NOTE}
        if obj is not None and not self.has_change_permission(request, obj):
            # Read only: the password field's link leads to a form they may not use.
            hidden, note = hidden | {"password"}, {}
        return [
            (
                name,
                {
                    **options,
                    "fields": [f for f in options["fields"] if f not in hidden],
                    **(note if "groups" in options["fields"] else {}),
                },
            )
            for name, options in fieldsets
        ]

    def get_readonly_fields(self, request, obj=None):
        if can_grant_admin_rights(request.user):
            return super().get_readonly_fields(request, obj)
        return ["last_login", "date_joined"]

    def formfield_for_manytomany(self, db_field, request=None, **kwargs):
        if db_field.name == "groups":
            kwargs["queryset"] = grantable_groups(request.user)
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if db_field.name == "user_permissions":
            field.label_from_instance = permission_label
        return field

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and (
            obj is None or can_view_user(request.user, obj)
        )

    def has_change_permission(self, request, obj=None):
        # Also guards the password form and every inline on the page.
        return super().has_change_permission(request, obj) and (
            obj is None or self.may_manage(request, obj)
        )

    @staticmethod
    def may_manage(request, user: User) -> bool:
        """``can_manage_user``, asked once per account and request (a page asks it often)."""
        if user.pk is None:
            return can_manage_user(request.user, user)
        answers = request.__dict__.setdefault("_can_manage_user", {})
        if user.pk not in answers:
            answers[user.pk] = can_manage_user(request.user, user)
        return answers[user.pk]

    def has_delete_permission(self, request, obj=None):
        # People are deactivated, never deleted: their names stay on what they wrote.
        return False

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if request.GET.get("model_name") == PartnerMembership._meta.model_name:
            # The autocomplete choosing a partner's member offers only what may be chosen.
            queryset = queryset.filter(pk__in=manageable_users(request.user).values("pk"))
        return queryset, may_have_duplicates

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and getattr(response, "context_data", {}).get("original"):
            user = response.context_data["original"]
            if super().has_change_permission(request) and not self.may_manage(request, user):
                messages.info(
                    request,
                    _(
                        "This account is staff or has rights you do not have, so only a "
                        "superuser may change it."
                    ),
                )
        return response


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(ChangeableRowsMixin, DjangoGroupAdmin):
    """A staff user who is not a superuser changes only groups made of their own permissions,
    and puts in them only permissions they hold."""

    def changeable(self, request):
        return grantable_groups(request.user)

    def formfield_for_manytomany(self, db_field, request=None, **kwargs):
        if db_field.name == "permissions":
            kwargs["queryset"] = grantable_permissions(request.user)
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if db_field.name == "permissions":
            field.label_from_instance = permission_label
        return field


class MeetingAdminForm(VersionedAdminForm):
    class Meta:
        model = Meeting
        fields = [
            "community",
            "kind",
            "title",
            "date",
            "venue",
            "partners_present",
            "parents_present",
            "pupils_present",
            "others_present",
            "minutes",
        ]

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
class MeetingAdmin(RemovesThroughService, ServiceAdmin):
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

    def remove(self, obj, user) -> None:
        meeting_delete(meeting=obj, user=user)


class HolidayPeriodAdminForm(VersionedAdminForm):
    class Meta:
        model = HolidayPeriod
        fields = ["community", "municipality", *HOLIDAY_FIELDS]

    def clean(self):
        cleaned = super().clean()
        if not self.errors:
            try:
                check_save(
                    lambda: write_holiday(self, user=None),
                    lock=self.instance if self.instance.pk else None,
                )
            except VersionConflict as conflict:
                raise self.show_conflict(conflict) from conflict
        return cleaned


def write_holiday(form: HolidayPeriodAdminForm, user) -> HolidayPeriod:
    data = {name: form.cleaned_data[name] for name in HOLIDAY_FIELDS}
    if form.instance.pk:
        return holiday_period_update(
            period=form.instance, user=user, data=data, **form.version_kwargs()
        )
    return holiday_period_create(
        community=form.cleaned_data.get("community"),
        municipality=form.cleaned_data.get("municipality", ""),
        user=user,
        data=data,
    )


@admin.register(HolidayPeriod)
class HolidayPeriodAdmin(RemovesThroughService, ServiceAdmin):
    """School holidays: of one community, or (without a community) of a whole municipality."""

    form = HolidayPeriodAdminForm
    list_display = ["name", "first_day", "last_day", "community", "municipality"]
    list_filter = ["municipality", "community", "name"]
    search_fields = ["name", "municipality", "community__name"]
    date_hierarchy = "first_day"
    list_select_related = ["community"]
    autocomplete_fields = ["community"]
    readonly_fields = ["version", "created_by", "created_at", "updated_at"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:  # whose holiday it is stays; enter another one instead
            return [*self.readonly_fields, "community", "municipality"]
        return self.readonly_fields

    def write(self, form, formsets, user):
        return write_holiday(form, user)

    def remove(self, obj, user) -> None:
        holiday_period_delete(period=obj, user=user)
