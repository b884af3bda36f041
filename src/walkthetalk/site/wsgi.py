"""WSGI entry point (served by gunicorn: ``walkthetalk serve``); participants' vote requests
take a lean middleware chain (see :mod:`walkthetalk.site.participant_handler`)."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "walkthetalk.site.settings")
django.setup(set_prefix=False)

from walkthetalk.site.participant_handler import SiteApplication  # noqa: E402

application = SiteApplication()
