"""WSGI entry of the minimal application (``bench/minimal_settings.py``); ``python -m
bench.minimal_wsgi`` times it in process and prints microseconds per request."""

import os

os.environ["DJANGO_SETTINGS_MODULE"] = "bench.minimal_settings"

from django.core.wsgi import get_wsgi_application

application = get_wsgi_application()

if __name__ == "__main__":
    from bench.middleware_cost import time_handler

    print(f"{time_handler('/bench/bare/', '', 2000):.1f}")
