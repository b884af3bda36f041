"""Reads of the reports app: which conversation a report link opens."""

from __future__ import annotations

from walkthetalk.caremap.tokens import MAX_TOKEN_LENGTH, token_hash
from walkthetalk.conversations.models import Conversation
from walkthetalk.reports.models import ReportLink


def shared_conversation(token: str) -> Conversation | None:
    """The conversation whose report is published at ``token`` (``None`` if none or revoked)."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    link = (
        ReportLink.objects.select_related("conversation__care_system")
        .filter(token_hash=token_hash(token))
        .first()
    )
    return link.conversation if link else None


def report_link(conversation: Conversation) -> ReportLink | None:
    return ReportLink.objects.filter(conversation=conversation).first()
