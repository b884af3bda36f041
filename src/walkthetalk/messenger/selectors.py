"""Reads for the messenger: what leaders, stewards and the sender's page need."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet

from walkthetalk.caremap import selectors as caremap_selectors
from walkthetalk.caremap.models import CareSystem, StaffRole
from walkthetalk.caremap.passes import ParticipantPass
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
