"""WSGI entry point (served by waitress: ``walkthetalk serve``)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "walkthetalk.site.settings")
application = get_wsgi_application()
