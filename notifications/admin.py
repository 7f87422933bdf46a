from django import forms
from django.contrib import admin, messages
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from notifications.models import Email, GrantReminder, Invitation, Reminder
from notifications.onboarding import onboard_view
from notifications.services import emails_retry, invitation_send
from partnerships.admin import CommunityAdmin, UserAdmin
from partnerships.models import Community, User
from partnerships.validators import validate_email_free


class ReadOnlyAdmin(admin.ModelAdmin):
    """A record of what was sent: staff look, nobody edits."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Email)
class EmailAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "to", "subject", "kind", "status", "attempts", "sent_at"]
    list_filter = ["status", "kind"]
    search_fields = ["to", "subject"]
    date_hierarchy = "created_at"
    actions = ["send_again"]
    # Password and invitation e-mails hold a link into someone's account: never shown here.
    fields = [
        "to",
        "recipient",
        "kind",
        "subject",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
        "created_at",
        "sent_at",
        "body",
    ]
    readonly_fields = fields

    @admin.display(description=_("text"))
    def body(self, obj):
        if obj.kind in (Email.Kind.PASSWORD, Email.Kind.INVITATION):
            return _("Not shown: it holds a personal link.")
        return obj.text

    @admin.action(permissions=["view"], description=_("Send the failed e-mails again"))
    def send_again(self, request, queryset):
        count = emails_retry(emails=queryset)
        self.message_user(
            request,
            ngettext(
                "%(count)d e-mail will be sent again.",
                "%(count)d e-mails will be sent again.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin):
    """Who was reminded of which measure's missing report, and when."""

    list_display = ["sent_at", "measure", "period_start", "period_end", "round", "reminded"]
    list_filter = ["round", "measure__community"]
    search_fields = ["measure__title"]
    date_hierarchy = "sent_at"
    fields = ["measure", "period_start", "period_end", "round", "sent_at", "recipients"]

    def get_queryset(self, request):
        return (
            super().get_queryset(request).select_related("measure").prefetch_related("recipients")
        )

    @admin.display(description=_("reminded"))
    def reminded(self, obj):
        return ", ".join(str(user) for user in obj.recipients.all()) or "–"


@admin.register(GrantReminder)
class GrantReminderAdmin(ReadOnlyAdmin):
    """Who was reminded of which grant's report to its funder, and when."""

    list_display = ["sent_at", "grant", "deadline", "round", "reminded"]
    list_filter = ["round", "grant__community"]
    search_fields = ["grant__name", "grant__funder"]
    date_hierarchy = "sent_at"
    fields = ["grant", "deadline", "round", "sent_at", "recipients"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("grant").prefetch_related("recipients")

    @admin.display(description=_("reminded"))
    def reminded(self, obj):
        return ", ".join(str(user) for user in obj.recipients.all()) or "–"


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    list_display = ["user", "invited_by", "sent_at", "accepted_at"]
    list_filter = ["accepted_at"]
    search_fields = ["user__username", "user__email", "user__first_name", "user__last_name"]
    list_select_related = ["user", "invited_by"]
    fields = list_display


class InviteUserForm(forms.ModelForm):
    """A new account with name and e-mail and no password: the person chooses it."""

    class Meta:
        model = User
        fields = ["username", "first_name", "last_name", "email"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("first_name", "email"):
            self.fields[name].required = True
        self.fields["email"].help_text = _(
            "The invitation goes here: a link to choose a password, valid for a few days."
        )

    def clean_email(self):
        email = self.cleaned_data["email"]
        validate_email_free(email)
        return email


class InvitingUserAdmin(UserAdmin):
    """The user admin of ``partnerships``, whose new accounts are invited by e-mail."""

    add_form = InviteUserForm
    add_fieldsets = [
        (
            None,
            {
                "fields": ["username", "first_name", "last_name", "email"],
                "description": _(
                    "The person gets an e-mail with a link to choose their own password. "
                    "Add their partner below."
                ),
            },
        )
    ]
    actions = ["invite_again"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            invitation_send(user=obj, invited_by=request.user)
            self.message_user(
                request,
                _("An invitation is sent to %(email)s.") % {"email": obj.email},
                messages.SUCCESS,
            )

    @admin.action(permissions=["change"], description=_("Send the invitation again"))
    def invite_again(self, request, queryset):
        invited = 0
        for user in queryset.filter(last_login__isnull=True).exclude(email=""):
            if self.may_manage(request, user):
                invitation_send(user=user, invited_by=request.user)
                invited += 1
        self.message_user(
            request,
            ngettext(
                "%(count)d invitation is sent (only to accounts never logged in).",
                "%(count)d invitations are sent (only to accounts never logged in).",
                invited,
            )
            % {"count": invited},
            messages.SUCCESS,
        )


admin.site.unregister(User)
admin.site.register(User, InvitingUserAdmin)


class OnboardingCommunityAdmin(CommunityAdmin):
    """The community admin of ``partnerships``, with the "New community" page
    (``notifications.onboarding``): the community, its partners and their first users at once."""

    def get_urls(self):
        return [
            path(
                "new/",
                self.admin_site.admin_view(lambda request: onboard_view(self, request)),
                name="partnerships_community_onboard",
            ),
            *super().get_urls(),
        ]


admin.site.unregister(Community)
admin.site.register(Community, OnboardingCommunityAdmin)
