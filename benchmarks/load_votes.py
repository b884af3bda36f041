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
import http.client
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import vote_harness as h

REFERENCE = "reference (minimal Django + raw SQL, SQLite)"


def _reference_run(args: argparse.Namespace, folder: Path) -> dict:
    db = folder / "reference.sqlite3"
    env = {**os.environ, "WTT_REFERENCE_DB": str(db), "OMP_NUM_THREADS": "1"}
    out = h.run_child(
        [
            sys.executable,
            str(h.BENCH / "reference_votes.py"),
            "setup",
            str(db),
            str(args.participants),
            str(args.statements),
        ],
        env,
    )
    passes = json.loads(out.strip().splitlines()[-1])["passes"]
    port = h.free_port()
    server = h.Server(
        h.gunicorn("reference_votes:application", port, args.workers, h.BENCH),
        env,
        port,
        folder / "server.log",
    )
    target = h.Target(port, "/vote/", [(p, f"p={p}") for p in passes])

    def verify(acked: list) -> dict:
        acked_file = folder / "acked.json"
        acked_file.write_text(json.dumps(acked))
        out = h.run_child(
            [
                sys.executable,
                str(h.BENCH / "reference_votes.py"),
                "check",
                str(db),
                str(acked_file),
            ],
            env,
        )
        return json.loads(out.strip().splitlines()[-1])

    return _measure(REFERENCE, args, server, target, verify, None)


def _product_run(args: argparse.Namespace, folder: Path, pg: h.Postgres | None) -> dict:
    url = pg.fresh_database() if pg else None
    env, server, target = h.product_server(
        folder, url, args.participants, args.statements, args.workers
    )
    label = "product on PostgreSQL 15" if pg else "product on SQLite"
    return _measure(label, args, server, target, lambda a: h.product_verify(folder, env, a), pg)


def _measure(label, args, server, target, verify, pg) -> dict:  # type: ignore[no-untyped-def]
    server.start()
    try:
        # Warm-up (not timed): every worker loads its code and templates.
        warm = http.client.HTTPConnection(h.HOST, target.port, timeout=30)
        for _, cookie in target.cookies[: 4 * args.workers]:
            warm.request("GET", target.path, headers={"Cookie": cookie})
            warm.getresponse().read()
        warm.close()
        load = os.getloadavg()
        cpu0, db0, client0 = server.cpu(), pg.cpu() if pg else 0.0, time.process_time()
        stats, wall = h.drive(target, args.clients, args.votes, args.seconds, args.htmx)
        cpu = server.cpu() - cpu0
        db_cpu = (pg.cpu() - db0) if pg else 0.0
        client_cpu = time.process_time() - client0
    finally:
        server.stop()
    check = verify(stats.acked)
    n = len(stats.acked)
    return {
        "label": label,
        "votes": n,
        "wall": wall,
        "rate": n / wall if wall else 0.0,
        "p50": h.percentile(stats.latencies, 0.50),
        "p95": h.percentile(stats.latencies, 0.95),
        "p99": h.percentile(stats.latencies, 0.99),
        "server_cpu": cpu,
        "db_cpu": db_cpu,
        "client_cpu": client_cpu,
        "load": load,
        "errors": stats.errors,
        **check,
    }


def _print(run: dict) -> None:
    per_k = 1000 / run["votes"] if run["votes"] else 0.0
    db = f", PostgreSQL {run['db_cpu'] * per_k:.1f} s" if run["db_cpu"] else ""
    print(
        f"  {run['label']}: {run['votes']} votes in {run['wall']:.1f} s = "
        f"{run['rate']:.1f} votes/s; POST p50 {1000 * run['p50']:.1f} ms, "
        f"p95 {1000 * run['p95']:.1f} ms, p99 {1000 * run['p99']:.1f} ms"
    )
    print(
        f"    CPU per 1,000 votes: server {run['server_cpu'] * per_k:.1f} s{db}, "
        f"clients {run['client_cpu'] * per_k:.1f} s; load average at start "
        f"{run['load'][0]:.2f}; errors: {run['errors'] or 'none'}; "
        f"stored {run['stored']}, lost {run['lost']}, duplicates {run['duplicates']}"
    )


def _arguments(argv: list[str] | None) -> tuple[argparse.Namespace, list[str]]:
    """The options, checked; and the databases to compare with the reference."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--votes", type=int, default=2000, help="votes per run (at most)")
    parser.add_argument("--seconds", type=float, default=60, help="longest run")
    parser.add_argument("--clients", type=int, default=8, help="client threads")
    parser.add_argument("--workers", type=int, default=2, help="worker processes, both servers")
    parser.add_argument("--participants", type=int, default=60)
    parser.add_argument("--statements", type=int, default=60)
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--database-url", help="a PostgreSQL server to use (needs CREATEDB)")
    parser.add_argument("--pg-port", type=int, help="port of the throwaway PostgreSQL")
    parser.add_argument("--htmx", action="store_true", help="one request per vote (htmx)")
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()))
    args = parser.parse_args(argv)
    if not (0 < args.votes <= 100_000 and 0 < args.seconds <= 600 and 0 < args.clients <= 64):
        parser.error("keep --votes <= 100000, --seconds <= 600 and --clients <= 64")
    if args.votes > args.participants * args.statements:
        parser.error("--votes must be at most --participants x --statements")
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
            run = _reference_run(args, folder)
        else:
            run = _product_run(args, folder, pg if which == "postgres" else None)
        _print(run)
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
        "(reference: gunicorn; product: walkthetalk serve), "
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
