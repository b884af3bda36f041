"""The vote round trip's CPU, in process: the product's WSGI application against the reference's.

`load_votes.py` measures votes through real servers, where the machine's other work moves the
wall figures; this drives the same requests a phone sends (GET the vote page, POST the form —
or with ``--htmx`` one POST answered by the next card) straight into each WSGI application in
its own process, and times each block of votes with ``time.process_time()``. The two
applications run alternately (``--rounds`` of each), so a change in the machine's load falls on
both; it prints CPU per vote (median of the blocks) for both and their ratio. Quiet and fast:
made for iterating and for ``--profile`` (cProfile of the product's blocks). After its warm-up
the product's heap is frozen (``serving.settle_the_heap``), as a served worker's is.

With ``--database-url`` (a PostgreSQL server; the role needs CREATEDB) the product runs on a
fresh database of that server per run (dropped after it), and beside the worker's CPU per vote
it prints its PostgreSQL backend's (the backend process's time on a CPU, read from
``/proc/<pid>/schedstat``, so the server must run on this machine). The reference stays on
SQLite. To compare two trees, run with ``--only product`` alternately with ``PYTHONPATH`` set
to each tree's ``src``.

    python benchmarks/vote_cpu.py [--htmx] [--votes 300] [--blocks 5] [--rounds 3]
        [--database-url postgres://postgres@127.0.0.1:54400/wtt_cpu]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import vote_harness as h  # noqa: E402


def _environ(method: str, path: str, cookie: str, body: bytes, htmx: bool) -> dict[str, Any]:
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": h.HOST,
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": h.HOST,
        "HTTP_HOST": f"{h.HOST}:8000",
        "HTTP_COOKIE": cookie,
        "HTTP_USER_AGENT": "vote_cpu",
        "HTTP_ACCEPT": "*/*",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }
    if method == "POST":
        environ["CONTENT_TYPE"] = "application/x-www-form-urlencoded"
        environ["CONTENT_LENGTH"] = str(len(body))
        if htmx:
            environ["HTTP_HX_REQUEST"] = "true"
    return environ


class Phone:
    """One participant voting through a WSGI application, as vote_harness.client does."""

    def __init__(self, app: Any, path: str, cookie: str) -> None:
        self.app, self.path, self.cookie, self.csrf, self.body = app, path, cookie, "", ""
        self.rng = secrets.SystemRandom()

    def _call(self, method: str, body: bytes = b"", htmx: bool = False) -> tuple[str, str]:
        header = self.cookie + (f"; csrftoken={self.csrf}" if self.csrf else "")
        got: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]], exc: Any = None) -> None:
            got["status"], got["headers"] = status, headers

        result = self.app(_environ(method, self.path, header, body, htmx), start_response)
        try:
            text = b"".join(result).decode()
        finally:
            if hasattr(result, "close"):
                result.close()
        for name, value in got["headers"]:
            if name.lower() == "set-cookie" and value.lstrip().startswith("csrftoken="):
                self.csrf = SimpleCookie(value)["csrftoken"].value
        return got["status"], text

    def vote(self, htmx: bool) -> bool:
        """One vote (GET first unless the last htmx answer was the next card); False when this
        participant has voted on everything."""
        if not self.body:
            status, self.body = self._call("GET")
            assert status.startswith("200"), status
        found = {name: rx.search(self.body) for name, rx in h.FIELD.items()}
        if not found["statement"]:
            return False
        form = {name: m.group(1) for name, m in found.items() if m}
        form["choice"] = self.rng.choice(h.CHOICES)
        status, text = self._call("POST", urllib.parse.urlencode(form).encode(), htmx)
        assert status.startswith("200" if htmx else "302"), (status, text[:300])
        self.body = text if htmx else ""
        return True


def _backend_cpu(pid: int | None) -> float:
    """CPU seconds of the process ``pid`` so far (the scheduler's run time, in nanoseconds:
    ``/proc/<pid>/stat``'s user and system times count 10 ms ticks); 0.0 for None."""
    if pid is None:
        return 0.0
    with open(f"/proc/{pid}/schedstat") as stat:
        return int(stat.read().split()[0]) / 1e9


def _backend_pid() -> int | None:
    """The PostgreSQL backend of this process's default connection; None on SQLite."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    connection.ensure_connection()
    return int(connection.connection.info.backend_pid)


def _blocks(
    phones: list[Phone], votes: int, blocks: int, htmx: bool, backend: list[float] | None = None
) -> list[float]:
    """CPU seconds per vote of each block of ``votes`` votes; with ``backend`` (PostgreSQL),
    the backend's CPU seconds per vote of each block appended to it."""
    out: list[float] = []
    turn = 0
    for _ in range(blocks):
        pid = _backend_pid() if backend is not None else None
        backend_started = _backend_cpu(pid)
        started = time.process_time()
        done = 0
        while done < votes:
            phone = phones[turn % len(phones)]
            turn += 1
            if phone.vote(htmx):
                done += 1
        out.append((time.process_time() - started) / votes)
        if backend is not None:
            if _backend_pid() != pid:
                raise SystemExit("the PostgreSQL connection changed during a block")
            backend.append((_backend_cpu(pid) - backend_started) / votes)
    return out


def _run_side(side: str, folder: str, votes: int, blocks: int, htmx: bool, profile: str) -> None:
    """In a child process: set up ``side``'s data, warm up, time the blocks, print JSON."""
    data = Path(folder)
    participants = max(40, votes * (blocks + 1) // 20 + 10)
    if side == "reference":
        db = data / "ref.sqlite3"
        os.environ["WTT_REFERENCE_DB"] = str(db)
        import reference_votes

        reference_votes.setup(str(db), participants, 40)
        app, path = reference_votes.application, "/vote/"
        cookies = [f"p={i}" for i in range(participants)]
    else:
        setup = json.loads((data / "setup.json").read_text())
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "walkthetalk.site.settings")
        from walkthetalk.site.wsgi import application as app

        path = f"/conversations/{setup['conversation']}/vote/"
        cookies = [f"wtt_pass={signed}" for signed in setup["passes"]]
    phones = [Phone(app, path, c) for c in cookies]
    _blocks(phones, max(20, votes // 5), 1, htmx)  # warm-up: caches, memo shapes, connections
    if side == "product":
        # As a served worker does after start (gunicorn runs the reference without it):
        # without it, collections of the startup objects fall into the timed blocks.
        from walkthetalk.site.serving import settle_the_heap

        settle_the_heap()
    backend: list[float] | None = [] if side == "product" and _backend_pid() else None
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
    times = _blocks(phones, votes, blocks, htmx, backend)
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(profile)
    print(json.dumps({"cpu": times, "backend": backend}))


def _admin(url: str) -> tuple[str, str]:
    """The server's ``postgres`` database (to create and drop others) and ``url``'s name."""
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path="/postgres")), parts.path.lstrip("/")


def _fresh_database(url: str, run: int) -> str:
    """A new empty database on ``url``'s server, named after ``url``'s, for one run."""
    import psycopg

    admin, base = _admin(url)
    name = f"{base or 'wtt_vote_cpu'}_{os.getpid()}_{run}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return urllib.parse.urlunsplit(urllib.parse.urlsplit(url)._replace(path=f"/{name}"))


def _drop_database(url: str) -> None:
    import psycopg

    admin, name = _admin(url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _run(side: str, args: argparse.Namespace, run: int) -> dict[str, Any]:
    """One run of ``side`` in a child process on fresh data: its ``{"cpu", "backend"}``."""
    participants = max(40, args.votes * (args.blocks + 1) // 20 + 10)
    with tempfile.TemporaryDirectory(prefix="wtt-vote-cpu-") as folder:
        env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
        url = None
        if side == "product" and args.database_url:
            url = _fresh_database(args.database_url, run)
        try:
            if side == "product":
                env, _ = h.product_prepare(Path(folder), url, participants, 40)
                env = {**env, "WALKTHETALK_DATA": folder}
            argv = [sys.executable, __file__, "--side", side, "--folder", folder]
            argv += ["--votes", str(args.votes), "--blocks", str(args.blocks)]
            argv += ["--htmx"] if args.htmx else []
            if args.profile and side == "product":
                argv += ["--profile", args.profile]
            out = subprocess.run(argv, env=env, capture_output=True, text=True, cwd=h.ROOT)
        finally:
            if url:
                _drop_database(url)
    if out.returncode != 0:
        raise SystemExit(f"{side} failed:\n{out.stderr[-3000:]}")
    answer: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return answer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--htmx", action="store_true", help="one POST per vote, as with htmx")
    parser.add_argument("--votes", type=int, default=300, help="votes per timed block")
    parser.add_argument("--blocks", type=int, default=5, help="timed blocks per run")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each, alternated")
    parser.add_argument("--profile", default="", help="write the product's cProfile here")
    parser.add_argument("--only", choices=("reference", "product"), default=None)
    parser.add_argument(
        "--database-url", help="the product on this PostgreSQL server (a fresh database per run)"
    )
    parser.add_argument("--side", help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.side:
        _run_side(args.side, args.folder, args.votes, args.blocks, args.htmx, args.profile)
        return 0
    print(f"load at start: {os.getloadavg()[0]:.2f}  (htmx: {args.htmx})", flush=True)
    results: dict[str, list[float]] = {"reference": [], "product": []}
    backends: list[float] = []
    sides = [args.only] if args.only else ["reference", "product"]
    for round_number in range(args.rounds):
        for side in sides:
            answer = _run(side, args, round_number)
            results[side] += answer["cpu"]
            median = statistics.median(answer["cpu"]) * 1000
            line = f"round {round_number + 1} {side:9s}: {median:.3f} ms CPU/vote"
            if answer["backend"] is not None:
                backends += answer["backend"]
                line += f", PostgreSQL {statistics.median(answer['backend']) * 1000:.3f}"
            print(f"{line}  (load {os.getloadavg()[0]:.2f})", flush=True)
    for side in sides:
        print(f"{side:9s}: median {statistics.median(results[side]) * 1000:.3f} ms CPU per vote")
    if backends:
        median = statistics.median(backends) * 1000
        print(f"PostgreSQL backend: median {median:.3f} ms CPU per vote")
    if len(sides) == 2:
        ratio = statistics.median(results["reference"]) / statistics.median(results["product"])
        print(f"ratio (reference CPU / product CPU): {ratio:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
