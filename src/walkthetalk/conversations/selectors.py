"""Reads for conversations: the queries pages, exports and other apps need, in one place."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet

from walkthetalk.caremap import selectors as caremap_selectors
from walkthetalk.caremap.models import CareSystem, StaffRole
from walkthetalk.caremap.passes import ParticipantPass
from walkthetalk.conversations.keys import participant_key
from walkthetalk.conversations.models import (
    Conversation,
    ConversationParticipant,
    ConversationResult,
    Statement,
    Vote,
)
from walkthetalk.conversations.priority import Candidate, choose
from walkthetalk.conversations.results import VoteSnapshot

STAFF_ROLES = (StaffRole.Role.FACILITATOR, StaffRole.Role.STEWARD)
MODERATION_PAGE_SIZE = 50


def open_conversations_for(participant_pass: ParticipantPass) -> list[Conversation]:
    """The open conversations a participant with this pass may join (for the welcome page).

    A conversation that invites only some sectors is listed only for a pass of one of them.
    """
    conversations = Conversation.objects.filter(
        care_system_id=participant_pass.care_system_id, status=Conversation.Status.OPEN
    ).annotate(n_sectors=Count("sectors"))
    sector_ok = Q(n_sectors=0)
    if participant_pass.sector_id is not None:
        sector_ok |= Q(sectors__id=participant_pass.sector_id)
    return list(conversations.filter(sector_ok).distinct().order_by("title"))


def can_facilitate(user: User | AnonymousUser, system: CareSystem) -> bool:
    return caremap_selectors.has_role(user, system, *STAFF_ROLES)


def conversations_for_staff(
    user: User | AnonymousUser,
) -> list[tuple[CareSystem, list[Conversation]]]:
    out = []
    for system in caremap_selectors.systems_for(user):
        if can_facilitate(user, system):
            out.append((system, list(system.conversations.order_by("status", "title"))))
    return out


def participant_for(
    conversation: Conversation, participant_pass: ParticipantPass | None
) -> ConversationParticipant | None:
    if participant_pass is None or participant_pass.care_system_id != conversation.care_system_id:
        return None
    return ConversationParticipant.objects.filter(
        conversation=conversation, key=participant_key(conversation.pk, participant_pass)
    ).first()


def has_accepted(conversation: Conversation, participant: ConversationParticipant | None) -> bool:
    return participant is not None and (
        participant.agreements_version == conversation.agreements_version
    )


def published(conversation: Conversation) -> QuerySet[Statement]:
    return conversation.statements.filter(status=Statement.Status.PUBLISHED)


def next_statement(
    conversation: Conversation,
    participant: ConversationParticipant,
    rng: random.Random | None = None,
) -> Statement | None:
    """The next statement to vote on, drawn by Pol.is's priority among those not yet voted on."""
    voted = Vote.objects.filter(participant=participant).values("statement_id")
    rows = list(
        published(conversation)
        .exclude(pk__in=voted)
        .values_list("pk", "n_agree", "n_disagree", "n_pass", "extremity")
    )
    picked = choose([Candidate(*row) for row in rows], rng)
    if picked is None:
        return None
    return Statement.objects.get(pk=picked.key)


def statement_to_vote(
    conversation: Conversation, participant: ConversationParticipant, wanted: str = ""
) -> Statement | None:
    """The statement the participant asked for (e.g. back from "what do you mean?"), if it is
    published and they have not voted on it yet; otherwise the next one by priority."""
    if wanted:
        statement = (
            published(conversation)
            .filter(public_id=wanted[:40])
            .exclude(votes__participant=participant)
            .first()
        )
        if statement is not None:
            return statement
    return next_statement(conversation, participant)


@dataclass(frozen=True)
class Progress:
    voted: int
    total: int

    @property
    def remaining(self) -> int:
        return max(self.total - self.voted, 0)


def progress(conversation: Conversation, participant: ConversationParticipant) -> Progress:
    total = published(conversation).count()
    voted = Vote.objects.filter(
        participant=participant, statement__status=Statement.Status.PUBLISHED
    ).count()
    return Progress(voted, total)


def my_votes(conversation: Conversation, participant: ConversationParticipant) -> list[Vote]:
    return list(
        Vote.objects.filter(participant=participant, statement__status=Statement.Status.PUBLISHED)
        .select_related("statement")
        .order_by("statement__text")
    )


def my_statements(
    conversation: Conversation, participant: ConversationParticipant
) -> list[Statement]:
    return list(conversation.statements.filter(author=participant).order_by("text"))


def moderation_page(
    conversation: Conversation, status: str, page_number: str | None, query: str = ""
) -> Page[Any]:
    """One page of the moderation queue (statements waiting first, oldest day first)."""
    statements = conversation.statements.annotate(
        n_questions=Count("clarification_requests")
    ).order_by("created_on", "pk")
    if status == "questions":
        statements = statements.filter(n_questions__gt=0, status=Statement.Status.PUBLISHED)
    elif status in Statement.Status.values:
        statements = statements.filter(status=status)
    if query:
        statements = statements.filter(text__icontains=query)
    paginator = Paginator(statements, MODERATION_PAGE_SIZE)
    return paginator.get_page(page_number)


def status_counts(conversation: Conversation) -> dict[str, int]:
    counts = dict(
        conversation.statements.values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    counts["questions"] = (
        conversation.statements.filter(
            status=Statement.Status.PUBLISHED, clarification_requests__isnull=False
        )
        .distinct()
        .count()
    )
    return counts


def questions_for(statement: Statement) -> list[str]:
    return [
        q
        for q in statement.clarification_requests.order_by("asked_on").values_list(
            "question", flat=True
        )
        if q
    ]


def result_for(conversation: Conversation) -> ConversationResult | None:
    return ConversationResult.objects.filter(conversation=conversation).first()


def clarified_statements(conversation: Conversation) -> list[Statement]:
    return list(published(conversation).exclude(clarification="").order_by("text"))


def statement_passes_by_sector(system: CareSystem) -> list[dict[str, Any]]:
    """Per published statement and sector: how many of that sector's votes were passes.

    Rows carry ``conversation_title``, ``statement_ref`` (the statement's public id), ``text``,
    ``sector`` (its name), ``passes`` and ``votes``; the backlog offers statements that many
    people of one sector passed on as possibly avoided issues. Counts are raw: the caller
    releases only rows whose figures describe at least the minimum group size.
    """
    rows = (
        Vote.objects.filter(
            conversation__care_system=system,
            statement__status=Statement.Status.PUBLISHED,
            participant__sector__isnull=False,
        )
        .values(
            "statement__public_id",
            "statement__text",
            "conversation__title",
            "participant__sector__name",
        )
        .annotate(votes=Count("pk"), passes=Count("pk", filter=Q(value=Vote.Value.PASS)))
        .order_by("conversation__title", "statement__public_id", "participant__sector__name")
    )
    return [
        {
            "conversation_title": row["conversation__title"],
            "statement_ref": row["statement__public_id"],
            "text": row["statement__text"],
            "sector": row["participant__sector__name"],
            "passes": row["passes"],
            "votes": row["votes"],
        }
        for row in rows
    ]


def conversations_with_new_votes() -> list[int]:
    """Ids of conversations whose results are outdated (votes or moderation since the last
    refresh), for the worker's clock."""
    return list(
        Conversation.objects.filter(refresh_pending=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def conversation_to_refresh(conversation_id: int) -> Conversation | None:
    return Conversation.objects.select_related("care_system").filter(pk=conversation_id).first()


def vote_snapshot(conversation: Conversation) -> VoteSnapshot:
    """Published statements and their votes, as a refresh computes them."""
    published_only = Statement.Status.PUBLISHED
    statements = list(
        conversation.statements.filter(status=published_only)
        .order_by("pk")
        .values_list("pk", "public_id", "text")
    )
    votes = list(
        Vote.objects.filter(conversation=conversation, statement__status=published_only)
        .order_by("participant_id")
        .values_list("participant_id", "statement_id", "value", "participant__sector__name")
    )
    return VoteSnapshot(statements, votes, conversation.care_system.min_group_size)
