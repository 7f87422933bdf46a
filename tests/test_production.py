"""Safe to put on the internet: deploy check, CSP, CSRF, lockout, error pages, logs, outages."""

import json
import logging
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from importlib import import_module
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "lokalsamfunn"

# The production environment the README documents (its example env file), on this machine.
PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "k7Hq2vZ9pL4xW1nB8rT6yU3eM0aS5dF2gJ7hK9lC4vX1bN6mQ8wE3rT5yU0iO2pA",
    "ALLOWED_HOSTS": "portal.idrettsrad.no",
    "CSRF_TRUSTED_ORIGINS": "https://portal.idrettsrad.no",
    "DATABASE_URL": "postgres://aktive@127.0.0.1:5432/aktive",
    "USE_X_FORWARDED_PROTO": "true",
    "TRUSTED_PROXY_COUNT": "1",
    "ENV_FILE": "/nonexistent",
}


def production_env(**changes) -> dict:
    inherited = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {
            "SECRET_KEY",
            "ALLOWED_HOSTS",
            "DATABASE_URL",
            "DEBUG",
            "SECURE_SSL_REDIRECT",
            "SESSION_COOKIE_SECURE",
            "CSRF_COOKIE_SECURE",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    return {**inherited, **PRODUCTION_ENV, **changes}


def manage(*arguments, **env):
    return subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=ROOT,
        env=production_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
    )


class TestDeployCheck:
    def test_the_documented_production_settings_pass_with_no_warning(self):
        result = manage("check", "--deploy", "--fail-level", "WARNING")
        assert result.returncode == 0, result.stdout + result.stderr
        assert "no issues" in result.stdout

    @pytest.mark.parametrize(
        "key",
        ["short", "django-insecure-" + "x" * 60, "a" * 60],
        ids=["too-short", "development-key", "one-character"],
    )
    def test_a_weak_secret_key_stops_start_up(self, key):
        result = manage("check", SECRET_KEY=key)
        assert result.returncode != 0
        assert "SECRET_KEY must be at least 50 random characters" in result.stderr


@pytest.mark.django_db
class TestHeaders:
    def test_a_strict_content_security_policy_without_inline_script(self, as_user, partner_user):
        response = as_user(partner_user).get("/")
        policy = dict(
            part.strip().split(" ", 1)
            for part in response.headers["Content-Security-Policy"].split(";")
        )
        assert policy["default-src"] == "'self'"
        assert "unsafe-inline" not in policy["script-src"]
        assert "unsafe-inline" not in policy["style-src"]
        assert "http" not in response.headers["Content-Security-Policy"]  # no other origin
        assert policy["frame-ancestors"] == "'none'"

    def test_no_page_has_inline_script_or_style(self, as_user, partner_user, measure):
        client = as_user(partner_user)
        pages = ["/", reverse("measures:list"), measure.get_absolute_url()]
        pages += [reverse("measures:update", args=[measure.pk]), "/communities/konnerud/"]
        for url in pages:
            html = client.get(url).text
            assert "<script>" not in html and "style=" not in html, url
            for tag in html.split("<script")[1:]:
                opening = tag.split(">", 1)[0]
                assert "src=" in opening or 'type="application/json"' in opening, (url, opening)

    def test_frames_referrer_and_request_id(self, client):
        response = client.get(reverse("login"))
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert len(response.headers["X-Request-ID"]) == 32


@pytest.mark.django_db
class TestCsrf:
    def test_a_post_without_the_token_is_refused_and_saves_nothing(self, partner_user, measure):
        client = Client(enforce_csrf_checks=True)
        client.force_login(partner_user)
        response = client.post(reverse("measures:archive", args=[measure.pk]), {"confirm": "yes"})
        assert response.status_code == 403
        assert "Skjemaet kunne ikke sendes" in response.text
        measure.refresh_from_db()
        assert measure.is_archived is False


@pytest.mark.django_db
class TestLoginLockout:
    def log_in(self, client, username, password, address="10.0.0.7"):
        return client.post(
            reverse("login"),
            {"username": username, "password": password},
            REMOTE_ADDR=address,
        )

    def test_wrong_passwords_lock_that_user_from_that_address_only(self, client, settings):
        kari = UserFactory(username="kari", password=PASSWORD)
        UserFactory(username="ola", password=PASSWORD)
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            assert self.log_in(client, "kari", "feil").status_code == 200
        assert self.log_in(client, "kari", "feil").status_code == 429  # the last one allowed
        locked = self.log_in(client, "kari", PASSWORD)  # now even the right password
        assert locked.status_code == 429
        assert "For mange feil passord" in locked.text
        assert "_auth_user_id" not in client.session
        # Another user on the same network (a school's shared address) still gets in.
        assert self.log_in(Client(), "ola", PASSWORD).status_code == 302
        # And Kari herself from another address.
        assert self.log_in(Client(), "kari", PASSWORD, address="10.0.0.8").status_code == 302
        assert kari.is_active

    def test_a_right_password_before_the_limit_resets_the_count(self, client, settings):
        UserFactory(username="kari", password=PASSWORD)
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            self.log_in(client, "kari", "feil")
        assert self.log_in(client, "kari", PASSWORD).status_code == 302
        client.logout()
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            self.log_in(client, "kari", "feil")
        assert self.log_in(client, "kari", PASSWORD).status_code == 302


@pytest.mark.django_db
def test_changing_the_password_logs_out_the_other_sessions():
    user = UserFactory(username="kari", password=PASSWORD)
    laptop, phone = Client(), Client()
    laptop.force_login(user)
    phone.force_login(user)
    response = laptop.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Et langt nytt passord 2026",
            "new_password2": "Et langt nytt passord 2026",
        },
    )
    assert response.status_code == 302
    assert laptop.get("/").status_code == 200  # this session stays
    assert phone.get("/").status_code == 302  # the other is logged out
    user.refresh_from_db()
    assert user.check_password("Et langt nytt passord 2026")


@pytest.mark.django_db
class TestErrorPages:
    def test_404_in_norwegian(self, as_user, partner_user):
        response = as_user(partner_user).get("/finnes-ikke/")
        assert response.status_code == 404
        assert "Vi finner ikke siden" in response.text

    def test_403_in_norwegian(self, as_user, other_partner_user, measure):
        response = as_user(other_partner_user).get(reverse("measures:update", args=[measure.pk]))
        assert response.status_code == 403
        assert "Du har ikke tilgang til dette" in response.text

    def test_400_in_norwegian(self, client):
        response = client.get(reverse("login"), HTTP_HOST="angriper.example")
        assert response.status_code == 400
        assert '<html lang="nb"' in response.text

    def test_a_bug_gives_the_norwegian_500_page_and_is_logged(self, settings, caplog, partner_user):
        settings.ROOT_URLCONF = "tests.error_urls"
        client = Client(raise_request_exception=False)
        client.force_login(partner_user)
        response = client.get("/broken/")
        assert response.status_code == 500
        assert "Noe gikk galt hos oss" in response.text
        [error] = [r for r in caplog.records if r.name == "django.request"]
        assert "a bug" in str(error.exc_info[1])

    def test_500_and_503_are_static_norwegian_pages(self):
        from django.template import loader

        for name, text in [("500.html", "Noe gikk galt"), ("503.html", "utilgjengelig")]:
            html = loader.render_to_string(name)  # no request, no database, no manifest
            assert text in html and '<html lang="nb">' in html
            assert "<style" not in html and "<script" not in html


@pytest.mark.django_db
class TestLogs:
    def records(self, caplog, logger):
        return [record for record in caplog.records if record.name == logger]

    def test_one_line_per_request_with_its_id(self, caplog, as_user, partner_user):
        caplog.set_level(logging.INFO)
        response = as_user(partner_user).get("/", HTTP_X_REQUEST_ID="nginx-abc12345")
        [line] = self.records(caplog, "aktive.requests")
        assert (line.method, line.path, line.status) == ("GET", "/", 200)
        assert line.user_id == partner_user.pk
        assert line.request_id == "nginx-abc12345" == response.headers["X-Request-ID"]

    def test_a_refused_access_says_who_what_and_why(
        self, caplog, as_user, other_partner_user, measure
    ):
        url = reverse("measures:update", args=[measure.pk])
        as_user(other_partner_user).post(url, {"title": "Kapret"})
        [line] = self.records(caplog, "aktive.security")
        assert line.message == "access refused"
        assert (line.username, line.method, line.path) == ("skole", "POST", url)
        assert line.reason == "may not edit this measure"

    def test_a_failed_login_is_logged_without_the_password(self, caplog, client):
        UserFactory(username="kari", password=PASSWORD)
        client.post(reverse("login"), {"username": "kari", "password": "Hemmelig123!"})
        client.post(reverse("login"), {"username": "kari", "password": PASSWORD})
        failed = [r for r in self.records(caplog, "aktive.security") if r.message == "login failed"]
        assert [record.username for record in failed] == ["kari"]
        session_key = client.session.session_key
        everything = "\n".join(
            json.dumps({k: str(v) for k, v in vars(record).items()}) for record in caplog.records
        )
        assert "Hemmelig123!" not in everything and PASSWORD not in everything
        assert session_key not in everything

    def test_reset_tokens_are_not_logged(self, caplog, client):
        caplog.set_level(logging.INFO)
        client.get("/accounts/reset/MQ/cbu3a2-5e0f1c2d3b4a/")
        [line] = self.records(caplog, "aktive.requests")
        assert line.path == "/accounts/reset/…/…/"

    def test_lines_are_json_in_production(self):
        from aktive.logging import JsonFormatter, RequestIdFilter

        record = logging.LogRecord("aktive.requests", logging.INFO, "", 0, "GET / 200", (), None)
        record.status = 200
        RequestIdFilter().filter(record)
        entry = json.loads(JsonFormatter().format(record))
        assert entry["message"] == "GET / 200" and entry["status"] == 200
        assert entry["request_id"] == "-"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(url: str, timeout: float = 10, **headers) -> tuple[int, str, float]:
    started = time.monotonic()
    try:
        request = urllib.request.Request(url, headers=headers)
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read().decode(), time.monotonic() - started
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), time.monotonic() - started


@contextmanager
def gunicorn_without_database(**env):
    """A real server (gunicorn, one worker, the production settings) whose PostgreSQL is
    unreachable; yields its port once it listens."""
    port = free_port()
    command = ["-m", "gunicorn", "--config", "gunicorn.conf.py", "--workers", "1"]
    server = subprocess.Popen(
        [sys.executable, *command, "--bind", f"127.0.0.1:{port}", "aktive.wsgi"],
        cwd=ROOT,
        env=production_env(
            # Nothing listens on port 9: the connection is refused, as while PostgreSQL restarts.
            DATABASE_URL="postgres://aktive@127.0.0.1:9/aktive",
            ALLOWED_HOSTS="127.0.0.1",
            **env,
        ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_without_the_database_pages_answer_503_quickly_and_healthz_says_so():
    """Nothing hangs, nothing is a 500."""
    with gunicorn_without_database(SECURE_SSL_REDIRECT="false") as port:
        status, body, seconds = get(f"http://127.0.0.1:{port}/healthz")
        assert (status, body) == (503, "database unavailable\n")
        # A logged-in user's request: the session lives in the database.
        status, body, seconds = get(f"http://127.0.0.1:{port}/", Cookie="sessionid=" + "a" * 32)
        assert status == 503
        assert "Portalen er utilgjengelig et øyeblikk" in body
        assert seconds < 3


@pytest.mark.django_db
class TestSessions:
    def test_a_visit_renews_the_session_at_most_once_an_hour(self, partner_user):
        client = Client()
        client.force_login(partner_user)
        client.get("/")  # the first visit stamps the session
        session = Session.objects.get()
        first_expiry = session.expire_date
        with CaptureQueriesContext(connection) as queries:
            client.get("/")
        assert not [q for q in queries if q["sql"].startswith("UPDATE") and "session" in q["sql"]]
        # An hour later the next visit pushes the end two weeks from then. (Through the session
        # engine, which keeps the session in the cache too.)
        store = import_module(settings.SESSION_ENGINE).SessionStore(session.session_key)
        store["_refreshed_at"] -= 3601
        store.save()
        client.get("/")
        assert Session.objects.get().expire_date > first_expiry

    def test_a_stale_cookie_creates_no_session(self, client):
        client.cookies["sessionid"] = "x" * 32
        client.get(reverse("login"))
        assert Session.objects.count() == 0
