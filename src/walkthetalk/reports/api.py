"""The reports part of the HTTP API (django-ninja): the same typed rows the pages download.

``pulse_router`` is mounted under /api/pulse/ and ``conversations_router`` under
/api/conversations/, beside those apps' own routers.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router
from ninja.errors import HttpError
from ninja.security import django_auth

from walkthetalk.caremap.models import CareSystem
from walkthetalk.conversations import selectors as conversation_selectors
from walkthetalk.conversations.models import Conversation
from walkthetalk.pulse import selectors as pulse_selectors
from walkthetalk.pulse.models import Wave
from walkthetalk.reports import conversation, pulse
from walkthetalk.reports.schemas import AggregateOut, ResultOut

pulse_router = Router(tags=["pulse"], auth=django_auth)
conversations_router = Router(tags=["conversations"], auth=django_auth)


@pulse_router.get("/{slug}/waves/{wave_id}/aggregates", response=list[AggregateOut])
def aggregates(request: HttpRequest, slug: str, wave_id: int) -> list[pulse.Aggregate]:
    """Mean score per group and scale; ``null`` wherever a figure is suppressed."""
    system = get_object_or_404(CareSystem, slug=slug)
    if not pulse_selectors.can_read_results(request.user, system):
        raise HttpError(403, "You do not have a role in this care system.")
    return pulse.aggregates(get_object_or_404(Wave, pk=wave_id, care_system=system))


@conversations_router.get("/{public_id}/results", response=ResultOut)
def results(request: HttpRequest, public_id: str) -> conversation.ResultSummary:
    """The last computed common ground (aggregate, small groups suppressed)."""
    found = get_object_or_404(
        Conversation.objects.select_related("care_system"), public_id=public_id
    )
    if not conversation_selectors.can_facilitate(request.user, found.care_system):
        raise HttpError(403, "Only a facilitator or steward of this care system may read this.")
    return conversation.result_summary(found)
