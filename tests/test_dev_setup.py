"""`make run`'s e-mail: the demo's choices, and a change shown in the console at once."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from measures.models import Measure
from notifications.models import Frequency, Notification, Preferences
from partnerships.models import User
from tests.test_measure_views import report_form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def dev(settings, capsys):
    """What `make run` sets: DEBUG, the console e-mail backend and immediate tasks."""
    settings.DEBUG = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    call_command("load_demo")
    capsys.readouterr()


def test_demo_users_have_addresses_at_example_org_and_choices(dev):
    assert set(User.objects.values_list("email", flat=True)) == {
        f"{user.username}@example.org" for user in User.objects.all()
    }
    assert Preferences.objects.get(user__username="konnerud-il").frequency == Frequency.IMMEDIATELY
    assert Preferences.objects.get(user__username="svendsedammen").language == "en"
    assert Notification.objects.count() == 0  # loading the demo told no one


def test_a_report_by_a_school_shows_the_clubs_email_in_the_console(
    dev, client, capsys, django_capture_on_commit_callbacks
):
    client.force_login(User.objects.get(username="hallermoen"))
    measure = Measure.objects.get(title="Balansebarna")  # the club's, with Hallermoen skole
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("measures:report_create", kwargs={"pk": measure.pk}),
            report_form_data(participants="23", girls="11"),
        )
    assert response.status_code == 302
    console = capsys.readouterr().out
    assert "To: konnerud-il@example.org" in console
    assert "la inn en rapport med 23 deltakere for Balansebarna" in console
    assert "To: hallermoen@example.org" not in console  # never of one's own change
