"""Background work for conversations (django-tasks): recomputing results after votes."""

from __future__ import annotations

import logging
from typing import Any

from django.dispatch import receiver
from django_tasks import TaskResult, TaskResultStatus, task
from django_tasks.signals import task_finished

logger = logging.getLogger(__name__)


@task()
def refresh_results(conversation_id: int) -> str:
    """Recompute a conversation's common ground and store it as its ConversationResult."""
    from walkthetalk.conversations import results

    return results.refresh(conversation_id)


@receiver(task_finished, dispatch_uid="walkthetalk.conversations.forget_finished_refresh")
def forget_finished_refresh(sender: Any, task_result: TaskResult[Any], **kwargs: Any) -> None:
    """Once a refresh has succeeded on the database backend, delete its task rows (and older
    finished ones of the same conversation), so no history of refresh times is kept."""
    from django_tasks_db import DatabaseBackend

    from walkthetalk.conversations import services

    try:
        # django_tasks_db's worker sends the backend itself, other senders send its class.
        backend = sender if isinstance(sender, type) else type(sender)
        if not issubclass(backend, DatabaseBackend):
            return
        if task_result.status != TaskResultStatus.SUCCESSFUL:
            return
        if task_result.task.module_path != refresh_results.module_path:
            return
        services.forget_finished_refreshes(int(task_result.args[0]))
    except Exception:  # never let tidying up turn a finished refresh into a failed one
        logger.exception("Could not delete finished refresh task rows")
