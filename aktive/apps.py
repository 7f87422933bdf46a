from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig


class AktiveConfig(AppConfig):
    """The site shell: settings, URLs, the dashboard and system views, middleware, ops commands."""

    name = "aktive"
    verbose_name = "Aktive Lokalsamfunn"

    def ready(self):
        from django.contrib.auth.signals import user_login_failed
        from django.db.models import IntegerField

        from aktive.lookups import IntegerFieldIn
        from aktive.signals import log_failed_login

        user_login_failed.connect(log_failed_login, dispatch_uid="aktive.log_failed_login")
        IntegerField.register_lookup(IntegerFieldIn)


class PortalAdminConfig(AdminConfig):
    """Django's admin, on ``PortalAdminSite``."""

    default_site = "aktive.admin_site.PortalAdminSite"
