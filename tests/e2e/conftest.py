"""Browser tests: Playwright for Python driving Debian's Chromium (no browser download)."""

import os
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--lang=nb-NO",
]
SCREENSHOTS = Path(__file__).parent / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
DEMO_PASSWORD = "lokalsamfunn"


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        reason = f"Chromium not found at {CHROMIUM}: apt-get install chromium"
        if os.environ.get("E2E_REQUIRED"):
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def _serve_media(settings):
    settings.ROOT_URLCONF = "tests.e2e.urls"


@pytest.fixture
def demo(transactional_db):
    """The Konnerud demo data, as `make run` loads it."""
    call_command("load_demo", demo_accounts=True, stdout=open(os.devnull, "w"))  # noqa: SIM115


@pytest.fixture
def open_page(browser, live_server):
    """``open_page(width=…)`` gives a fresh browser page in Norwegian at that viewport."""
    contexts, pages = [], []

    def make(viewport=DESKTOP):
        context = browser.new_context(viewport=viewport, locale="nb-NO", base_url=live_server.url)
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.console_errors = []
        pages.append(page)
        page.on("console", lambda message: note_console_error(page, message))
        page.on("response", lambda response: note_failed_file(page, response))
        return page

    yield make
    errors = [error for page in pages for error in page.console_errors]
    for context in contexts:
        context.close()
    # A Content-Security-Policy violation, a failed script or a missing file shows up here.
    assert not errors, "console errors:\n" + "\n".join(errors)


def note_console_error(page, message) -> None:
    # A page a test opens on purpose may answer 403 or 404; that is its own check. Failed
    # files (scripts, styles, images) are caught by ``note_failed_file`` instead.
    if message.type == "error" and not message.text.startswith("Failed to load resource"):
        page.console_errors.append(f"{page.url}: {message.text}")


def note_failed_file(page, response) -> None:
    if response.request.resource_type != "document" and response.status >= 400:
        page.console_errors.append(f"{response.status} {response.url}")


def log_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Brukernavn").fill(username)
    page.get_by_label("Passord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Logg inn").click()
    page.wait_for_url("**/")


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


def assert_accessible(page) -> None:
    """axe-core finds no serious or critical violation on the page."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} – {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in {"serious", "critical"}
    ]
    assert not bad, f"{page.url}:\n" + "\n".join(bad)
