"""Background tasks of the site itself: a heartbeat that shows the workers run each task once."""

from __future__ import annotations

import os
import time

from django.core.cache import cache
from django_tasks import task

HEARTBEAT_SECONDS = 3600


def heartbeat_keys(token: str) -> tuple[str, str]:
    return f"heartbeat:{token}:ran", f"heartbeat:{token}:again"


@task()
def heartbeat(token: str, hold: float = 0.0) -> int:
    """Record in the shared cache which worker process ran this task; a second run of the same
    task is recorded apart (``cache.add`` is atomic), so running twice cannot go unseen.
    ``hold`` keeps the worker busy that long, so that several workers share a batch."""
    time.sleep(min(max(hold, 0.0), 5.0))
    ran, again = heartbeat_keys(token)
    if not cache.add(ran, os.getpid(), timeout=HEARTBEAT_SECONDS):
        cache.add(again, os.getpid(), timeout=HEARTBEAT_SECONDS)
    return os.getpid()


@task()
def shuffle_participant_rows() -> None:
    """The clock's hourly task on PostgreSQL: rewrite participant tables in a random order
    (:func:`walkthetalk.site.row_order.shuffle_participant_rows`). Returns nothing, so its task
    row says nothing about how many rows there were."""
    from walkthetalk.site import row_order

    row_order.shuffle_participant_rows()
