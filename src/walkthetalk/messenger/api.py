"""The messenger part of the HTTP API (django-ninja); mounted under /api/ by walkthetalk.site.api."""

from ninja import Router

router = Router(tags=["messenger"])
