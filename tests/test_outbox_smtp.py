"""The outbox and the worker against a real SMTP server (aiosmtpd on loopback)."""

import datetime
import threading

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from notifications.models import Email
from notifications.rules import MAX_ATTEMPTS, backoff
from notifications.services import email_queue, emails_send_due, invitation_send
from tests.factories import UserFactory
from tests.smtp import SMTPServer


@pytest.fixture
def smtp(settings):
    with SMTPServer(settings) as server:
        yield server


def queue(user, n=1):
    for _ in range(n):
        invitation_send(user=user, invited_by=None)


@pytest.mark.django_db
class TestOutbox:
    def test_an_email_reaches_the_mail_server_as_text_and_html(self, smtp):
        user = UserFactory(first_name="Nina", email="nina@example.org")
        queue(user)
        assert smtp.messages == []  # nothing is sent while the change is being saved
        result = emails_send_due()
        assert result.sent == 1
        (message,) = smtp.messages
        assert message["To"] == "nina@example.org"
        assert message["Subject"] == "Kontoen din i Aktive Lokalsamfunn"
        assert message["Message-ID"] == Email.objects.get().message_id
        parts = {
            part.get_content_type(): part.get_content()
            for part in message.walk()
            if not part.is_multipart()
        }
        assert "Hei Nina," in parts["text/plain"]
        assert "<!DOCTYPE html>" in parts["text/html"]
        assert Email.objects.get().status == Email.Status.SENT
        assert emails_send_due().sent == 0 and len(smtp.messages) == 1

    def test_a_refusing_server_is_retried_with_back_off_until_it_accepts(self, settings):
        with SMTPServer(settings, refuse=2) as server:
            queue(UserFactory(email="nina@example.org"))
            email = Email.objects.get()
            first = emails_send_due()
            assert (first.sent, first.retried) == (0, 1)
            email.refresh_from_db()
            assert email.status == Email.Status.PENDING and email.attempts == 1
            assert "451" in email.last_error
            assert email.next_attempt_at > timezone.now() + backoff(1) - datetime.timedelta(2)
            assert emails_send_due().sent == 0  # it waits for its next attempt
            later = email.next_attempt_at + datetime.timedelta(seconds=1)
            assert emails_send_due(now=later).retried == 1
            email.refresh_from_db()
            assert email.attempts == 2
            assert backoff(2) == 2 * backoff(1)
            assert emails_send_due(now=email.next_attempt_at + datetime.timedelta(1)).sent == 1
            assert server.refused == 2 and len(server.messages) == 1
            email.refresh_from_db()
            assert email.status == Email.Status.SENT and email.attempts == 3

    def test_a_server_that_is_down_loses_nothing(self, settings):
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
        queue(UserFactory(email="nina@example.org"), n=2)
        assert emails_send_due().retried == 2
        assert Email.objects.filter(status=Email.Status.PENDING).count() == 2
        Email.objects.update(attempts=MAX_ATTEMPTS - 1, next_attempt_at=timezone.now())
        assert emails_send_due().failed == 2
        assert Email.objects.filter(status=Email.Status.FAILED).count() == 2  # kept, for staff

    def test_staff_send_failed_emails_again_from_admin(self, as_user, staff, smtp):
        queue(UserFactory(email="nina@example.org"))
        Email.objects.update(status=Email.Status.FAILED, attempts=MAX_ATTEMPTS)
        response = as_user(staff).post(
            "/admin/notifications/email/",
            {
                "action": "send_again",
                "_selected_action": list(Email.objects.values_list("pk", flat=True)),
            },
        )
        assert response.status_code == 302
        assert emails_send_due().sent == 1 and len(smtp.messages) == 1

    def test_a_worker_that_died_mid_batch_leaves_its_claim_to_another(self, smtp):
        queue(UserFactory(email="nina@example.org"))
        Email.objects.update(
            status=Email.Status.SENDING, claimed_until=timezone.now() - datetime.timedelta(1)
        )
        assert emails_send_due().sent == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_never_send_the_same_email_twice(smtp):
    if connection.vendor != "postgresql":
        pytest.skip("two workers in parallel need PostgreSQL (SKIP LOCKED); SQLite has one writer")
    user = UserFactory(email="nina@example.org")
    for _ in range(40):
        email_queue(
            user=user, kind=Email.Kind.REMINDER, template="invitation", language="nb",
            context={"user": user, "url": "https://x/", "valid_days": 7, "username": "nina"},
        )  # fmt: skip
    barrier = threading.Barrier(2)
    results = []

    def worker():
        try:
            barrier.wait()
            while (batch := emails_send_due(limit=5)).sent:
                results.append(batch.sent)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ids = [message["Message-ID"] for message in smtp.messages]
    assert len(ids) == 40 and len(set(ids)) == 40
    assert sum(results) == 40
    assert Email.objects.filter(status=Email.Status.SENT).count() == 40


@pytest.mark.django_db(transaction=True)
def test_the_database_worker_sends_what_a_change_wrote(smtp, settings):
    """The default setup: the task is queued in the database on commit; db_worker runs it."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    user = UserFactory(email="nina@example.org")
    with transaction.atomic():
        queue(user)
        queue(user)
    from django_tasks_db.models import DBTaskResult

    assert DBTaskResult.objects.count() == 1  # one task per transaction, not per e-mail
    assert smtp.messages == []
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    assert len(smtp.messages) == 2
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
