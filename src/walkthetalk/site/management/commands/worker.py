"""``walkthetalk worker``: run background tasks, with the clock that enqueues periodic ones.

It is django-tasks' database worker plus :class:`walkthetalk.site.clock.Clock`. Its log names
no task: the per-task lines of django-tasks (task id, state, at the moment it runs) are kept
to warnings, so nothing in the log can be paired with a task row or a participant's action.
"""

from __future__ import annotations

import logging
from typing import Any

from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand

from walkthetalk.site.clock import Clock

QUIET_LOGGERS = ("django_tasks", "django_tasks_db")


class Command(DatabaseWorkerCommand):
    help = "Run background tasks (conversation results on a fixed clock, daily escalations)."

    def configure_logging(self, verbosity: int) -> None:
        super().configure_logging(verbosity)
        for name in QUIET_LOGGERS:
            logging.getLogger(name).setLevel(logging.WARNING)

    def handle(self, *args: Any, **options: Any) -> None:
        clock = None
        if not options.get("batch"):
            clock = Clock()
            clock.start()
        try:
            super().handle(*args, **options)
        finally:
            if clock is not None:
                clock.stop()
