"""The conversations part of the HTTP API (django-ninja), mounted under /api/conversations/."""

from ninja import Router

router = Router(tags=["conversations"])
