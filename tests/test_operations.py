"""Operations at the edges: /healthz over plain HTTP, bodies over the upload limit, the password
reset's limit."""

import http.client
import os

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from aktive.accounts import account_key, address_key, within_limit
from notifications.services import emails_send_due
from tests.factories import UserFactory
from tests.test_production import gunicorn_without_database

# --- /healthz -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_healthz_over_plain_http_answers_its_state_while_pages_redirect(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/healthz")
    assert (response.status_code, response.content) == (200, b"ok\n")
    login = client.get(reverse("login"))
    assert login.status_code == 301
    assert login["Location"] == "https://testserver/accounts/login/"


def test_healthz_over_plain_http_says_503_when_the_database_is_down():
    """With the production defaults (HTTPS redirect on) and PostgreSQL unreachable, a load
    balancer asking over plain HTTP sees the 503, not a redirect."""
    with gunicorn_without_database(USE_X_FORWARDED_PROTO="false") as port:
        assert plain_http_get(port, "/healthz") == (503, b"database unavailable\n")
        assert plain_http_get(port, "/accounts/login/")[0] == 301


def plain_http_get(port: int, path: str) -> tuple[int, bytes]:
    """Status and body over plain HTTP, without following a redirect."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


# --- Bodies over the limit ----------------------------------------------------------------------

BOUNDARY = "grense"


class UploadBody:
    """A multipart body with one photo of ``size`` bytes, made as it is read.

    Counts the bytes read and, at every read, the files in FILE_UPLOAD_TEMP_DIR: what Django
    writes to disk while it receives an upload shows there before the request ends.
    """

    def __init__(self, size: int, temp_dir):
        self.temp_dir = temp_dir
        head = (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="image_alt"\r\n\r\nBarn\r\n'
            f"--{BOUNDARY}\r\nContent-Disposition: form-data; "
            'name="image"; filename="bilde.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'
        ).encode()
        tail = f"\r\n--{BOUNDARY}--\r\n".encode()
        self.parts = [head, size, tail]
        self.length = len(head) + size + len(tail)
        self.read_bytes = 0
        self.most_temp_files = 0

    def read(self, size=-1):
        self.most_temp_files = max(self.most_temp_files, len(os.listdir(self.temp_dir)))
        if size is None or size < 0:
            size = self.length
        chunk = b""
        while self.parts and len(chunk) < size:
            part = self.parts[0]
            want = size - len(chunk)
            if isinstance(part, int):
                taken = min(part, want)
                chunk += b"\xff" * taken
                self.parts[0] = part - taken
                if self.parts[0] == 0:
                    self.parts.pop(0)
            else:
                chunk += part[:want]
                self.parts[0] = part[want:]
                if not self.parts[0]:
                    self.parts.pop(0)
        self.read_bytes += len(chunk)
        return chunk

    def readline(self, size=-1):
        return self.read(size)

    def environ(self, **extra) -> dict:
        return {
            "wsgi.input": self,
            "CONTENT_LENGTH": str(self.length),
            "CONTENT_TYPE": f"multipart/form-data; boundary={BOUNDARY}",
            **extra,
        }


@pytest.fixture
def upload_dir(settings, tmp_path):
    folder = tmp_path / "uploads"
    folder.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(folder)
    return folder


def post_photo(client, measure, body: UploadBody, **extra):
    url = reverse("measures:photo", args=[measure.pk])
    return client.generic("POST", url, **body.environ(**extra))


@pytest.mark.django_db
class TestUploadLimit:
    def test_an_anonymous_upload_over_the_limit_is_413_before_login_and_disk(
        self, client, measure, upload_dir
    ):
        body = UploadBody(20 * 1024 * 1024, upload_dir)
        response = post_photo(client, measure, body)
        assert response.status_code == 413  # not a redirect to the login
        assert "Det du sendte, er for stort" in response.text
        assert "høyst 12 MB" in response.text
        assert (body.read_bytes, body.most_temp_files) == (0, 0)
        measure.refresh_from_db()
        assert not measure.image

    def test_a_partner_upload_over_the_limit_is_413_too(
        self, as_user, partner_user, measure, upload_dir
    ):
        body = UploadBody(13 * 1024 * 1024, upload_dir)
        assert post_photo(as_user(partner_user), measure, body).status_code == 413
        assert (body.read_bytes, body.most_temp_files) == (0, 0)

    def test_an_upload_under_the_limit_is_read_and_checked_by_the_form(
        self, as_user, partner_user, measure, upload_dir
    ):
        """The counterpart: the instrument sees a large upload go to disk while it is read."""
        body = UploadBody(3 * 1024 * 1024, upload_dir)
        response = post_photo(as_user(partner_user), measure, body)
        assert response.status_code == 200  # the form, saying this is no photo
        assert response.context["form"].errors["image"]
        assert body.read_bytes == body.length
        assert body.most_temp_files == 1

    def test_a_body_without_a_length_is_refused(self, client, measure, upload_dir):
        body = UploadBody(1024, upload_dir)
        url = reverse("measures:photo", args=[measure.pk])
        environ = body.environ(HTTP_TRANSFER_ENCODING="chunked")
        del environ["CONTENT_LENGTH"]
        response = client.generic("POST", url, **environ)
        assert response.status_code == 411
        assert "Skjemaet kom ikke frem" in response.text
        assert body.read_bytes == 0

    def test_a_length_that_is_not_a_number_is_400(self, client, measure, upload_dir):
        body = UploadBody(1024, upload_dir)
        response = post_photo(client, measure, body, CONTENT_LENGTH="tolv")
        assert response.status_code == 400
        assert body.read_bytes == 0


# --- Password reset -----------------------------------------------------------------------------


def mails_sent() -> list:
    """What the mail server got, once the worker has sent what the outbox holds."""
    emails_send_due()
    return mail.outbox


def ask_for_reset(email: str):
    response = Client().post(reverse("password_reset"), {"email": email})
    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_done")
    return response


@pytest.mark.django_db
class TestPasswordResetLimit:
    def test_three_mails_an_hour_per_address_then_the_same_answer_and_no_mail(self, settings):
        settings.PASSWORD_RESET_LIMIT_PER_HOUR = 3
        UserFactory(username="kari", email="kari@example.no")
        for _ in range(3):
            ask_for_reset("kari@example.no")
        assert len(mails_sent()) == 3
        ask_for_reset("Kari@Example.no ")  # the same address, however it is typed
        ask_for_reset("kari@example.no")
        assert len(mails_sent()) == 3

    def test_per_account_whatever_address_reached_it(self, settings):
        settings.PASSWORD_RESET_LIMIT_PER_HOUR = 3
        kari = UserFactory(username="kari", email="kari@example.no")
        for _ in range(3):  # three mails this hour already went to the account
            within_limit(account_key(kari))
        ask_for_reset("kari@example.no")  # an address not asked for yet this hour
        assert mails_sent() == []

    def test_an_unknown_address_counts_the_same_and_gets_the_same_page(self, settings):
        settings.PASSWORD_RESET_LIMIT_PER_HOUR = 3
        UserFactory(username="kari", email="kari@example.no")
        answers = [ask_for_reset("ukjent@example.no")["Location"] for _ in range(5)]
        assert answers == [reverse("password_reset_done")] * 5
        assert mails_sent() == []
        done = Client().get(reverse("password_reset_done"))
        assert "Vi sender høyst 3 lenker i timen til samme adresse" in done.text
        ask_for_reset("kari@example.no")  # another address has its own count
        assert len(mails_sent()) == 1

    def test_the_count_is_kept_under_a_hash_not_the_address(self):
        key = address_key("kari@example.no")
        assert "kari" not in key and "example" not in key
        assert key == address_key(" KARI@example.no")
