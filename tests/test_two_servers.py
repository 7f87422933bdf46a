"""Two app servers behind nginx, sharing PostgreSQL, Redis and the media folder.

Two gunicorn instances with the production settings serve the same database, the same Redis
(sessions, logged-in users, cached pages) and the same media folder, behind Debian's nginx
(round robin, media served by nginx from the folder). A partner logs in through one, reports
and changes the photo through the other, and the cached pages on both, and through nginx,
show the change at once; logging out through one ends the session on both.

PostgreSQL only (the servers are other processes: they need a database server). Without nginx
or Redis the test is skipped with the reason printed; with NGINX_REQUIRED=1 or REDIS_REQUIRED=1
(as in CI) it fails instead.
"""

import http.client
import io
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import uuid
from pathlib import Path

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection
from PIL import Image

from tests.factories import MeasureFactory, UserFactory
from tests.test_caching import REDIS_URL, redis_or_skip
from tests.test_production import production_env

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "to-servere-ett-passord"

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="two servers need a PostgreSQL server"
    ),
]


def nginx_or_skip() -> str:
    nginx = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    if nginx is None:
        message = "nginx is missing (apt-get install nginx-light)"
        if os.environ.get("NGINX_REQUIRED"):
            pytest.fail(message)
        pytest.skip(message)
    return nginx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port: int, process: subprocess.Popen, log: Path) -> None:
    for _ in range(150):
        if process.poll() is not None:
            raise AssertionError(f"exited: {log.read_text()[-2000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing listens on {port}: {log.read_text()[-2000:]}")


NGINX_CONF = """
{user}
worker_processes 1;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    client_max_body_size 12m;
    upstream portal {{
        server 127.0.0.1:{first};
        server 127.0.0.1:{second};
    }}
    server {{
        listen 127.0.0.1:{port};
        location /media/ {{ alias {media}/; }}
        location / {{
            proxy_pass http://portal;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        }}
    }}
}}
"""


class Browser:
    """A visitor with cookies, talking to whichever server it is given."""

    def __init__(self):
        self.cookies: dict[str, str] = {}

    def request(self, port: int, method: str, path: str, fields: dict | None = None, files=None):
        headers = {"Host": "127.0.0.1"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if files:
            boundary = uuid.uuid4().hex
            headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
            body = multipart(boundary, fields or {}, files)
        elif fields is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            body = urllib.parse.urlencode(fields).encode()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        content = response.read()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, rest = value.split("=", 1)
                cookie_value = rest.split(";", 1)[0]
                if "max-age=0" in value.lower() or not cookie_value or cookie_value == '""':
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = cookie_value
        conn.close()
        return response.status, content.decode(errors="replace"), response

    def get(self, port: int, path: str):
        return self.request(port, "GET", path)

    def post_form(self, port: int, path: str, fields: dict, files=None):
        """GET the form (for its CSRF token) and POST it, both to ``port``."""
        status, page, _response = self.get(port, path)
        assert status == 200, (path, status, page[:500])
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        version = {}
        for name in ("version", "seen_version"):
            found = re.search(rf'name="{name}" value="([^"]*)"', page)
            if found:
                version[name] = found.group(1)
        return self.request(
            port, "POST", path, {"csrfmiddlewaretoken": token, **version, **fields}, files
        )


def multipart(boundary: str, fields: dict, files: dict) -> bytes:
    parts = []
    for name, value in fields.items():
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
        parts.append(f"{head}{value}\r\n".encode())
    for name, (filename, content, content_type) in files.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n'.encode()
            + content
            + b"\r\n"
        )
    return b"".join(parts) + f"--{boundary}--\r\n".encode()


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 40, 40)).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def servers(tmp_path, live_server_env):
    """Two gunicorn instances and nginx in front; yields their ports and the media folder."""
    nginx = nginx_or_skip()
    redis_or_skip()
    media = tmp_path / "media"
    media.mkdir()
    static = tmp_path / "static"
    prefix = f"two-servers-{uuid.uuid4().hex[:8]}"
    env = production_env(
        **live_server_env,
        ALLOWED_HOSTS="127.0.0.1",
        USE_X_FORWARDED_PROTO="false",
        SECURE_SSL_REDIRECT="false",
        SESSION_COOKIE_SECURE="false",
        CSRF_COOKIE_SECURE="false",
        SECURE_HSTS_SECONDS="0",
        CACHE_URL=REDIS_URL,
        CACHE_KEY_PREFIX=prefix,
        CACHE_SHARED="true",
        MEDIA_ROOT=str(media),
        STATIC_ROOT=str(static),
        LOG_LEVEL="WARNING",
    )
    env.pop("DJANGO_SETTINGS_MODULE", None)
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=300,
    )
    processes = []
    ports = []
    try:
        for number in (1, 2):
            port = free_port()
            log = tmp_path / f"gunicorn-{number}.log"
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "--config",
                    "gunicorn.conf.py",
                    "--workers",
                    "1",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--error-logfile",
                    str(log),
                    "aktive.wsgi",
                ],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            processes.append(process)
            wait_for(port, process, log)
            ports.append(port)
        proxy = free_port()
        conf = tmp_path / "nginx.conf"
        conf.write_text(
            NGINX_CONF.format(
                user="user root;" if os.geteuid() == 0 else "",
                tmp=tmp_path,
                first=ports[0],
                second=ports[1],
                port=proxy,
                media=media,
            )
        )
        process = subprocess.Popen(
            [nginx, "-p", str(tmp_path), "-c", str(conf)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        processes.append(process)
        wait_for(proxy, process, tmp_path / "nginx-error.log")
        yield {"one": ports[0], "two": ports[1], "nginx": proxy, "media": media}
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=20)
        client = redis_or_skip()
        keys = list(client.scan_iter(f"{prefix}:*"))
        if keys:
            client.delete(*keys)


@pytest.fixture
def live_server_env():
    """The test database, as the servers (other processes) must reach it."""
    settings = connection.settings_dict
    url = (
        f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:"
        f"{settings['PORT'] or 5432}/{settings['NAME']}"
    )
    return {"DATABASE_URL": url}


def test_log_in_through_one_edit_through_the_other_and_both_show_it(servers):
    measure = MeasureFactory(title="Åpen hall")
    user = UserFactory(username="klubb2", partners=[measure.lead_partner])
    # The servers' own hasher (the tests' settings use a fast one the servers do not know).
    user.password = PBKDF2PasswordHasher().encode(PASSWORD, PBKDF2PasswordHasher().salt())
    user.save()
    one, two, nginx = servers["one"], servers["two"], servers["nginx"]
    browser = Browser()
    status, _page, _response = browser.post_form(
        one, "/accounts/login/", {"username": "klubb2", "password": PASSWORD}
    )
    assert status == 302, "logged in through the first server"
    # The second server knows the session (PostgreSQL and Redis are shared).
    status, page, _response = browser.get(two, "/")
    assert status == 200 and measure.lead_partner.name in page

    evaluation = f"/communities/{measure.community.slug}/evaluation/?year=2025"
    for port in (one, two, nginx, nginx):  # kept in the shared cache before the change
        status, page, _response = browser.get(port, evaluation)
        assert status == 200
        assert "9876" not in page.replace("\xa0", "").replace(" ", "")

    status, page, _response = browser.post_form(
        two,
        f"/measures/{measure.pk}/reports/new/",
        {
            "period_start": "2025-03-07",
            "period_end": "",
            "sessions": "1",
            "participants": "9876",
            "girls": "",
            "volunteers": "2",
            "volunteer_hours": "3",
            "note": "",
        },
    )
    assert status == 302, page[:2000]
    for port in (one, two, nginx, nginx):
        status, page, _response = browser.get(port, evaluation)
        assert "9876" in page.replace("\xa0", "").replace(" ", ""), port

    # A photo uploaded through the first server is served by nginx from the shared folder.
    status, page, _response = browser.post_form(
        one,
        f"/measures/{measure.pk}/photo/",
        {"image_alt": "Barn som spiller ball i hallen", "image_consent": "on"},
        files={"image": ("hall.jpg", jpeg(), "image/jpeg")},
    )
    assert status == 302, page[:2000]
    status, page, _response = browser.get(two, f"/measures/{measure.pk}/")
    src = re.search(r'src="(/media/[^"]+)"', page).group(1)
    status, _image, _response = browser.get(nginx, src)
    assert status == 200
    assert any(servers["media"].rglob("*.*"))

    # Logging out through one server ends the session on both, for any copy of the cookie.
    session = browser.cookies["sessionid"]
    status, page, _response = browser.get(one, "/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    status, _page, _response = browser.request(
        one, "POST", "/accounts/logout/", {"csrfmiddlewaretoken": token}
    )
    assert status == 302
    browser.cookies["sessionid"] = session
    for port in (one, two):
        status, _page, _response = browser.get(port, "/")
        assert status == 302, f"still logged in on {port}"
