"""Reads for the messenger: what leaders, stewards and the sender's page need."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet

from walkthetalk.caremap import selectors as caremap_selectors
from walkthetalk.caremap.models import CareSystem, StaffRole
from walkthetalk.caremap.passes import ParticipantPass
from walkthetalk.messenger import services
from walkthetalk.messenger.models import Concern, LeadershipRole, MessengerPolicy, Reply

LEADER = StaffRole.Role.LEADER
STEWARD = StaffRole.Role.STEWARD


def can_read_concerns(user: User | AnonymousUser, system: CareSystem) -> bool:
    return caremap_selectors.has_role(user, system, LEADER, STEWARD)


def leadership_roles_for(participant_pass: ParticipantPass) -> QuerySet[LeadershipRole]:
    """The roles a participant with this pass may send a concern to (for the welcome page)."""
    return LeadershipRole.objects.filter(care_system_id=participant_pass.care_system_id)


def concerns_for(system: CareSystem) -> QuerySet[Concern]:
    """Unanswered first (escalated ones before the rest), then the most recent."""
    return (
        Concern.objects.filter(care_system=system)
        .select_related("leadership_role")
        .order_by("first_reply_on", "-escalated_on", "-sent_on", "public_id")
    )


def thread(concern: Concern) -> list[Reply]:
    return list(concern.replies.order_by("position"))


def escalate_after_days(system: CareSystem) -> int:
    policy = MessengerPolicy.objects.filter(care_system=system).first()
    return policy.escalate_after_days if policy else 7


@dataclass(frozen=True)
class ResponseFigures:
    """Response-time figures for leaders; every one is None unless the privacy rules allow it.

    ``within_days`` is the care system's escalation time: the share answered within it.
    """

    total: int | None
    answered: int | None
    waiting: int | None
    mean_days_to_first_reply: float | None
    within_days: int
    answered_within: int | None
    share_answered_within: float | None
    escalated: int | None
    min_group_size: int

    @property
    def shown(self) -> bool:
        """Whether there are enough concerns for any figure at all (zero shows none either)."""
        return self.total is not None and self.total >= self.min_group_size


def response_figures(system: CareSystem, on: dt.date) -> ResponseFigures:
    """Mean days to a first reply and the share answered in time, as may be shown now.

    Released through :func:`walkthetalk.messenger.services.release_response_figures` (one
    release of every count against the care system's ledger: steps of the minimum group size).
    ``on`` is kept for callers; the figures describe every concern so far.
    """
    within = escalate_after_days(system)
    f = services.release_response_figures(system, within)
    return ResponseFigures(
        total=f.total,
        answered=f.answered,
        waiting=f.waiting,
        mean_days_to_first_reply=f.mean_days_to_first_reply,
        within_days=within,
        answered_within=f.answered_within,
        share_answered_within=f.share_answered_within,
        escalated=f.escalated,
        min_group_size=system.min_group_size,
    )
