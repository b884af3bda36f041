"""Background work for conversations (django-tasks): recomputing results after votes.

The task orchestrates, in one direction: it reads a snapshot (selectors), computes
(:mod:`~walkthetalk.conversations.results`, pure) and stores the outcome (services). Services
ask for a refresh with the :data:`~walkthetalk.conversations.signals.results_outdated` signal,
received here, so nothing below imports this module.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone
from django_tasks import TaskResult, TaskResultStatus, task
from django_tasks.signals import task_finished

from walkthetalk.conversations import results, selectors, services
from walkthetalk.conversations.signals import results_outdated

logger = logging.getLogger(__name__)


def refresh(conversation_id: int) -> str:
    """Recompute and store a conversation's result; returns the new state."""
    conversation = selectors.conversation_to_refresh(conversation_id)
    if conversation is None:
        return "gone"
    services.clear_refresh_flag(conversation.pk)  # votes from now on ask for another refresh
    try:
        outcome = results.compute(selectors.vote_snapshot(conversation))
    except Exception as exc:
        services.save_result(conversation, results.failed(exc))
        raise
    services.save_result(conversation, outcome)
    return outcome.state


@task()
def refresh_results(conversation_id: int) -> str:
    """Recompute a conversation's common ground and store it as its ConversationResult."""
    return refresh(conversation_id)


@receiver(results_outdated, dispatch_uid="walkthetalk.conversations.enqueue_refresh")
def enqueue_refresh(sender: Any, conversation_id: int, now: bool = False, **kwargs: Any) -> None:
    """Enqueue a refresh: at once when asked, else :data:`services.REFRESH_DELAY` later on a
    backend that can defer tasks, so the votes of those minutes share it."""
    queued = refresh_results
    if not now and queued.get_backend().supports_defer:
        queued = queued.using(run_after=timezone.now() + services.REFRESH_DELAY)
    queued.enqueue(conversation_id)


@transaction.atomic
def forget_finished_refreshes(conversation_id: int) -> int:
    """Delete the database backend's finished refresh task rows for a conversation.

    Each row keeps exact enqueue, start and finish times; kept, they would be a history of when
    batches of votes arrived. Called once a refresh has succeeded. Returns how many went.
    """
    from django_tasks_db.models import DBTaskResult

    deleted, _ = DBTaskResult.objects.filter(
        task_path=refresh_results.module_path,
        status__in=[TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED],
        args_kwargs__args__0=conversation_id,
    ).delete()
    return deleted


@receiver(task_finished, dispatch_uid="walkthetalk.conversations.forget_finished_refresh")
def forget_finished_refresh(sender: Any, task_result: TaskResult[Any], **kwargs: Any) -> None:
    """Once a refresh has succeeded on the database backend, delete its task rows (and older
    finished ones of the same conversation), so no history of refresh times is kept."""
    from django_tasks_db import DatabaseBackend

    try:
        # django_tasks_db's worker sends the backend itself, other senders send its class.
        backend = sender if isinstance(sender, type) else type(sender)
        if not issubclass(backend, DatabaseBackend):
            return
        if task_result.status != TaskResultStatus.SUCCESSFUL:
            return
        if task_result.task.module_path != refresh_results.module_path:
            return
        forget_finished_refreshes(int(task_result.args[0]))
    except Exception:  # never let tidying up turn a finished refresh into a failed one
        logger.exception("Could not delete finished refresh task rows")
