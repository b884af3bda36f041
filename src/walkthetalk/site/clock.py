"""The worker's clock: periodic tasks enqueued at fixed times of the wall clock.

Work that follows participants' actions (recomputing a conversation's results after votes)
is never scheduled relative to an action ("5 minutes after the first vote"), which would keep
the time of that action in a task row and the worker's log. Instead the clock enqueues each
periodic task at every multiple of its period since midnight UTC (10:00, 10:05, …), and the task
finds whatever work is waiting. A task is not enqueued again while an earlier run of it still
waits, so several workers share one clock's work.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from django.db import close_old_connections
from django.utils import timezone

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeriodicTask:
    every: dt.timedelta
    task_path: str  # the task's module path, imported when it is due


def periodic_tasks() -> tuple[PeriodicTask, ...]:
    from django.db import connection

    from walkthetalk.conversations.services import REFRESH_EVERY, TOPICS_EVERY
    from walkthetalk.reports.tasks import FIGURES_EVERY
    from walkthetalk.site.row_order import SHUFFLE_EVERY
    from walkthetalk.site.tasks import DROP_EXPIRED_EVERY

    tasks = [
        PeriodicTask(REFRESH_EVERY, "walkthetalk.conversations.tasks.refresh_outdated_results"),
        PeriodicTask(TOPICS_EVERY, "walkthetalk.conversations.tasks.refresh_outdated_topics"),
        PeriodicTask(FIGURES_EVERY, "walkthetalk.reports.tasks.refresh_pulse_figures"),
        PeriodicTask(DROP_EXPIRED_EVERY, "walkthetalk.site.tasks.drop_expired_cache_entries_task"),
    ]
    if connection.vendor == "postgresql":  # SQLite's participant tables keep no order at all
        tasks.append(PeriodicTask(SHUFFLE_EVERY, "walkthetalk.site.tasks.shuffle_participant_rows"))
    return tuple(tasks)


def next_tick(now: dt.datetime, every: dt.timedelta) -> dt.datetime:
    """The first multiple of ``every`` since midnight UTC strictly after ``now``."""
    midnight = now.astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    ticks = (now - midnight) // every + 1
    return midnight + ticks * every


def enqueue_if_idle(task_path: str) -> bool:
    """Enqueue the task unless a run of it is already waiting or running; True if enqueued."""
    from django.utils.module_loading import import_string
    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    waiting = DBTaskResult.objects.filter(
        task_path=task_path, status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING]
    )
    if waiting.exists():
        return False
    import_string(task_path).enqueue()
    return True


class Clock(threading.Thread):
    """A daemon thread of the worker process that enqueues periodic tasks when they are due."""

    def __init__(
        self,
        tasks: tuple[PeriodicTask, ...] | None = None,
        *,
        now: Callable[[], dt.datetime] = timezone.now,
    ) -> None:
        super().__init__(name="walkthetalk-clock", daemon=True)
        self.tasks = tasks if tasks is not None else periodic_tasks()
        self.now = now
        self.stopped = threading.Event()

    def run(self) -> None:
        due = {t.task_path: next_tick(self.now(), t.every) for t in self.tasks}
        while not self.stopped.is_set():
            wait = (min(due.values()) - self.now()).total_seconds()
            if wait > 0 and self.stopped.wait(min(wait, 60.0)):
                return
            current = self.now()
            for periodic in self.tasks:
                if due[periodic.task_path] <= current:
                    self.tick(periodic)
                    due[periodic.task_path] = next_tick(current, periodic.every)

    def tick(self, periodic: PeriodicTask) -> None:
        try:
            close_old_connections()
            enqueue_if_idle(periodic.task_path)
        except Exception:  # the clock keeps going; the next tick tries again
            logger.error("The worker's clock could not enqueue a periodic task.")
        finally:
            close_old_connections()

    def stop(self) -> None:
        self.stopped.set()
