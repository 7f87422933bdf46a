"""Browser tests: Playwright for Python driving Debian's Chromium (no browser download).

Every HTML document the portal serves to a browser test is validated by the Nu HTML checker
(vnu.jar from the ``vnu-jar`` npm package, run with Debian's Java) after the test, with no error
allowed; its warnings are listed at the end of the run.
"""

import hashlib
import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

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
ROOT = Path(__file__).resolve().parents[2]
VNU_JAR = Path(os.environ.get("VNU_JAR", ROOT / "node_modules/vnu-jar/build/dist/vnu.jar"))
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
DEMO_PASSWORD = "lokalsamfunn"


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.e2e)


def missing(reason: str):
    """Without a tool the browser tests are skipped, saying why; with E2E_REQUIRED=1 they fail."""
    if os.environ.get("E2E_REQUIRED"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        missing(f"Chromium not found at {CHROMIUM}: apt-get install chromium")
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
def open_page(browser, live_server, html_checker):
    """``open_page(width=…)`` gives a fresh browser page in Norwegian at that viewport.

    After the test, every console error and every HTML document the portal served fails it.
    """
    contexts, pages = [], []
    served = ServedHtml(live_server)

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
    served.stop()
    # A Content-Security-Policy violation, a failed script or a missing file shows up here.
    assert not errors, "console errors:\n" + "\n".join(errors)
    invalid = html_checker.check_all(served.documents)
    assert not invalid, "the Nu HTML checker found errors:\n" + "\n".join(invalid)


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


# axe rates these "moderate" (landmark-unique) or may in a later version; they fail all the same:
# a scrolling table the keyboard cannot reach, two landmarks a screen reader cannot tell apart.
AXE_ALWAYS_FAILING = {"landmark-unique", "scrollable-region-focusable"}


def assert_accessible(page) -> None:
    """axe-core finds no serious or critical violation on the page, nor any AXE_ALWAYS_FAILING."""
    from axe_playwright_python.sync_playwright import Axe

    options = {"resultTypes": ["violations"]}
    if admin_url(urlsplit(page.url).path):
        # Admin's forms.css @imports widgets.css; axe's preload fetches it relative to the page
        # and injects what it got as an inline style, which the CSP refuses (a console error).
        options["preload"] = False
    results = Axe().run(page, options=options)
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} – {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in {"serious", "critical"} or v["id"] in AXE_ALWAYS_FAILING
    ]
    assert not bad, f"{page.url}:\n" + "\n".join(bad)


# --- The Nu HTML checker -------------------------------------------------------------------


@dataclass
class Document:
    url: str
    status: int
    html: bytes


class ServedHtml:
    """Keeps every HTML document the live server sends while it is installed (one test)."""

    def __init__(self, live_server):
        self.documents: list[Document] = []
        self.httpd = live_server.thread.httpd
        self.app = self.httpd.get_app()
        self.httpd.set_app(self)

    def __call__(self, environ, start_response):
        answer = {}

        def start(status, headers, exc_info=None):
            answer.update(status=int(status[:3]), headers={k.lower(): v for k, v in headers})
            return start_response(status, headers, exc_info)

        body = self.app(environ, start)
        if not answer.get("headers", {}).get("content-type", "").startswith("text/html"):
            return body
        try:
            html = b"".join(body)
        finally:
            if hasattr(body, "close"):
                body.close()  # Django's request_finished: closes the thread's connections
        if html:
            query = environ.get("QUERY_STRING")
            url = environ["PATH_INFO"] + (f"?{query}" if query else "")
            self.documents.append(Document(url, answer["status"], html))
        return [html]

    def stop(self):
        self.httpd.set_app(self.app)


def admin_url(url: str) -> bool:
    """Django admin's pages are not checked: its own markup fails the checker (an autocomplete
    select is required but has no empty option, and a hidden field in a fieldset gets a label)."""
    return url.startswith("/admin/")


class HtmlChecker:
    """vnu.jar's HTTP service on loopback, started once per test session (the JVM takes seconds).

    It starts in the background; the first check waits for it.
    """

    warnings: dict[str, list[str]] = {}
    checked = 0
    skipped_admin: set[str] = set()

    def __init__(self, java: str):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.process = subprocess.Popen(
            [
                java,
                "-Dnu.validator.servlet.bind-address=127.0.0.1",
                "-cp",
                str(VNU_JAR),
                "nu.validator.servlet.Main",
                str(self.port),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.ready = False
        # Straight to loopback, whatever http_proxy says.
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def wait_until_ready(self) -> None:
        deadline = time.monotonic() + 90
        while not self.ready:
            if self.process.poll() is not None:
                raise RuntimeError(f"vnu.jar stopped with exit code {self.process.returncode}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                self.ready = True
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def messages(self, html: bytes) -> list[dict]:
        self.wait_until_ready()
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/?out=json",
            data=html,
            headers={"Content-Type": "text/html; charset=utf-8"},
        )
        with self.opener.open(request, timeout=120) as response:
            return json.load(response)["messages"]

    def check_all(self, documents: list[Document]) -> list[str]:
        """Each distinct document once; its errors as "URL (status) line N: message"."""
        errors, seen = {}, set()
        for document in documents:
            digest = hashlib.sha256(document.html).digest()
            if digest in seen:
                continue
            seen.add(digest)
            if admin_url(document.url):
                type(self).skipped_admin.add(document.url.split("?")[0])
                continue
            type(self).checked += 1
            where = f"{document.url} ({document.status})"
            for message in self.messages(document.html):
                text = f"line {message.get('lastLine', '?')}: {message['message']}"
                if message["type"] in {"error", "non-document-error"}:
                    extract = message.get("extract", "").strip()
                    errors[f"{where} {text}" + (f"\n    {extract}" if extract else "")] = True
                elif message.get("subType") == "warning":
                    self.warnings.setdefault(message["message"], []).append(where)
        return list(errors)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


@pytest.fixture(scope="session")
def html_checker():
    java = shutil.which("java")
    if not java:
        missing("Java not found for the Nu HTML checker: apt-get install default-jre-headless")
    if not VNU_JAR.exists():
        missing(f"The Nu HTML checker is not installed ({VNU_JAR}): npm ci --ignore-scripts")
    checker = HtmlChecker(java)
    yield checker
    checker.stop()


def pytest_terminal_summary(terminalreporter):
    if not HtmlChecker.checked:
        return
    write = terminalreporter.write_line
    terminalreporter.section("Nu HTML checker (vnu.jar)")
    write(f"{HtmlChecker.checked} distinct HTML documents checked, errors fail their test.")
    if HtmlChecker.skipped_admin:
        write(
            f"Not checked: {len(HtmlChecker.skipped_admin)} Django admin pages (Django's "
            "autocomplete selects and labels on hidden fields are not valid HTML)."
        )
    for message, where in sorted(HtmlChecker.warnings.items()):
        write(f"warning ({len(where)}×, e.g. {where[0]}): {message}")
