"""Saving a form through a service: the one pattern every edit page of the portal follows.

The view validates the form, hands the cleaned values to a service (``self.save(form)``), and
shows what the service refused next to the form: a ``ValidationError`` as field errors, a
``VersionConflict`` as the conflict panel, with everything the user typed still in the form.
"""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Layout
from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from partnerships.versioning import MINE, THEIRS, VersionConflict

RESOLVE_PREFIX = "resolve_"


def crispy_helper(*layout) -> FormHelper:
    """A crispy helper for forms rendered inside a page's own <form> tag."""
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    if layout:
        helper.layout = Layout(*layout)
    return helper


def two_columns(*fields: str) -> Div:
    """Fields side by side on a wide screen, one under the other on a phone."""
    return Div(*(Div(name, css_class="col-sm-6") for name in fields), css_class="row")


class VersionedForm(forms.Form):
    """Carries the version the form was loaded at, and the choices made on a conflict page."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)
    seen_version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        instance = getattr(self, "instance", None)
        if instance is not None and instance.pk:
            self.fields["version"].initial = instance.version

    def loaded_version(self) -> int:
        return self.cleaned_data.get("version") or 0

    def resolutions(self) -> dict[str, str]:
        """``{field key: "theirs" | "mine"}`` from the conflict panel's choices."""
        return {
            name.removeprefix(RESOLVE_PREFIX): value
            for name, value in self.data.items()
            if name.startswith(RESOLVE_PREFIX) and value in (THEIRS, MINE)
        }

    def version_kwargs(self) -> dict:
        """What a service's update needs to merge this edit with others' saves."""
        return {
            "version": self.loaded_version(),
            "seen_version": self.cleaned_data.get("seen_version"),
            "resolutions": self.resolutions(),
        }

    def show_theirs(self, conflict: VersionConflict) -> None:
        """Show in the form the other person's changes that the merge keeps.

        Fields map to form fields of the same name; a relation's members (``"partner:3"``) to
        the form's list of them, through ``member_fields`` (``{"partner": "partners"}``).
        """
        for key, value in conflict.theirs_kept.items():
            kind, _sep, member = key.partition(":")
            if member and kind in self.member_fields:
                chosen = set(self.data.getlist(self.member_fields[kind]))
                if value is None or value is False:
                    chosen.discard(member)
                else:
                    chosen.add(member)
                    self.show_member_value(kind, member, value)
                self.data.setlist(self.member_fields[kind], sorted(chosen))
            elif key in self.fields:
                self.data[key] = form_value(value)

    member_fields: dict[str, str] = {}

    def show_member_value(self, kind: str, member: str, value) -> None:
        """A member's own value, e.g. a partner's contribution, if the form shows one."""


def form_value(value) -> str:
    """A stored value as a form posts it."""
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def add_service_error(form: forms.BaseForm, error: ValidationError) -> None:
    """Put a service's ``ValidationError`` next to its field, or above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        form.add_error(name if name in form.fields else None, errors)


class SavesThroughService:
    """For a ``FormView``: ``save(form)`` calls the service and returns the saved object."""

    success_message = ""
    # Where the page the user returns to shows the message (``partials/messages.html``).
    success_message_tags = ""
    conflict_message = gettext_lazy(
        "Someone else saved this while you were editing it. Their changes and yours are kept "
        "where you changed different things. Where you both changed the same thing, choose "
        "below which to keep, then save."
    )

    def save(self, form):
        raise NotImplementedError

    def get_success_url(self, saved) -> str:
        return saved.get_absolute_url()

    def form_valid(self, form):
        try:
            saved = self.save(form)
        except VersionConflict as conflict:
            return self.conflict(form, conflict)
        except ValidationError as error:
            add_service_error(form, error)
            return self.form_invalid(form)
        message = self.success_message % {"title": str(saved)}
        loaded = form.cleaned_data.get("version") if isinstance(form, VersionedForm) else None
        if loaded and saved.version != loaded + 1:
            message += " " + _("Changes others saved meanwhile are kept too.")
        messages.success(self.request, message, extra_tags=self.success_message_tags)
        return HttpResponseRedirect(self.get_success_url(saved))

    def conflict(self, form, conflict: VersionConflict):
        """The form again, with the user's input, their choices to make and who saved."""
        form.data = form.data.copy()
        form.data["seen_version"] = conflict.current.version
        form.show_theirs(conflict)
        form.add_error(None, self.conflict_message)
        choices = [
            {
                "name": RESOLVE_PREFIX + item.key,
                "label": item.label,
                "theirs": item.theirs,
                "mine": item.mine,
                "keep_mine": form.data.get(RESOLVE_PREFIX + item.key) == MINE,
            }
            for item in conflict.conflicts
        ]
        return self.render_to_response(
            self.get_context_data(form=form, conflict=conflict, conflict_choices=choices)
        )
