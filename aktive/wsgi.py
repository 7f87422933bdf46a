"""WSGI entry point, used by gunicorn (``aktive.wsgi:application``)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aktive.settings")

application = get_wsgi_application()
