from django.apps import AppConfig


class AktiveConfig(AppConfig):
    """The site shell and its ops commands (backup, restore, bench_export)."""

    name = "aktive"
