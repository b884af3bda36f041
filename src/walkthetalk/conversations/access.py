"""Access funnels for conversations and their statements, for facilitators and participants."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied

from walkthetalk.caremap.access import FACILITATOR, STEWARD, found_or_404
from walkthetalk.caremap.models import CareSystem
from walkthetalk.caremap.selectors import has_role
from walkthetalk.conversations.models import Conversation, Statement, Topic

FACILITATORS = (FACILITATOR, STEWARD)
NOT_A_FACILITATOR = "Only a facilitator or steward of this care system may do this."


def public_conversation(public_id: str) -> Conversation:
    """A conversation by its link, as a participant reaches it (the pass is checked after); a
    draft is not there for participants until it goes live."""
    return found_or_404(
        Conversation.objects.select_related("care_system")
        .filter(public_id=public_id)
        .exclude(status=Conversation.Status.DRAFT),
        "No such conversation.",
    )


def access_conversation(user: User | AnonymousUser, public_id: str) -> Conversation:
    """A conversation its care system's facilitators and stewards run (drafts too)."""
    found = found_or_404(
        Conversation.objects.select_related("care_system").filter(public_id=public_id),
        "No such conversation.",
    )
    if not has_role(user, found.care_system, *FACILITATORS):
        raise PermissionDenied(NOT_A_FACILITATOR)
    return found


def access_statement(
    conversation: Conversation, statement_id: str, *, published_only: bool = False
) -> Statement:
    """A statement of a conversation already reached through one of the funnels above."""
    statements = conversation.statements.filter(public_id=statement_id)
    if published_only:
        statements = statements.filter(status=Statement.Status.PUBLISHED)
    return found_or_404(statements, "No such statement in this conversation.")


def access_topic(system: CareSystem, topic_id: str | None) -> Topic:
    """A topic of a care system already reached through ``access_care_system``."""
    pk = int(topic_id) if topic_id and topic_id.isdigit() else 0
    return found_or_404(Topic.objects.filter(care_system=system, pk=pk), "No such topic.")
