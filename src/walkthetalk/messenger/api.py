"""The messenger part of the HTTP API (django-ninja), mounted under /api/messenger/.

Only response-time figures, for leaders and stewards; concerns themselves and receipt codes are
never served through the API.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.security import django_auth

from walkthetalk.caremap import clock
from walkthetalk.caremap.access import access_care_system
from walkthetalk.messenger import services
from walkthetalk.messenger.access import READERS

router = Router(tags=["messenger"], auth=django_auth)


class FiguresOut(Schema):
    total: int | None
    answered: int | None
    waiting: int | None
    escalated: int | None
    mean_days_to_first_reply: float | None
    within_days: int
    share_answered_within: float | None
    min_group_size: int


@router.get("/{slug}/figures", response=FiguresOut)
def figures(request: HttpRequest, slug: str) -> FiguresOut:
    """Response-time figures; each is ``null`` when it would describe too few concerns."""
    system = access_care_system(request.user, slug, *READERS)
    f = services.response_figures(system, clock.today())
    return FiguresOut(
        total=f.total,
        answered=f.answered,
        waiting=f.waiting,
        escalated=f.escalated,
        mean_days_to_first_reply=f.mean_days_to_first_reply,
        within_days=f.within_days,
        share_answered_within=f.share_answered_within,
        min_group_size=f.min_group_size,
    )
