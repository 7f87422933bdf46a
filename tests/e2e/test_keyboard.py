"""Keyboard users: every header control keeps WCAG AA contrast while focused, and every table
that scrolls sideways on a phone can be reached, read by name and scrolled from the keyboard."""

import pytest
from playwright.sync_api import expect

from measures.models import Measure
from tests.e2e.conftest import DESKTOP, PHONE, assert_accessible, log_in, shot

pytestmark = pytest.mark.django_db(transaction=True)

# The focused element inside the header, after its transitions: its text's contrast with its
# own background, and its outline's contrast with what lies around the outline (the parent's
# background, or the element's own for an outline drawn inside it). None outside the header.
FOCUSED_HEADER_CONTROL = """async () => {
  const el = document.activeElement;
  if (!el || !el.closest('.site-header')) return null;
  await Promise.all(el.getAnimations().map((animation) => animation.finished));
  const parse = (css) => {
    const [r, g, b, a] = css.match(/[\\d.]+/g).map(Number);
    return [r, g, b, a === undefined ? 1 : a];
  };
  const over = (top, bottom) =>
    [0, 1, 2].map((i) => top[i] * top[3] + bottom[i] * (1 - top[3])).concat(1);
  const background = (node) => {
    const layers = [];
    for (let n = node; n; n = n.parentElement) {
      layers.unshift(parse(getComputedStyle(n).backgroundColor));
    }
    return layers.reduce((below, layer) => over(layer, below), [255, 255, 255, 1]);
  };
  const luminance = (c) => {
    const [r, g, b] = c.slice(0, 3).map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const ratio = (x, y) => {
    const [hi, lo] = [luminance(x), luminance(y)].sort((a, b) => b - a);
    return Math.round(((hi + 0.05) / (lo + 0.05)) * 100) / 100;
  };
  const style = getComputedStyle(el);
  const own = background(el);
  const around = parseFloat(style.outlineOffset) < 0 ? own : background(el.parentElement);
  const text = el.innerText.trim();
  return {
    name: text || el.getAttribute('aria-label'),
    text: text ? ratio(over(parse(style.color), own), own) : null,
    outline: style.outlineStyle === 'none' ? 0 : parseFloat(style.outlineWidth),
    ring: ratio(over(parse(style.outlineColor), around), around),
  };
}"""


def walk_the_header(page) -> list[dict]:
    """Tab from the top of the page through the header, opening what is closed (the menu on a
    phone, the user menu); each focused control as FOCUSED_HEADER_CONTROL measures it."""
    page.keyboard.press("Tab")  # the skip link, before the header
    seen = []
    for _ in range(40):
        page.keyboard.press("Tab")
        control = page.evaluate(FOCUSED_HEADER_CONTROL)
        if control is None:
            return seen
        seen.append(control)
        if page.evaluate("document.activeElement.getAttribute('aria-expanded')") == "false":
            page.keyboard.press("Enter")
            control = page.evaluate(FOCUSED_HEADER_CONTROL)
            seen.append({**control, "name": f"{control['name']} (open)"})
    raise AssertionError("the focus never left the header")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_header_controls_keep_their_contrast_under_keyboard_focus(demo, open_page, viewport):
    page = open_page(viewport)
    log_in(page, "idrettsrad")  # staff: the header has every link, Admin too
    seen = walk_the_header(page)
    names = [control["name"] for control in seen]
    assert "Admin" in names and "Logg ut" in names, names
    too_faint = [
        f"{c['name']}: text {c['text']}:1, focus ring {c['outline']}px at {c['ring']}:1"
        for c in seen
        if (c["text"] is not None and c["text"] < 4.5) or c["outline"] < 2 or c["ring"] < 3
    ]
    assert not too_faint, "\n".join(too_faint)
    page.keyboard.press("Shift+Tab")  # back to the last control in the header: the user menu
    shot(page, f"header-user-menu-focused-{'phone' if viewport is PHONE else 'desktop'}")


def test_tables_that_scroll_on_a_phone_are_reachable_and_named(demo, open_page):
    page = open_page(PHONE)
    log_in(page, "forsker")
    measure = Measure.objects.get(title="Åpen hall")
    scrolled = 0
    for url in [
        measure.get_absolute_url(),
        "/communities/konnerud/",
        "/communities/konnerud/evaluation/",
    ]:
        page.goto(url)
        assert_accessible(page)
        wrappers = page.locator(".table-responsive")
        assert wrappers.count() >= 1, url
        for wrapper in wrappers.all():
            expect(wrapper).to_have_attribute("tabindex", "0")
            expect(wrapper).to_have_attribute("role", "region")
            label = page.locator(f"#{wrapper.get_attribute('aria-labelledby')}")
            name = label.text_content().strip()
            assert name, f"{url}: a scrolling table without a name"
            expect(page.get_by_role("region", name=name, exact=True)).to_have_count(1)
            if wrapper.evaluate("el => el.scrollWidth > el.clientWidth"):
                # In the tab order (tabindex 0, above), and scrolled with the arrow keys.
                wrapper.focus()
                expect(wrapper).to_be_focused()
                page.keyboard.press("ArrowRight")
                page.wait_for_function("el => el.scrollLeft > 0", arg=wrapper.element_handle())
                scrolled += 1
    assert scrolled >= 2  # the evaluation page's tables do not fit on a phone
    shot(page, "evaluation-table-focused-phone")
