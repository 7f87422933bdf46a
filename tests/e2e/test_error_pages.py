"""Every error page in a real browser, reached the way a user reaches it where that can be done:
Norwegian, a heading and a way back, no template source on the screen, axe clean (and, through
``open_page``, the Nu HTML checker), with screenshots at desktop and phone width."""

import re

import pytest
from django.conf import settings
from playwright.sync_api import expect

from measures.models import Measure
from tests.e2e.conftest import DESKTOP, PHONE, assert_accessible, log_in, shot

pytestmark = pytest.mark.django_db(transaction=True)

TEMPLATE_SOURCE = ("{#", "#}", "{%", "%}", "{{", "}}")


def assert_a_proper_error_page(page, name: str, heading: str) -> None:
    expect(page.locator("html")).to_have_attribute("lang", "nb")
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    on_screen = page.title() + "\n" + page.locator("body").inner_text()
    leaked = [source for source in TEMPLATE_SOURCE if source in on_screen]
    assert not leaked, f"{name}: template source on the page: {leaked}\n{on_screen}"
    assert not [source for source in TEMPLATE_SOURCE if source in page.content()], name
    # A way back: a visible link to the front page.
    assert page.locator('a[href="/"]:visible').count() >= 1, f"{name}: no link back to /"
    for viewport, width in ((DESKTOP, "desktop"), (PHONE, "phone")):
        page.set_viewport_size(viewport)
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"], name
        assert_accessible(page)
        shot(page, f"error-{name}-{width}")
    page.set_viewport_size(DESKTOP)


def submit_login(page, username: str, password: str):
    page.get_by_label("Brukernavn").fill(username)
    page.get_by_label("Passord").fill(password)
    with page.expect_response(lambda r: r.request.resource_type == "document") as answer:
        page.get_by_role("button", name="Logg inn").click()
    page.wait_for_load_state()
    return answer.value


def test_every_error_page_in_the_browser(demo, open_page):
    page = open_page(DESKTOP)

    # 403, form expired: the login form is sent after its CSRF cookie is gone.
    page.goto("/accounts/login/")
    page.context.clear_cookies()
    response = submit_login(page, "konnerud-il", "lokalsamfunn")
    assert response.status == 403
    assert_a_proper_error_page(page, "403-csrf", "Skjemaet kunne ikke sendes")

    # 429: wrong passwords until the username is locked from this address.
    page.goto("/accounts/login/")
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        response = submit_login(page, "kommune", "feil-passord")
        if response.status == 429:
            break
    assert response.status == 429
    assert_a_proper_error_page(page, "429-locked-out", "For mange feil passord")
    expect(page.get_by_role("link", name="Lag nytt passord")).to_be_visible()

    log_in(page, "hallermoen")

    response = page.goto("/finnes-ikke/")
    assert response.status == 404
    assert_a_proper_error_page(page, "404", "Vi finner ikke siden")

    # Hallermoen skole is not a partner of Åpen hall.
    response = page.goto(f"/measures/{Measure.objects.get(title='Åpen hall').pk}/edit/")
    assert response.status == 403
    assert_a_proper_error_page(page, "403", "Du har ikke tilgang til dette")

    # The rest come from views that fail on purpose (tests/error_urls.py).
    response = page.goto("/bad-request/")
    assert response.status == 400
    assert_a_proper_error_page(page, "400", "Noe i forespørselen var feil")

    response = page.goto("/broken/")
    assert response.status == 500
    assert_a_proper_error_page(page, "500", "Noe gikk galt hos oss")

    response = page.goto("/database-down/")
    assert response.status == 503
    assert response.headers["retry-after"] == "15"
    assert_a_proper_error_page(page, "503", "Portalen er utilgjengelig et øyeblikk")
    expect(page.locator("main")).to_contain_text(re.compile("last inn siden på nytt"))
