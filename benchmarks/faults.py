"""Crash test: SIGKILL the server under load, again and again; no acknowledged vote may be lost
and none may count twice.

    .venv/bin/python benchmarks/faults.py [--kills 10] [--clients 8] [--workers 2]
        [--databases sqlite,postgres] [--database-url URL] [--htmx] [--data DIR]

For each database (SQLite with the product's production settings, and PostgreSQL 15 started on
127.0.0.1 in a throwaway folder or the server of ``--database-url``) it serves the product as
people run it (``walkthetalk serve``), has client threads vote like phones, and every 0.5-1.5 s
kills the whole server (master and workers, SIGKILL, mid-request) and starts it again,
``--kills`` times. A client whose vote got no answer sends the very same form again (same
request key) until one comes, as a phone's retry would; only a vote answered with success counts
as acknowledged.

Afterwards it checks the database against the acknowledged votes: acknowledged but lost (not
stored, or stored with another value) must be 0; duplicates (a participant's vote on a
statement stored twice, or worker tallies that do not add up to the rows) must be 0. For
SQLite it also runs ``PRAGMA integrity_check``. Loopback only.

SIGKILL stops the processes, not the machine: what the kernel has accepted survives it even
without fsync. Power loss is what ``synchronous=FULL`` (SQLite) and fsync at commit
(PostgreSQL) are for; this script cannot cut the power.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sqlite3
import tempfile
import threading
import time
from pathlib import Path

import vote_harness as h


def _run(args: argparse.Namespace, folder: Path, pg: h.Postgres | None) -> dict:
    url = pg.fresh_database() if pg else None
    env, server, target = h.product_server(
        folder, url, args.participants, args.statements, args.workers
    )
    stats = h.Stats()
    budget = threading.Semaphore(args.participants * args.statements)
    stopping = threading.Event()
    deadline = time.monotonic() + 600
    server.start()
    threads = [
        threading.Thread(
            target=h.client,
            args=(target, target.cookies[i :: args.clients], budget, deadline, stats),
            kwargs={"htmx": args.htmx, "retry_until": stopping.is_set},
            daemon=True,
        )
        for i in range(args.clients)
    ]
    for t in threads:
        t.start()
    rng = random.Random(args.seed)
    kills = []
    try:
        for _ in range(args.kills):
            time.sleep(args.interval * rng.uniform(0.5, 1.5))
            acked_before = len(stats.acked)
            server.kill()
            kills.append(acked_before)
            server.start()
        time.sleep(args.interval)
    finally:
        stopping.set()
        while budget.acquire(blocking=False):  # no new votes; retries in flight give up
            pass
        for t in threads:
            t.join(timeout=60)
        server.stop()
    check = h.product_verify(folder, env, stats.acked)
    integrity = "n/a (PostgreSQL)"
    if pg is None:
        with sqlite3.connect(folder / "walkthetalk.sqlite3") as con:
            integrity = con.execute("PRAGMA integrity_check").fetchone()[0]
    acked = len(stats.acked)
    return {
        "label": "PostgreSQL 15" if pg else "SQLite",
        "kills": len(kills),
        "acked": acked,
        "retried": stats.retried,
        "errors": stats.errors,
        "integrity": integrity,
        **check,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--interval", type=float, default=1.0, help="mean seconds between kills")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--participants", type=int, default=60)
    parser.add_argument("--statements", type=int, default=60)
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--database-url", help="a PostgreSQL server to use (needs CREATEDB)")
    parser.add_argument("--pg-port", type=int)
    parser.add_argument("--htmx", action="store_true", help="one request per vote (htmx)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the kill times")
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()))
    args = parser.parse_args(argv)
    if not (0 < args.kills <= 100 and 0 < args.clients <= 64 and 0 < args.interval <= 60):
        parser.error("keep --kills <= 100, --clients <= 64 and --interval <= 60")
    databases = [d.strip() for d in args.databases.split(",") if d.strip()]
    if not set(databases) <= {"sqlite", "postgres"}:
        parser.error("--databases takes sqlite and/or postgres")

    top = Path(tempfile.mkdtemp(prefix="wtt-faults-", dir=args.data))
    pg = None
    failed = False
    print(
        f"SIGKILL x{args.kills} under {args.clients} client threads, walkthetalk serve "
        f"--workers {args.workers}, {'htmx' if args.htmx else 'GET + POST'} votes"
    )
    try:
        for which in databases:
            if which == "postgres" and pg is None:
                pg = h.Postgres(args.data, args.pg_port, args.database_url)
            folder = Path(tempfile.mkdtemp(prefix=f"{which}-", dir=top))
            run = _run(args, folder, pg if which == "postgres" else None)
            bad = run["lost"] or run["duplicates"] or run["tallied"] != run["stored"]
            failed |= bool(bad) or run["integrity"] not in ("ok", "n/a (PostgreSQL)")
            print(
                f"  {run['label']}: {run['kills']} kills; {run['acked']} votes acknowledged "
                f"({run['retried']} of them only after sending the same form again), "
                f"{run['stored']} stored; acknowledged but lost: {run['lost']}; "
                f"duplicates: {run['duplicates']}; worker tallies {run['tallied']} for "
                f"{run['stored']} rows; integrity: {run['integrity']}"
            )
            print(f"    client-side errors while the server was down: {json.dumps(run['errors'])}")
            shutil.rmtree(folder, ignore_errors=True)
    finally:
        if pg is not None:
            pg.stop()
        shutil.rmtree(top, ignore_errors=True)
    print("result:", "FAILED" if failed else "no acknowledged vote lost, none counted twice")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
