"""The worker's clock: periodic tasks at fixed times of the wall clock, never set by a vote."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django_tasks_db.models import DBTaskResult

from walkthetalk.site.clock import Clock, PeriodicTask, next_tick, periodic_tasks

FIVE = dt.timedelta(minutes=5)
PATH = "walkthetalk.conversations.tasks.refresh_outdated_results"


def at(hour: int, minute: int, second: float = 0.0) -> dt.datetime:
    whole = int(second)
    micro = round((second - whole) * 1e6)
    return dt.datetime(2026, 3, 4, hour, minute, whole, micro, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("now", "tick"),
    [
        (at(10, 2, 13.5), at(10, 5)),
        (at(10, 5), at(10, 10)),  # exactly on a tick: the next one
        (at(10, 4, 59.999), at(10, 5)),
        (at(23, 58), dt.datetime(2026, 3, 5, 0, 0, tzinfo=dt.UTC)),
    ],
)
def test_ticks_fall_on_multiples_of_the_period_since_midnight(now, tick) -> None:
    assert next_tick(now, FIVE) == tick


def test_two_votes_minutes_apart_share_the_same_clock() -> None:
    # Whatever moment something happens, the next refresh is one of the same fixed times.
    moments = [at(10, 0) + dt.timedelta(seconds=s) for s in range(0, 300, 7)]
    assert {next_tick(m, FIVE) for m in moments} == {at(10, 5)}


def test_conversation_results_are_on_the_clock() -> None:
    from django.db import connection

    shuffle = "walkthetalk.site.tasks.shuffle_participant_rows"
    topics = "walkthetalk.conversations.tasks.refresh_outdated_topics"
    figures = "walkthetalk.reports.tasks.refresh_pulse_figures"
    expired = "walkthetalk.site.tasks.drop_expired_cache_entries_task"
    expected = [PATH, topics, figures, expired]
    expected += [shuffle] if connection.vendor == "postgresql" else []
    assert [p.task_path for p in periodic_tasks()] == expected
    assert periodic_tasks()[0].every >= FIVE


@pytest.mark.django_db(transaction=True)
def test_the_clock_thread_enqueues_a_due_task_once_and_stops() -> None:
    times = iter([at(10, 4, 59.9)])

    def now() -> dt.datetime:
        return next(times, at(10, 5, 0.1))

    clock = Clock((PeriodicTask(FIVE, PATH),), now=now)
    clock.start()
    deadline = time.monotonic() + 10
    while not DBTaskResult.objects.filter(task_path=PATH).exists():
        assert time.monotonic() < deadline, "the clock did not enqueue its task"
        time.sleep(0.05)
    clock.stop()
    clock.join(timeout=5)
    assert not clock.is_alive()
    (row,) = DBTaskResult.objects.filter(task_path=PATH)
    assert row.args_kwargs == {"args": [], "kwargs": {}}
