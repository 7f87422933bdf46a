from django import forms
from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from notifications.messages import absolute
from notifications.models import Email, Frequency
from notifications.services import email_queue, preferences_of
from partnerships.models import User
from partnerships.validators import validate_email_free


class ProfileForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.EmailField(
        label=_("E-mail"),
        help_text=_("Reminders, changes and new password links are sent here."),
    )
    language = forms.ChoiceField(
        label=_("Language"),
        choices=[("nb", "Norsk (bokmål)"), ("en", "English")],
        help_text=_("For the pages and for the e-mails you get."),
    )
    frequency = forms.ChoiceField(
        label=_("Changes by the other partners"),
        choices=Frequency.choices,
        widget=forms.RadioSelect,
        help_text=_("When to tell you what the other partners changed on your measures."),
    )
    reminders = forms.BooleanField(
        label=_("Remind me when one of my measures is missing a report"), required=False
    )

    def __init__(self, *args, user: User, **kwargs):
        preferences = preferences_of(user)
        kwargs["initial"] = {
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email": user.email,
            "language": preferences.language,
            "frequency": preferences.frequency,
            "reminders": preferences.reminders,
            **kwargs.get("initial", {}),
        }
        super().__init__(*args, **kwargs)
        self.user = user
        assert {code for code, _name in self.fields["language"].choices} == {
            code for code, _name in settings.LANGUAGES
        }

    def clean_email(self):
        email = self.cleaned_data["email"]
        validate_email_free(email, account=self.user)
        return email


class OutboxPasswordResetForm(PasswordResetForm):
    """Django's form, with our e-mail (Norwegian or the user's language, text and HTML) written
    to the outbox instead of sent while the person waits."""

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        user = context["user"]
        link = reverse(
            "password_reset_confirm", kwargs={"uidb64": context["uid"], "token": context["token"]}
        )
        email_queue(
            user=user,
            to=to_email,
            kind=Email.Kind.PASSWORD,
            template="password_reset",
            context={"user": user, "url": absolute(link), "username": user.get_username()},
            language=preferences_of(user).language,
        )
