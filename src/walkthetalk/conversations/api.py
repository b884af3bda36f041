"""The conversations part of the HTTP API (django-ninja), mounted under /api/conversations/."""

from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.errors import HttpError
from ninja.security import django_auth

from walkthetalk.conversations import selectors
from walkthetalk.conversations.models import Conversation

router = Router(tags=["conversations"], auth=django_auth)


class ResultOut(Schema):
    id: str
    title: str
    status: str
    refreshing: bool
    state: str | None
    computed_on: str | None
    results: dict[str, Any]


@router.get("/{public_id}/results", response=ResultOut)
def results(request: HttpRequest, public_id: str) -> ResultOut:
    """The last computed common ground (aggregate, small groups suppressed)."""
    conversation = get_object_or_404(
        Conversation.objects.select_related("care_system"), public_id=public_id
    )
    if not selectors.can_facilitate(request.user, conversation.care_system):
        raise HttpError(403, "Only a facilitator or steward of this care system may read this.")
    result = selectors.result_for(conversation)
    return ResultOut(
        id=conversation.public_id,
        title=conversation.title,
        status=conversation.status,
        refreshing=conversation.refresh_pending,
        state=result.state if result else None,
        computed_on=result.computed_on.isoformat() if result else None,
        results=result.data if result else {},
    )
