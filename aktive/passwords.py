"""Django's password forms, with what is wrong with a new password next to where it was typed.

Django checks a new password (too short, too common, too like the user name) on the second,
confirming field and shows the error there, although the person typed the password in the
first and would change it there. Only "the two passwords do not match" belongs to the second.
"""

from django.contrib.auth import forms as auth_forms
from django.forms.utils import ErrorList

# (typed, confirmed) field names of Django's forms: the change and reset forms, and admin's.
PAIRS = (("new_password1", "new_password2"), ("password1", "password2"))


class NewPasswordErrorsOnFirstField:
    def clean(self):
        cleaned = super().clean()
        for first, second in PAIRS:
            errors = self._errors.get(second) if first in self.fields else None
            if not errors:
                continue
            moved = [e for e in errors.as_data() if e.code != "password_mismatch"]
            kept = [e for e in errors.as_data() if e.code == "password_mismatch"]
            if moved:
                if kept:
                    self._errors[second] = ErrorList(kept, renderer=self.renderer)
                else:
                    del self._errors[second]
                self.add_error(first, moved)
        return cleaned


class PasswordChangeForm(NewPasswordErrorsOnFirstField, auth_forms.PasswordChangeForm):
    pass


class SetPasswordForm(NewPasswordErrorsOnFirstField, auth_forms.SetPasswordForm):
    pass
