"""The pulse part of the HTTP API (django-ninja), mounted under /api/pulse/."""

from ninja import Router

router = Router(tags=["pulse"])
