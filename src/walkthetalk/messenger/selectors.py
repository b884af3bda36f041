"""Reads for the messenger: what leaders, stewards and the sender's page need."""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet

from walkthetalk.analysis.privacy import suppress_counts
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


@dataclass(frozen=True)
class ResponseFigures:
    """Response-time figures for leaders; every one is None unless the privacy rules allow it.

    ``within_days`` is the care system's escalation time: the share answered within it.
    """

    total: int | None
    answered: int | None
    waiting: int | None
    median_days_to_first_reply: float | None
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
    """Median days to a first reply and the share answered in time, suppressed for small groups.

    Counts go through :func:`walkthetalk.analysis.privacy.suppress_counts` with the care
    system's minimum group size: answered / still waiting as siblings of the total, and
    answered-in-time / answered-later as siblings of the answered. The median is shown only when
    the answered count is, and the share only when both of its counts are.
    """
    rows = list(
        Concern.objects.filter(care_system=system).values_list(
            "sent_on", "first_reply_on", "escalated_to"
        )
    )
    within = escalate_after_days(system)
    m = system.min_group_size
    delays = [(reply - sent).days for sent, reply, _ in rows if reply is not None]
    n_in_time = sum(1 for d in delays if d <= within)
    top = suppress_counts(
        {"total": len(rows), "answered": len(delays), "waiting": len(rows) - len(delays)}, m
    )
    split = suppress_counts(
        {"total": len(delays), "in_time": n_in_time, "later": len(delays) - n_in_time}, m
    )
    escalated = sum(1 for *_, e in rows if e)
    esc = suppress_counts(
        {"total": len(rows), "escalated": escalated, "not": len(rows) - escalated}, m
    )
    answered = top["answered"]
    share = (
        split["in_time"] / len(delays)
        if answered is not None and split["in_time"] is not None and delays
        else None
    )
    return ResponseFigures(
        total=top["total"],
        answered=answered,
        waiting=top["waiting"],
        median_days_to_first_reply=float(statistics.median(delays))
        if answered is not None and delays
        else None,
        within_days=within,
        answered_within=split["in_time"] if answered is not None else None,
        share_answered_within=share,
        escalated=esc["escalated"],
        min_group_size=m,
    )
