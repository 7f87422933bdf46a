from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join


class FastSelect(forms.Select):
    """A ``<select>`` written in Python instead of one template render per option.

    The measure list's filters offer every partner of the county (hundreds): Django's template
    per option took longer than the rest of the page. Same HTML as ``forms.Select``.
    """

    def render(self, name, value, attrs=None, renderer=None):
        selected = {str(v) for v in self.format_value(value)}
        attrs = self.build_attrs(self.attrs, attrs)
        groups = []
        for option_value, label in self.choices:
            if isinstance(label, list | tuple):
                groups.append(
                    format_html(
                        '<optgroup label="{}">{}</optgroup>',
                        option_value,
                        self._options(label, selected),
                    )
                )
            else:
                groups.append(self._options([(option_value, label)], selected))
        return format_html(
            '<select name="{}"{}>{}</select>',
            name,
            flatatt(attrs),
            format_html_join("", "{}", ((g,) for g in groups)),
        )

    def _options(self, choices, selected: set[str]):
        rows = []
        for option_value, label in choices:
            text = "" if option_value is None else str(option_value)
            is_selected = text in selected and (self.allow_multiple_selected or selected)
            rows.append((text, " selected" if is_selected else "", label))
            if is_selected and not self.allow_multiple_selected:
                selected = set()  # like forms.Select: only the first match is selected
        return format_html_join("", '<option value="{}"{}>{}</option>', rows)
