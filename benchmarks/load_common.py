"""Shared pieces of `load_votes.py` and `load_writes.py`: their common options and checks, the
reference run and the product run, one measured run of a server, and the lines printed for it."""

from __future__ import annotations

import argparse
import http.client
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import vote_harness as h

REFERENCE = "reference (minimal Django + raw SQL, SQLite)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options both load tests take (sizes, rounds, where throwaway data goes)."""
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--votes", type=int, default=2000, help="votes per run (at most)")
    parser.add_argument("--seconds", type=float, default=60, help="longest run")
    parser.add_argument("--clients", type=int, default=8, help="voting client threads")
    parser.add_argument("--workers", type=int, default=2, help="worker processes, both servers")
    parser.add_argument("--participants", type=int, default=60)
    parser.add_argument("--statements", type=int, default=60)
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()))
    parser.add_argument(
        "--reference-close",
        choices=["gunicorn", "at-once"],
        default="gunicorn",
        help="how the reference's workers close a connection after the answer: gunicorn's "
        "own (it waits for the client to close its side) or at once when nothing is left "
        "unread, as the product's workers do (walkthetalk.site.serving)",
    )


def check_arguments(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """Refuse (with the parser's error) sizes that would not be a bounded run."""
    if not (0 < args.votes <= 100_000 and 0 < args.seconds <= 600 and 0 < args.clients <= 64):
        parser.error("keep --votes <= 100000, --seconds <= 600 and --clients <= 64")
    if args.votes > args.participants * args.statements:
        parser.error("--votes must be at most --participants x --statements")


def reference_run(args: argparse.Namespace, folder: Path) -> dict:
    """The reference endpoint (`reference_votes.py` under gunicorn), measured like the product."""
    db = folder / "reference.sqlite3"
    env = {**os.environ, "WTT_REFERENCE_DB": str(db), "OMP_NUM_THREADS": "1"}
    env["WTT_REFERENCE_CLOSE"] = args.reference_close
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

    return measure(REFERENCE, args, server, target, verify, None)


def product_run(args: argparse.Namespace, folder: Path, pg: h.Postgres | None) -> dict:
    """The product (`walkthetalk serve`) on SQLite, or on a fresh database of ``pg``."""
    url = pg.fresh_database() if pg else None
    env, server, target = h.product_server(
        folder, url, args.participants, args.statements, args.workers
    )
    label = "product on PostgreSQL 15" if pg else "product on SQLite"
    return measure(label, args, server, target, lambda a: h.product_verify(folder, env, a), pg)


def measure(
    label: str,
    args: argparse.Namespace,
    server: h.Server,
    target: h.Target,
    verify: Callable[[list], dict],
    pg: h.Postgres | None,
) -> dict:
    """Start the server, warm every worker, drive the phones, stop, and check the votes."""
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
    return run_figures(label, stats, wall, cpu, db_cpu, client_cpu, load) | check


def run_figures(
    label: str,
    stats: h.Stats,
    wall: float,
    cpu: float,
    db_cpu: float,
    client_cpu: float,
    load: tuple[float, float, float],
) -> dict:
    """What one run reports: votes, rate, POST percentiles, CPU, load at start, errors."""
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
    }


def print_run(run: dict) -> None:
    """Two lines per run: rate and POST percentiles; CPU per 1,000 votes and the vote check."""
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
