"""The reports part of the HTTP API (django-ninja): the same typed rows the pages download.

The response schemas are the rows' own dataclasses (pydantic reads them), so a field added to
a row reaches the API and the JSON download without a second definition.

``pulse_router`` is mounted under /api/pulse/ and ``conversations_router`` under
/api/conversations/, beside those apps' own routers.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router
from ninja.security import django_auth

from walkthetalk.conversations.access import access_conversation
from walkthetalk.pulse.access import access_wave
from walkthetalk.reports import conversation, pulse

pulse_router = Router(tags=["pulse"], auth=django_auth)
conversations_router = Router(tags=["conversations"], auth=django_auth)


@pulse_router.get("/{slug}/waves/{wave_id}/aggregates", response=list[pulse.Aggregate])
def aggregates(request: HttpRequest, slug: str, wave_id: int) -> list[pulse.Aggregate]:
    """Mean score per group and scale; ``null`` wherever a figure is suppressed."""
    _, wave = access_wave(request.user, slug, wave_id)
    return pulse.aggregates(wave)


@conversations_router.get("/{public_id}/results", response=conversation.ResultSummary)
def results(request: HttpRequest, public_id: str) -> conversation.ResultSummary:
    """The last computed common ground (aggregate, small groups suppressed)."""
    return conversation.result_summary(access_conversation(request.user, public_id))
