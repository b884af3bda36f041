"""Background tasks of the site itself: a heartbeat that shows the workers run each task once,
the hourly clean-up of the shared caches and the hourly row shuffle."""

from __future__ import annotations

import datetime as dt
import os
import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone
from django_tasks import task

HEARTBEAT_SECONDS = 3600
DROP_EXPIRED_EVERY = dt.timedelta(hours=1)


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


def drop_expired_cache_entries() -> int:
    """Delete the entries of the shared database caches whose time is up; how many went.

    Django's database cache deletes expired entries only while culling, and the "default"
    cache's bound is set far above what it ever holds (settings ``CACHES``), so without this
    spent rate-limit slots and lockout delays would pile up in its table."""
    now = connection.ops.adapt_datetimefield_value(timezone.now().replace(microsecond=0))
    dropped = 0
    with connection.cursor() as cursor:
        for options in settings.CACHES.values():
            if options["BACKEND"] != "django.core.cache.backends.db.DatabaseCache":
                continue
            table = connection.ops.quote_name(str(options["LOCATION"]))
            cursor.execute(f"DELETE FROM {table} WHERE expires < %s", [now])  # noqa: S608
            dropped += cursor.rowcount
    return dropped


@task()
def drop_expired_cache_entries_task() -> None:
    """The clock's hourly task (:func:`drop_expired_cache_entries`); returns nothing, so its
    task row says nothing about how many entries there were."""
    drop_expired_cache_entries()
