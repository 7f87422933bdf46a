"""Background work, through Django's tasks framework (the ``django-tasks`` backport).

The backend is the ``TASKS`` setting: the database by default (run ``manage.py db_worker``),
"immediate" under ``make run``, RQ or Celery for a larger installation. A task only says "there
is work": the outbox and the pending notifications are the truth, so a task lost on the way is
made good by the next one or by the timer's ``send_notifications``.
"""

import datetime
import logging

from django_tasks import default_task_backend, task

from notifications.services import changes_compose, emails_send_due

logger = logging.getLogger("notifications")


@task()
def deliver() -> dict:
    """Write the change e-mails that are due, then send what the outbox has due."""
    written = changes_compose()
    delivery = emails_send_due()
    return {
        "written": written,
        "sent": delivery.sent,
        "retried": delivery.retried,
        "failed": delivery.failed,
    }


def enqueue_delivery(run_after: datetime.datetime | None = None) -> None:
    """Ask the worker to deliver, now or (where the backend can wait) after ``run_after``."""
    if run_after is not None:
        if not default_task_backend.supports_defer:
            return  # the timer's command retries it
        deliver.using(run_after=run_after).enqueue()
    else:
        deliver.enqueue()
