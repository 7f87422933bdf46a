from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import INTERNAL_RESET_SESSION_TOKEN, PasswordResetConfirmView
from django.http import HttpResponseRedirect
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext_lazy
from django.views.generic import FormView
from django.views.i18n import set_language

from aktive.passwords import SetPasswordForm
from notifications.forms import ProfileForm
from notifications.services import invitation_accept, language_set, profile_update
from notifications.tokens import invitation_tokens


class ProfileView(FormView):
    """Name, e-mail, language and e-mail settings; the password has Django's own form."""

    form_class = ProfileForm
    template_name = "notifications/profile.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        data = form.cleaned_data
        profile_update(
            user=self.request.user,
            first_name=data["first_name"],
            last_name=data["last_name"],
            email=data["email"],
            language=data["language"],
            frequency=data["frequency"],
            reminders=data["reminders"],
        )
        messages.success(self.request, gettext_lazy("Your profile is saved."))
        response = HttpResponseRedirect(reverse("notifications:profile"))
        set_language_cookie(response, data["language"])
        return response


def set_language_cookie(response, language: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


@login_not_required
def language_switch(request):
    """Django's ``set_language``; a logged-in user's choice is kept for their e-mails too."""
    response = set_language(request)
    language = request.POST.get("language")
    if (
        request.method == "POST"
        and request.user.is_authenticated
        and language in dict(settings.LANGUAGES)
    ):
        language_set(user=request.user, language=language)
    return response


class InvitationView(PasswordResetConfirmView):
    """The invitation's link: choose a password, and you are logged in."""

    token_generator = invitation_tokens
    form_class = SetPasswordForm
    template_name = "notifications/invitation.html"
    title = gettext_lazy("Welcome: choose your password")
    reset_url_token = "choose-password"
    success_url = reverse_lazy("dashboard")

    def form_valid(self, form):
        user = invitation_accept(user=form.user, password=form.cleaned_data["new_password1"])
        self.request.session.pop(INTERNAL_RESET_SESSION_TOKEN, None)
        login(self.request, user, "aktive.auth.CachedModelBackend")
        messages.success(
            self.request,
            gettext_lazy("Welcome! Your password is saved and you are logged in."),
        )
        return HttpResponseRedirect(self.success_url)
