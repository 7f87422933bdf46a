import pytest
from django.core.cache import cache
from django.core.management import call_command

from partnerships.models import EVALUATOR_GROUP, SPORTS_COUNCIL_GROUP
from tests.factories import (
    CommunityFactory,
    CommunityPartnerFactory,
    MeasureFactory,
    UserFactory,
)


@pytest.fixture(autouse=True)
def _fast_test_settings(settings, tmp_path):
    """Only what makes tests fast and self-contained."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _empty_cache():
    """Counts kept in the cache (the password reset's limit) do not carry over between tests."""
    cache.clear()


@pytest.fixture
def roles(db):
    call_command("setup_roles", verbosity=0)


@pytest.fixture
def community(db):
    return CommunityFactory(name="Konnerud", slug="konnerud")


@pytest.fixture
def measure(community):
    return MeasureFactory(community=community, title="Åpen hall")


@pytest.fixture
def partner_user(measure):
    """Belongs to the measure's lead partner."""
    return UserFactory(username="klubb", partners=[measure.lead_partner])


@pytest.fixture
def other_partner_user(community):
    """Belongs to a partner of the same community that is not on the measure."""
    school = CommunityPartnerFactory(community=community, partner__name="Skolen").partner
    return UserFactory(username="skole", partners=[school])


@pytest.fixture
def evaluator(roles):
    return UserFactory(username="forsker", groups=[EVALUATOR_GROUP])


@pytest.fixture
def staff(roles):
    return UserFactory(username="idrettsrad", is_staff=True, groups=[SPORTS_COUNCIL_GROUP])


@pytest.fixture
def people(partner_user, other_partner_user, evaluator, staff):
    """Everyone a role-matrix test tries, by role."""
    return {
        "anonymous": None,
        "evaluator": evaluator,
        "other_partner": other_partner_user,
        "partner": partner_user,
        "staff": staff,
    }


@pytest.fixture
def as_user(client):
    """``as_user(user)`` logs the test client in (or out for None) and returns it."""

    def login(user):
        client.logout()
        if user is not None:
            client.force_login(user)
        return client

    return login
