"""The messenger part of the HTTP API (django-ninja), mounted under /api/messenger/."""

from ninja import Router

router = Router(tags=["messenger"])
