"""Background work for conversations (django-tasks): recomputing results after votes."""

from __future__ import annotations

from django_tasks import task


@task()
def refresh_results(conversation_id: int) -> str:
    """Recompute a conversation's common ground and store it as its ConversationResult."""
    from walkthetalk.conversations import results

    return results.refresh(conversation_id)
