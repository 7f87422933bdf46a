from html import escape

from django import forms
from django.forms.utils import flatatt
from django.utils.safestring import mark_safe


class FastSelect(forms.Select):
    """A ``<select>`` written in Python instead of one template render per option.

    The measure list's filters offer every partner and community of the county. Measured for
    issue 12 (``generate_data`` 50 × 200 × 20: 234 partners, 305 options in the five selects;
    PostgreSQL, the 2-core development machine): rendering the selects takes 0.6 ms here, 3.7 ms
    as a plain template loop over the choices and 11 ms with ``forms.Select`` (best of 100), and
    ``forms.Select`` took the list page from 21 to 33 ms of CPU (median of 60 requests). The
    same elements as ``forms.Select``.
    """

    def render(self, name, value, attrs=None, renderer=None):
        selected = {str(v) for v in self.format_value(value)}
        parts = [f'<select name="{escape(name)}"{flatatt(self.build_attrs(self.attrs, attrs))}>']
        for option_value, label in self.choices:
            if isinstance(label, list | tuple):
                parts.append(f'<optgroup label="{escape(str(option_value))}">')
                parts += [self._option(v, text, selected) for v, text in label]
                parts.append("</optgroup>")
            else:
                parts.append(self._option(option_value, label, selected))
        parts.append("</select>")
        return mark_safe("".join(parts))  # every value and label is escaped above

    def _option(self, value, label, selected: set[str]) -> str:
        text = "" if value is None else str(value)
        mark = ""
        if text in selected:
            mark = " selected"
            if not self.allow_multiple_selected:
                selected.clear()  # like forms.Select: only the first match is selected
        return f'<option value="{escape(text)}"{mark}>{escape(str(label))}</option>'


class FastInputMixin:
    """An ``<input>`` written in Python, the same element as Django's template writes (its
    template and the attrs template it includes cost more than the rest of a cached page)."""

    def render(self, name, value, attrs=None, renderer=None):
        value = self.format_value(value)
        parts = [f'<input type="{escape(self.input_type)}" name="{escape(name)}"']
        if value is not None:
            parts.append(f' value="{escape(str(value))}"')
        for key, attribute in self.build_attrs(self.attrs, attrs).items():
            if attribute is True:
                parts.append(f" {escape(key)}")
            elif attribute is not False:  # as Django's attrs.html, which writes None as "None"
                parts.append(f' {escape(key)}="{escape(str(attribute))}"')
        return mark_safe("".join(parts) + ">")  # every name and value is escaped above


class FastTextInput(FastInputMixin, forms.TextInput):
    pass


class FastDateInput(FastInputMixin, forms.DateInput):
    pass
