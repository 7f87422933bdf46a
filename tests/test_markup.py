"""Markup that every page writes the same way (measures/templatetags/markup.py), and template
source that must never reach the browser. The pages themselves are checked in a browser, by axe
and the Nu HTML checker, in tests/e2e."""

import datetime
import re
from pathlib import Path

import pytest
from django.template import Context, Template

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


def test_no_template_comment_spans_two_lines():
    """Django's {# #} is one line only: a longer one is shown on the page, as the error pages
    once showed theirs. Longer comments are {% comment %} blocks."""
    open_comments = [
        f"{path.relative_to(TEMPLATES)}:{number}: {line.strip()}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"\{#(?!.*#\})", line)
    ]
    assert not open_comments, "\n".join(open_comments)


def test_a_time_element_gets_a_datetime_html_accepts(settings):
    settings.TIME_ZONE = "Europe/Oslo"
    saved = datetime.datetime(2026, 11, 30, 1, 52, 7, 123456, tzinfo=datetime.UTC)
    html = Template("{% load markup %}{{ saved|iso_datetime }}").render(Context({"saved": saved}))
    # Oslo time, whole seconds: HTML allows at most three digits of a second, |date:"c" gives six.
    assert html == "2026-11-30T02:52:07+01:00"
    assert datetime.datetime.fromisoformat(html) == saved.replace(microsecond=0)
    summer = saved.replace(month=6)
    html = Template("{% load markup %}{{ saved|iso_datetime }}").render(Context({"saved": summer}))
    assert html == "2026-06-30T03:52:07+02:00"


def test_a_scrolling_table_is_reachable_by_keyboard_and_named_by_its_caption():
    html = Template(
        '{% load markup %}{% scroll_region "change-" id "-caption" %}'
        '<table><caption id="change-{{ id|stringformat:"d" }}-caption">Endringer</caption></table>'
        "{% endscroll_region %}"
    ).render(Context({"id": 1234}))
    assert html == (
        '<div class="table-responsive" tabindex="0" role="region" '
        'aria-labelledby="change-1234-caption">'
        '<table><caption id="change-1234-caption">Endringer</caption></table></div>'
    )


@pytest.mark.parametrize(
    ("django_widget", "fast_widget", "value"),
    [
        ("DateInput", "FastDateInput", datetime.date(2025, 1, 2)),
        ("DateInput", "FastDateInput", None),
        ("DateInput", "FastDateInput", "ikke en dato <b>"),
        ("TextInput", "FastTextInput", "a<b\"&'"),
        ("TextInput", "FastTextInput", ""),
    ],
)
def test_fast_inputs_write_what_djangos_templates_write(django_widget, fast_widget, value):
    from django import forms

    from aktive import widgets

    attrs = {"type": "date", "placeholder": "F.eks. “åpen hall”", "data-x": '"'}
    extra = {"id": "id_start", "required": True, "aria-invalid": "true", "x": None, "y": False}
    expected = getattr(forms, django_widget)(attrs=dict(attrs)).render("start", value, dict(extra))
    fast = getattr(widgets, fast_widget)(attrs=dict(attrs)).render("start", value, dict(extra))
    assert fast == expected
