from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """E-mail: notifications of changes, digests, reminders, invitations, the outbox."""

    name = "notifications"
    verbose_name = _("E-mail and notifications")

    def ready(self):
        from measures.signals import measure_changed
        from notifications.receivers import record_change

        measure_changed.connect(record_change, dispatch_uid="notifications.record_change")
