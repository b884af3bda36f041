"""Reads for the messenger: what leaders, stewards and the sender's page need."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import F, QuerySet

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
    """Unanswered first (escalated ones before the rest), then answered, then resolved; the
    most recent first within each (the same order on SQLite and PostgreSQL)."""
    return (
        Concern.objects.filter(care_system=system)
        .select_related("leadership_role")
        .order_by(
            F("resolved_on").asc(nulls_first=True),
            F("first_reply_on").asc(nulls_first=True),
            F("escalated_on").desc(nulls_last=True),
            "-sent_on",
            "public_id",
        )
    )


CONCERN_STATUSES = ("open", "answered", "resolved")


def concerns_with_status(system: CareSystem, status: str) -> QuerySet[Concern]:
    """The care system's concerns in one status (``open``, ``answered`` or ``resolved``)."""
    found = concerns_for(system)
    if status == "open":
        return found.filter(first_reply_on__isnull=True)
    if status == "answered":
        return found.filter(first_reply_on__isnull=False, resolved_on__isnull=True)
    if status == "resolved":
        return found.filter(resolved_on__isnull=False)
    return found


def thread(concern: Concern) -> list[Reply]:
    return list(concern.replies.order_by("position"))


def escalate_after_days(system: CareSystem) -> int:
    policy = MessengerPolicy.objects.filter(care_system=system).first()
    return policy.escalate_after_days if policy else 7
