from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig


class AktiveConfig(AppConfig):
    """The site shell: settings, URLs, the dashboard, middleware and error pages."""

    name = "aktive"
    verbose_name = "Aktive Lokalsamfunn"

    def ready(self):
        from django.db.models import IntegerField

        from aktive.lookups import IntegerFieldIn

        IntegerField.register_lookup(IntegerFieldIn)


class PortalAdminConfig(AdminConfig):
    """Django's admin, on ``PortalAdminSite``."""

    default_site = "aktive.admin_site.PortalAdminSite"
