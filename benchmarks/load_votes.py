"""Votes per second: the product against a minimal Django + SQLite vote endpoint, same client.

    .venv/bin/python benchmarks/load_votes.py [--rounds 3] [--votes 2000] [--clients 8]
        [--workers 2] [--databases sqlite,postgres] [--database-url URL] [--htmx] [--data DIR]

Each round runs, back to back and in alternating order, (1) the reference endpoint
(`reference_votes.py`: one module, no middleware, raw SQL, SQLite in WAL mode with
synchronous=FULL), (2) the product on SQLite and (3) the product on PostgreSQL 15 (started on
127.0.0.1 in a throwaway folder, or the server of ``--database-url``, a fresh database per run).
The product is served as people run it, ``walkthetalk serve`` with its production settings
(plain HTTP on loopback); the reference by gunicorn, the server inside ``walkthetalk serve``,
with the same number of sync workers. Both keep one database connection open per worker. The
same client threads act like phones: GET a statement, POST a vote (with ``--htmx`` the POST's
answer is the next statement, as on a phone with JavaScript). Every run starts from the same
fresh data: 60 participants who have accepted the agreements, 60 statements.

Printed per run: votes/s, the vote POST's p50/p95/p99, CPU seconds of the server processes
(and of PostgreSQL) per 1,000 votes beside the wall time, the load average when it started,
errors, and the check that every acknowledged vote is stored once with its value. Then, over
the rounds, the medians of each server's votes/s, POST p99, wall and CPU seconds per 1,000
votes, and the median ratio product/reference. Loopback only; bounded in votes and time.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
from pathlib import Path

import load_common as lc
import vote_harness as h


def _arguments(argv: list[str] | None) -> tuple[argparse.Namespace, list[str]]:
    """The options, checked; and the databases to compare with the reference."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    lc.add_arguments(parser)
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--database-url", help="a PostgreSQL server to use (needs CREATEDB)")
    parser.add_argument("--pg-port", type=int, help="port of the throwaway PostgreSQL")
    parser.add_argument("--htmx", action="store_true", help="one request per vote (htmx)")
    args = parser.parse_args(argv)
    lc.check_arguments(parser, args)
    databases = [d.strip() for d in args.databases.split(",") if d.strip()]
    if not set(databases) <= {"sqlite", "postgres"}:
        parser.error("--databases takes sqlite and/or postgres")
    return args, databases


def _round(
    args: argparse.Namespace, r: int, databases: list[str], top: Path, pg: h.Postgres | None
) -> tuple[dict[str, dict], bool]:
    """One round: the reference and each database, in alternating order; and whether any
    run lost or duplicated a vote."""
    failed = False
    order = ["reference", *databases]
    if r % 2:
        order.reverse()  # alternate, so drift in the machine's load falls on both
    runs: dict[str, dict] = {}
    for which in order:
        folder = Path(tempfile.mkdtemp(prefix=f"{which}-", dir=top))
        if which == "reference":
            run = lc.reference_run(args, folder)
        else:
            run = lc.product_run(args, folder, pg if which == "postgres" else None)
        lc.print_run(run)
        failed |= bool(run["lost"] or run["duplicates"])
        failed |= run.get("tallied", run["stored"]) != run["stored"]
        runs[which] = run
        shutil.rmtree(folder, ignore_errors=True)
    for which in databases:
        ratio = runs[which]["rate"] / runs["reference"]["rate"]
        print(f"    ratio {which}/reference: {ratio:.2f}")
    return runs, failed


def _summary(rounds: list[dict[str, dict]], databases: list[str]) -> None:
    """Medians over rounds, the ratios to the reference, and any vote lost or duplicated."""
    print("summary (medians over rounds)")
    for which in ["reference", *databases]:
        runs = [r[which] for r in rounds]
        rates = [run["rate"] for run in runs]
        per_k = [1000 / max(run["votes"], 1) for run in runs]
        wall = statistics.median(run["wall"] * k for run, k in zip(runs, per_k, strict=True))
        cpu = statistics.median(run["server_cpu"] * k for run, k in zip(runs, per_k, strict=True))
        db = statistics.median(run["db_cpu"] * k for run, k in zip(runs, per_k, strict=True))
        print(
            f"  {runs[0]['label']}: {statistics.median(rates):.1f} votes/s "
            f"(runs: {', '.join(f'{x:.0f}' for x in rates)}), POST p99 "
            f"{1000 * statistics.median(run['p99'] for run in runs):.0f} ms; per 1,000 votes "
            f"{wall:.1f} s wall, {cpu:.1f} s server CPU"
            + (f" + {db:.1f} s PostgreSQL CPU" if db else "")
            + f"; load average at start {statistics.median(run['load'][0] for run in runs):.1f}"
        )
    for which in databases:
        ratios = [r[which]["rate"] / r["reference"]["rate"] for r in rounds]
        worst_p99 = max(r[which]["p99"] for r in rounds)
        print(
            f"  ratio {which}/reference: median {statistics.median(ratios):.2f} "
            f"(rounds: {', '.join(f'{x:.2f}' for x in ratios)}); worst POST p99 "
            f"{1000 * worst_p99:.0f} ms"
        )
    lost = sum(r[w]["lost"] for r in rounds for w in r)
    dup = sum(r[w]["duplicates"] for r in rounds for w in r)
    print(f"  acknowledged but lost: {lost}; duplicates: {dup}")


def main(argv: list[str] | None = None) -> int:
    args, databases = _arguments(argv)

    top = Path(tempfile.mkdtemp(prefix="wtt-load-", dir=args.data))
    pg = None
    print(
        f"{args.clients} client threads, {args.workers} sync worker processes per server "
        f"(reference: gunicorn, {args.reference_close} close; product: walkthetalk serve), "
        f"{'htmx (one request per vote)' if args.htmx else 'GET + POST per vote'}, "
        f"{args.participants} participants x {args.statements} statements, "
        f"{args.votes} votes per run, {os.cpu_count()} CPUs"
    )
    rounds: list[dict[str, dict]] = []
    failed = False
    try:
        if "postgres" in databases:
            pg = h.Postgres(args.data, args.pg_port, args.database_url)
        for r in range(args.rounds):
            print(f"round {r + 1}")
            runs, lost_some = _round(args, r, databases, top, pg)
            failed |= lost_some
            rounds.append(runs)
    finally:
        if pg is not None:
            pg.stop()
        shutil.rmtree(top, ignore_errors=True)

    _summary(rounds, databases)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
