"""Background work for conversations (django-tasks): recomputing results after votes.

Votes enqueue nothing. The worker's clock (:mod:`walkthetalk.site.clock`) enqueues
:func:`refresh_outdated_results` at every multiple of ``REFRESH_EVERY`` on the wall clock, and
it recomputes every conversation with new votes: task rows and the worker's log carry only
those fixed times, never the time of a vote. A facilitator's "Refresh now" runs at once.

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
from django_tasks import TaskResult, TaskResultStatus, task
from django_tasks.signals import task_finished

from walkthetalk.agenda import selectors as agenda_selectors
from walkthetalk.analysis.text.topics import find_topics
from walkthetalk.caremap.models import CareSystem
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
        services.store_tallies(conversation.pk)
        raise
    services.save_result(conversation, outcome)
    # Statement tallies and next-statement priorities (with the extremity just stored) are
    # kept by the refresh, not by every vote request.
    services.store_tallies(conversation.pk)
    return outcome.state


@task()
def refresh_results(conversation_id: int) -> str:
    """Recompute a conversation's common ground and store it as its ConversationResult."""
    return refresh(conversation_id)


@task()
def refresh_outdated_results() -> None:
    """Recompute every conversation with votes since its last refresh (the clock's task).

    Returns nothing, so its task row keeps no count of conversations that had votes."""
    for conversation_id in selectors.conversations_with_new_votes():
        try:
            refresh(conversation_id)
        except Exception:  # one failing conversation (its result says so) must not stop others
            logger.error("A conversation's results could not be recomputed.")


def refresh_topics_of(system: CareSystem) -> int | None:
    """Find a care system's topics again if its published statements or backlog issues changed
    since the last time; returns how many topics there are now (``None``: nothing changed)."""
    texts = selectors.topic_statement_texts(system) + [
        selectors.TopicText("issue", public_id, text)
        for public_id, text in agenda_selectors.topic_issue_texts(system.pk)
    ]
    if selectors.topic_fingerprint(texts) == selectors.topics_fingerprint_stored(system):
        return None
    return services.save_topics(system, texts, find_topics([t.text for t in texts]))


@task()
def refresh_topics(care_system_id: int) -> None:
    """A facilitator's "Find topics now" (only if the texts changed since the last time)."""
    system = CareSystem.objects.filter(pk=care_system_id).first()
    if system is not None:
        refresh_topics_of(system)


@task()
def refresh_outdated_topics() -> None:
    """The clock's topic round: every care system whose texts changed gets its topics again."""
    for system in selectors.care_systems_for_topics():
        try:
            refresh_topics_of(system)
        except Exception:  # one care system failing must not stop the others
            logger.error("A care system's topics could not be recomputed.")


@receiver(results_outdated, dispatch_uid="walkthetalk.conversations.enqueue_refresh")
def enqueue_refresh(sender: Any, conversation_id: int, now: bool = False, **kwargs: Any) -> None:
    """A facilitator's "Refresh now": enqueue that conversation's refresh at once. Outdated
    results otherwise wait for the clock (:func:`refresh_outdated_results`)."""
    if now:
        refresh_results.enqueue(conversation_id)


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


@transaction.atomic
def forget_finished_clock_refreshes() -> int:
    """Delete the finished rows of the clock's refresh task (no history of refreshes)."""
    from django_tasks_db.models import DBTaskResult

    deleted, _ = DBTaskResult.objects.filter(
        task_path=refresh_outdated_results.module_path,
        status__in=[TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED],
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
        if task_result.task.module_path == refresh_outdated_results.module_path:
            forget_finished_clock_refreshes()
        elif task_result.task.module_path == refresh_results.module_path:
            forget_finished_refreshes(int(task_result.args[0]))
    except Exception:  # never let tidying up turn a finished refresh into a failed one
        logger.exception("Could not delete finished refresh task rows")
