"""Writes of the reports app: publishing a conversation report at a link, and revoking it."""

from __future__ import annotations

from django.db import transaction

from walkthetalk.caremap import clock
from walkthetalk.caremap.tokens import new_token, token_hash
from walkthetalk.conversations.models import Conversation
from walkthetalk.reports.models import ReportLink


@transaction.atomic
def publish_report(conversation: Conversation) -> str:
    """A new link token for the conversation's report; an earlier link stops working.

    The token is returned once and never stored (only its hash is).
    """
    token = new_token()
    ReportLink.objects.update_or_create(
        conversation=conversation,
        defaults={"token_hash": token_hash(token), "made_on": clock.today()},
    )
    return token


def revoke_report(conversation: Conversation) -> bool:
    """Stop the conversation's report link; whether there was one."""
    deleted, _ = ReportLink.objects.filter(conversation=conversation).delete()
    return bool(deleted)
