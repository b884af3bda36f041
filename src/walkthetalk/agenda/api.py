"""The agenda part of the HTTP API (django-ninja), mounted under /api/agenda/."""

from ninja import Router

router = Router(tags=["agenda"])
