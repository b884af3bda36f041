"""How long the hourly PostgreSQL rewrite of participant tables takes (walkthetalk.site.row_order),
and how long votes wait while it runs.

Run against an empty PostgreSQL database of your own (it is migrated and filled)::

    DATABASE_URL=postgres://postgres@127.0.0.1:54400/wtt_bench OMP_NUM_THREADS=1 \\
        .venv/bin/python benchmarks/privacy_row_order.py --participants 10000 --votes-each 20

Fills one conversation with ``participants`` people and ``votes-each`` votes each, a
transaction per 1,000 people, then times :func:`shuffle_participant_rows` after one more row is
written each time: in all, and from the end of the copy (the brief lock, the swap and the
checks of the foreign keys). The work is done by the database server, whose CPU time is not
visible from this process; what matters is how long votes wait. While each rewrite runs,
another thread (its own connection) casts a vote as a new participant every 50 ms, as the vote
path does (participant row and vote in one transaction): the longest and median time one of
those took is printed beside the same figures with no rewrite running.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def fill(participants: int, votes_each: int, statements: int) -> tuple[Any, list[Any]]:
    """One conversation with ``participants`` people voting; returns it and its statements."""
    import datetime as dt
    import random

    from walkthetalk.caremap.models import CareSystem
    from walkthetalk.conversations.models import (
        Conversation,
        ConversationParticipant,
        Statement,
        Vote,
    )

    rng = random.Random(0)  # noqa: S311 (benchmark data)
    today = dt.date(2026, 1, 5)
    system = CareSystem.objects.create(name="Bench", slug=f"bench-{uuid.uuid4().hex[:8]}")
    conv = Conversation.objects.create(care_system=system, title="Bench", created_on=today)
    made = Statement.objects.bulk_create(
        Statement(conversation=conv, text=f"Statement {j}", created_on=today)
        for j in range(statements)
    )
    batch = 1_000
    for start in range(0, participants, batch):  # one transaction per batch of people
        people = ConversationParticipant.objects.bulk_create(
            ConversationParticipant(conversation=conv, joined_on=today)
            for _ in range(min(batch, participants - start))
        )
        Vote.objects.bulk_create(
            Vote(
                conversation=conv,
                participant=p,
                statement=s,
                value=rng.choice((-1, 0, 1)),
                voted_on=today,
            )
            for p in people
            for s in rng.sample(made, votes_each)
        )
    return conv, made


def voter(conv: Any, statements: list[Any], stop: threading.Event, waits: list[float]) -> None:
    """Cast a vote as a new participant every 50 ms until ``stop``; record each one's time."""
    import secrets

    from django.db import connection, transaction

    from walkthetalk.conversations.models import ConversationParticipant, Vote

    try:
        while not stop.is_set():
            began = time.perf_counter()
            with transaction.atomic():
                p = ConversationParticipant.objects.create(
                    conversation=conv, joined_on=conv.created_on
                )
                Vote.objects.create(
                    conversation=conv,
                    participant=p,
                    statement=statements[secrets.randbelow(len(statements))],
                    value=1,
                    voted_on=conv.created_on,
                )
            waits.append(time.perf_counter() - began)
            time.sleep(0.05)
    finally:
        connection.close()


def with_voter(conv: Any, statements: list[Any], work: Callable[[], None]) -> list[float]:
    """Run ``work`` while votes arrive; returns how long each vote took."""
    stop, waits = threading.Event(), list[float]()
    thread = threading.Thread(target=voter, args=(conv, statements, stop, waits))
    thread.start()
    time.sleep(0.3)  # votes are arriving when the work starts
    work()
    time.sleep(0.3)
    stop.set()
    thread.join()
    return waits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=10_000)
    parser.add_argument("--votes-each", type=int, default=20)
    parser.add_argument("--statements", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to an empty PostgreSQL database of your own.")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "walkthetalk.site.settings")
    os.environ.setdefault("WALKTHETALK_ENV", "test")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from walkthetalk.conversations.models import Vote
    from walkthetalk.site import row_order

    call_command("migrate", verbosity=0)
    conv, statements = fill(args.participants, args.votes_each, args.statements)
    n_votes = Vote.objects.filter(conversation=conv).count()
    quiet = with_voter(conv, statements, lambda: time.sleep(5))
    walls, tails, during = [], [], []
    for _ in range(args.repeats):
        with connection.cursor() as cursor:  # a new writer, so there is something to rewrite
            cursor.execute(
                "UPDATE conversations_vote SET request_key = '' "
                "WHERE ctid = (SELECT min(ctid) FROM conversations_vote)"
            )
        marks: list[float] = []

        def rewrite(marks: list[float] = marks) -> None:
            marks.append(time.perf_counter())
            row_order.shuffle_participant_rows(after_copy=lambda: marks.append(time.perf_counter()))
            marks.append(time.perf_counter())

        during.append(with_voter(conv, statements, rewrite))
        walls.append(marks[2] - marks[0])
        tails.append(marks[2] - marks[1])
    tables = row_order.participant_tables()
    print(f"participants {args.participants:,}  votes {n_votes:,}  tables rewritten {len(tables)}")
    print(f"rewrite wall s (median of {args.repeats}): {statistics.median(walls):.2f}")
    print(f"  of which after the copy (lock, swap, key checks): {statistics.median(tails):.2f}")
    print(f"writers after: {row_order.distinct_writers('default', tables)}")
    print(
        f"vote wait, no rewrite: longest {max(quiet):.3f} s, median "
        f"{statistics.median(quiet):.3f} s over {len(quiet)} votes"
    )
    for i, waits in enumerate(during, start=1):
        print(
            f"vote wait during rewrite {i}: longest {max(waits):.3f} s, median "
            f"{statistics.median(waits):.3f} s over {len(waits)} votes"
        )


if __name__ == "__main__":
    main()
