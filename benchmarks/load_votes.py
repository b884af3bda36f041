"""Load test: sustained votes per second and latency against `walkthetalk serve` on SQLite.

Plain Python (threads + http.client), loopback only, bounded in count and time:

    .venv/bin/python benchmarks/load_votes.py [--votes 3000] [--seconds 60] [--clients 8]
                                              [--participants 60] [--statements 60] [--worker]

It makes a throwaway data folder, migrates it, seeds one conversation with anonymous
participants who have accepted the agreements, starts `walkthetalk serve` (waitress) on
127.0.0.1, and has each client thread act like a phone: GET the vote page, then POST the
vote form (no JavaScript: a plain form post answered by a redirect). It reports votes/s and
the vote POST's p50/p95/p99 latency, then checks that every vote answered with success is in
the database exactly once. With --worker a `walkthetalk worker` recomputes results meanwhile.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

HOST = "127.0.0.1"  # loopback only, never anything else
ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-c", "from walkthetalk.site.cli import main; raise SystemExit(main())"]


# --- inside Django (run in a child process with the throwaway data folder) ---------------


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "walkthetalk.site.settings")
    import django

    django.setup()


def _setup(participants: int, statements: int) -> None:
    _django()
    from walkthetalk.caremap import services as caremap_services
    from walkthetalk.conversations import services

    system = caremap_services.create_care_system("Load test system", "loadtest")
    sectors = list(system.sectors.all())
    conv = services.create_conversation(
        system,
        "Load test",
        seed_statements=[f"Load test statement number {i}, one idea." for i in range(statements)],
    )
    cookies = []
    for i in range(participants):
        participant_pass = caremap_services.open_pass(system, sectors[i % len(sectors)])
        services.accept_agreements(conv, participant_pass)
        cookies.append(participant_pass.sign())
    print(json.dumps({"conversation": conv.public_id, "passes": cookies}))


def _count() -> None:
    _django()
    from walkthetalk.conversations.models import Statement, Vote

    counted = sum(s.n_votes for s in Statement.objects.all())
    print(json.dumps({"votes": Vote.objects.count(), "counters": counted}))


# --- the load --------------------------------------------------------------------------


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.errors: dict[str, int] = {}
        self.done = 0

    def ok(self, seconds: float) -> None:
        with self.lock:
            self.latencies.append(seconds)
            self.done += 1

    def error(self, what: str) -> None:
        with self.lock:
            self.errors[what] = self.errors.get(what, 0) + 1


FIELD = {
    name: re.compile(rf'name="{name}" value="([^"]+)"')
    for name in ("csrfmiddlewaretoken", "statement", "key")
}


def _client(
    port: int,
    public_id: str,
    passes: list[str],
    budget: threading.Semaphore,
    deadline: float,
    stats: Stats,
) -> None:
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    path = f"/conversations/{public_id}/vote/"
    for signed in passes:
        csrf_cookie = ""
        while time.monotonic() < deadline:
            cookie = f"wtt_pass={signed}" + (f"; csrftoken={csrf_cookie}" if csrf_cookie else "")
            try:
                conn.request("GET", path, headers={"Cookie": cookie})
                response = conn.getresponse()
                body = response.read().decode()
                for header, value in response.getheaders():
                    if header.lower() == "set-cookie" and value.startswith("csrftoken="):
                        csrf_cookie = value.split(";", 1)[0].split("=", 1)[1]
                        cookie = f"wtt_pass={signed}; csrftoken={csrf_cookie}"
                found = {name: rx.search(body) for name, rx in FIELD.items()}
                if not found["statement"]:
                    break  # this participant has voted on everything: next one
                if not budget.acquire(blocking=False):
                    return
                form = {name: m.group(1) for name, m in found.items() if m}
                form["choice"] = ("agree", "disagree", "pass")[hash(form["key"]) % 3]
                started = time.perf_counter()
                conn.request(
                    "POST",
                    path,
                    body=urllib.parse.urlencode(form),
                    headers={
                        "Cookie": cookie,
                        "Content-Type": "application/x-www-form-urlencoded",
                    },
                )
                response = conn.getresponse()
                response.read()
                elapsed = time.perf_counter() - started
                if response.status == 302:
                    stats.ok(elapsed)
                else:
                    stats.error(f"HTTP {response.status}")
            except (OSError, http.client.HTTPException) as exc:
                stats.error(type(exc).__name__)
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=30)
        if time.monotonic() >= deadline:
            return


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def _wait_for(port: int, seconds: float = 30) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the server did not start")


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--votes", type=int, default=3000, help="stop after this many votes")
    parser.add_argument("--seconds", type=float, default=60, help="stop after this long")
    parser.add_argument("--clients", type=int, default=8, help="concurrent client threads")
    parser.add_argument("--participants", type=int, default=60)
    parser.add_argument("--statements", type=int, default=60)
    parser.add_argument("--server-threads", type=int, default=8)
    parser.add_argument("--worker", action="store_true", help="run a results worker too")
    args = parser.parse_args(argv)
    if not (0 < args.votes <= 100_000 and 0 < args.seconds <= 600 and 0 < args.clients <= 64):
        parser.error("keep --votes <= 100000, --seconds <= 600 and --clients <= 64")

    data = Path(tempfile.mkdtemp(prefix="wtt-load-"))
    env = {**os.environ, "WALKTHETALK_DATA": str(data), "WALKTHETALK_ENV": "development"}
    env.pop("WALKTHETALK_DEBUG", None)
    children: list[subprocess.Popen[bytes]] = []
    try:
        subprocess.run([*CLI, "migrate", "-v", "0"], env=env, check=True, cwd=ROOT)
        seeded = subprocess.run(
            [sys.executable, __file__, "_setup", str(args.participants), str(args.statements)],
            env=env,
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        setup = json.loads(seeded.stdout.strip().splitlines()[-1])
        port = _free_port()
        server_log = (data / "server.log").open("wb")
        children.append(
            subprocess.Popen(
                [
                    *CLI,
                    "serve",
                    "--host",
                    HOST,
                    "--port",
                    str(port),
                    "--threads",
                    str(args.server_threads),
                ],
                env=env,
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=server_log,
            )
        )
        if args.worker:
            children.append(
                subprocess.Popen([*CLI, "worker"], env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
            )
        _wait_for(port)
        stats = Stats()
        budget = threading.Semaphore(args.votes)
        passes = setup["passes"]
        shares = [passes[i :: args.clients] for i in range(args.clients)]
        started = time.monotonic()
        deadline = started + args.seconds
        threads = [
            threading.Thread(
                target=_client,
                args=(port, setup["conversation"], share, budget, deadline, stats),
                daemon=True,
            )
            for share in shares
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=args.seconds + 60)
        elapsed = time.monotonic() - started
        for child in children:
            child.terminate()
        for child in children:
            child.wait(timeout=30)
        children.clear()
        counted = json.loads(
            subprocess.run(
                [sys.executable, __file__, "_count"],
                env=env,
                check=True,
                capture_output=True,
                text=True,
                cwd=ROOT,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        lat = stats.latencies
        print(
            f"clients: {args.clients}  server threads: {args.server_threads}  "
            f"worker: {'yes' if args.worker else 'no'}  database: SQLite (WAL)"
        )
        print(
            f"votes: {stats.done} in {elapsed:.1f} s  ->  {stats.done / elapsed:.1f} votes/s "
            "(each vote: GET the vote page + POST the form)"
        )
        if lat:
            print(
                f"vote POST latency: p50 {1000 * _percentile(lat, 0.50):.1f} ms  "
                f"p95 {1000 * _percentile(lat, 0.95):.1f} ms  "
                f"p99 {1000 * _percentile(lat, 0.99):.1f} ms  "
                f"max {1000 * max(lat):.1f} ms"
            )
        print(f"errors: {stats.errors or 'none'}")
        server_log.close()
        log = (data / "server.log").read_text(errors="replace").splitlines()
        queued = sum("Task queue depth" in line for line in log)
        print(f"waitress 'all threads busy' warnings: {queued}")
        for line in [x for x in log if "Task queue depth" not in x][:20]:
            print(f"server: {line}")
        lost = stats.done - counted["votes"]
        print(
            f"stored votes: {counted['votes']}  statement counters: {counted['counters']}  "
            f"lost: {lost}"
        )
        return 0 if lost == 0 and counted["counters"] == counted["votes"] else 1
    finally:
        for child in children:
            child.terminate()
            child.wait(timeout=30)
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_setup":
        _setup(int(sys.argv[2]), int(sys.argv[3]))
    elif len(sys.argv) > 1 and sys.argv[1] == "_count":
        _count()
    else:
        raise SystemExit(main())
