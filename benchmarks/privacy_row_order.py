"""How long the hourly PostgreSQL rewrite of participant tables takes (walkthetalk.site.row_order).

Run against an empty PostgreSQL database of your own (it is migrated and filled)::

    DATABASE_URL=postgres://postgres@127.0.0.1:54400/wtt_bench OMP_NUM_THREADS=1 \\
        .venv/bin/python benchmarks/privacy_row_order.py --participants 10000 --votes-each 20

Fills one conversation with ``participants`` people and ``votes-each`` votes each, a
transaction per 1,000 people, then times :func:`shuffle_participant_rows` after one more row is
written each time. Wall time is the figure that matters: the rewrite locks the participant
tables, so votes wait that long (the work is done by the database server, whose CPU time is not
visible from this process).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


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
    import datetime as dt
    import random

    from django.core.management import call_command
    from django.db import connection

    from walkthetalk.caremap.models import CareSystem
    from walkthetalk.conversations.models import (
        Conversation,
        ConversationParticipant,
        Statement,
        Vote,
    )
    from walkthetalk.site import row_order

    call_command("migrate", verbosity=0)
    rng = random.Random(0)
    today = dt.date(2026, 1, 5)
    system = CareSystem.objects.create(name="Bench", slug=f"bench-{uuid.uuid4().hex[:8]}")
    conv = Conversation.objects.create(care_system=system, title="Bench", created_on=today)
    statements = Statement.objects.bulk_create(
        Statement(conversation=conv, text=f"Statement {j}", created_on=today)
        for j in range(args.statements)
    )
    batch = 1_000
    for start in range(0, args.participants, batch):  # one transaction per batch of people
        people = ConversationParticipant.objects.bulk_create(
            ConversationParticipant(conversation=conv, joined_on=today)
            for _ in range(min(batch, args.participants - start))
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
            for s in rng.sample(statements, args.votes_each)
        )
    n_votes = Vote.objects.filter(conversation=conv).count()
    walls = []
    for _ in range(args.repeats):
        with connection.cursor() as cursor:  # a new writer, so there is something to rewrite
            cursor.execute(
                "UPDATE conversations_vote SET request_key = '' "
                "WHERE ctid = (SELECT min(ctid) FROM conversations_vote)"
            )
        start_time = time.perf_counter()
        tables = row_order.shuffle_participant_rows()
        walls.append(time.perf_counter() - start_time)
    tables = row_order.referencing_closure("default", row_order.participant_tables())
    print(f"participants {args.participants:,}  votes {n_votes:,}  tables rewritten {len(tables)}")
    print(f"rewrite wall s (median of {args.repeats}): {statistics.median(walls):.2f}")
    print(f"writers after: {row_order.distinct_writers('default', tables)}")


if __name__ == "__main__":
    main()
