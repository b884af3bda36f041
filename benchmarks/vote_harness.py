"""Shared pieces of `load_votes.py` and `faults.py`: servers, PostgreSQL, phone-like clients,
CPU accounting and the "was every acknowledged vote stored exactly once" check.

Loopback only. Everything a run writes lives in a throwaway folder under ``--data``.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HOST = "127.0.0.1"  # loopback only, never anything else
BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
CLI = [sys.executable, "-c", "from walkthetalk.site.cli import main; raise SystemExit(main())"]
PGBIN = Path("/usr/lib/postgresql/15/bin")
CLK_TCK = os.sysconf("SC_CLK_TCK")


# --- inside Django (run in a child process with the run's environment) ------------------


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "walkthetalk.site.settings")
    import django

    django.setup()


def product_setup(participants: int, statements: int, out: str) -> None:
    """A care system, one conversation, and participants who have accepted its agreements."""
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
    passes = []
    for i in range(participants):
        participant_pass = caremap_services.open_pass(system, sectors[i % len(sectors)])
        services.accept_agreements(conv, participant_pass)
        passes.append(participant_pass.sign())
    Path(out).write_text(json.dumps({"conversation": conv.public_id, "passes": passes}))


def product_check(setup_file: str, acked_file: str) -> None:
    """Every acknowledged vote stored with its value; no (participant, statement) twice; the
    worker's tallies add up to the stored rows."""
    _django()
    from django.db.models import Count

    from walkthetalk.caremap.passes import ParticipantPass
    from walkthetalk.conversations import services
    from walkthetalk.conversations.keys import participant_key
    from walkthetalk.conversations.models import Conversation, Statement, Vote

    setup = json.loads(Path(setup_file).read_text())
    acked = json.loads(Path(acked_file).read_text())
    conv = Conversation.objects.get(public_id=setup["conversation"])
    row_of = dict(conv.participants.values_list("key", "pk"))
    key_of_pass = {}
    for i, signed in enumerate(setup["passes"]):
        participant_pass = ParticipantPass.from_signed(signed)
        assert participant_pass is not None
        key_of_pass[str(i)] = row_of[participant_key(conv.pk, participant_pass)]
    stored = {
        (p, s): v
        for p, s, v in Vote.objects.filter(conversation=conv).values_list(
            "participant_id", "statement__public_id", "value"
        )
    }
    values = {"agree": 1, "disagree": -1, "pass": 0}
    lost = sum(1 for p, s, c in acked if stored.get((key_of_pass[p], s)) != values[c])
    duplicates = (
        Vote.objects.filter(conversation=conv)
        .values("participant", "statement")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )
    services.store_tallies(conv.pk)
    tallied = sum(s.n_votes for s in Statement.objects.filter(conversation=conv))
    print(
        json.dumps(
            {"stored": len(stored), "lost": lost, "duplicates": duplicates, "tallied": tallied}
        )
    )


# --- processes ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def wait_for(port: int, seconds: float = 60) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"the server on port {port} did not start")


def _stat(pid: int) -> tuple[int, int]:
    """(own CPU ticks, CPU ticks of reaped children) of one process."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12]), int(fields[13]) + int(fields[14])


def _children(pid: int) -> list[int]:
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return out


def tree_cpu(pid: int) -> float:
    """CPU seconds used so far by a process, its live descendants and its reaped children."""
    total = 0
    stack = [pid]
    first = True
    while stack:
        p = stack.pop()
        try:
            own, reaped = _stat(p)
        except OSError:
            continue
        total += own + (reaped if first else 0)
        first = False
        stack += _children(p)
    return total / CLK_TCK


@dataclass
class Server:
    """A server (the product's ``walkthetalk serve``, or gunicorn for the reference) in its own
    process group, so it can be killed whole."""

    argv: list[str]
    env: dict[str, str]
    port: int
    log: Path
    proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                self.argv,
                env=self.env,
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=log,
                start_new_session=True,
            )
        wait_for(self.port)

    def cpu(self) -> float:
        return tree_cpu(self.proc.pid) if self.proc else 0.0

    def kill(self) -> None:
        """SIGKILL the master and every worker at once (a crash, not a shutdown)."""
        if self.proc is not None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(timeout=30)
            self.proc = None

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
            self.proc = None


def gunicorn(app: str, port: int, workers: int, extra_path: Path | None = None) -> list[str]:
    argv = [sys.executable, "-m", "gunicorn", "--workers", str(workers)]
    argv += ["--bind", f"{HOST}:{port}", "--log-level", "warning", "--no-control-socket"]
    if extra_path is not None:
        argv += ["--pythonpath", str(extra_path)]
    return [*argv, app]


def product_env(data: Path, database_url: str | None) -> dict[str, str]:
    env = {
        **os.environ,
        "WALKTHETALK_DATA": str(data),
        "WALKTHETALK_ENV": "production",
        "WALKTHETALK_SECRET_KEY": secrets.token_urlsafe(40),
        "WALKTHETALK_ALLOWED_HOSTS": f"{HOST},localhost",
        "WALKTHETALK_SSL_REDIRECT": "0",  # plain HTTP on loopback; TLS is the proxy's job
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
    }
    env.pop("WALKTHETALK_DEBUG", None)
    env.pop("DATABASE_URL", None)
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def run_child(argv: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv[:4])}… failed:\n{done.stderr[-3000:]}")
    return done.stdout


def product_prepare(
    data: Path, database_url: str | None, participants: int, statements: int
) -> tuple[dict[str, str], dict[str, object]]:
    env = product_env(data, database_url)
    run_child([*CLI, "migrate", "-v", "0"], env)
    setup_file = data / "setup.json"
    run_child(
        [
            sys.executable,
            str(BENCH / "vote_harness.py"),
            "_setup",
            str(participants),
            str(statements),
            str(setup_file),
        ],
        env,
    )
    return env, json.loads(setup_file.read_text())


def serve(port: int, workers: int) -> list[str]:
    """The product's server as people run it: ``walkthetalk serve`` (gunicorn, sync workers)."""
    return [*CLI, "serve", "--host", HOST, "--port", str(port), "--workers", str(workers)]


def product_server(
    data: Path, database_url: str | None, participants: int, statements: int, workers: int
) -> tuple[dict[str, str], Server, Target]:
    """Fresh data in ``data`` (and ``database_url``), the product's server over it (not yet
    started) and where its phones vote: what ``load_votes.py`` and ``faults.py`` both start."""
    env, setup = product_prepare(data, database_url, participants, statements)
    port = free_port()
    server = Server(serve(port, workers), env, port, data / "server.log")
    cookies = [(str(i), f"wtt_pass={signed}") for i, signed in enumerate(setup["passes"])]
    target = Target(port, f"/conversations/{setup['conversation']}/vote/", cookies)
    return env, server, target


def product_verify(data: Path, env: dict[str, str], acked: list[tuple[str, str, str]]) -> dict:
    acked_file = data / "acked.json"
    acked_file.write_text(json.dumps(acked))
    out = run_child(
        [
            sys.executable,
            str(BENCH / "vote_harness.py"),
            "_check",
            str(data / "setup.json"),
            str(acked_file),
        ],
        env,
    )
    return json.loads(out.strip().splitlines()[-1])


# --- PostgreSQL 15 on loopback -----------------------------------------------------------


class Postgres:
    """A throwaway PostgreSQL 15 cluster on 127.0.0.1 (or a given server via DATABASE_URL)."""

    def __init__(self, parent: Path, port: int | None, url: str | None) -> None:
        self.url = url
        self.port = port or free_port()
        self.dir: Path | None = None
        self._n = 0
        if url:
            return
        if not (PGBIN / "initdb").exists():
            raise SystemExit("PostgreSQL 15 is not installed; pass --database-url instead")
        self.dir = Path(tempfile.mkdtemp(prefix="wtt-pg-", dir=parent))
        self.dir.chmod(0o755)
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
        self._pg(f"{PGBIN}/initdb -D {self.dir}/data -U postgres --auth=trust -E UTF8")
        self._pg(
            f"{PGBIN}/pg_ctl -D {self.dir}/data -w -l {self.dir}/log start -o "
            f"'-p {self.port} -k {self.dir} -c listen_addresses={HOST} -c max_connections=50'"
        )

    def _pg(self, command: str) -> None:
        argv = ["su", "postgres", "-s", "/bin/sh", "-c", command] if os.geteuid() == 0 else None
        subprocess.run(
            argv or ["sh", "-c", command],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def postmaster_pid(self) -> int | None:
        if self.dir is None:
            return None
        pidfile = self.dir / "data" / "postmaster.pid"
        return int(pidfile.read_text().split()[0]) if pidfile.exists() else None

    def cpu(self) -> float:
        pid = self.postmaster_pid()
        return tree_cpu(pid) if pid else 0.0

    def fresh_database(self) -> str:
        """A new empty database for one run (dropped with the cluster)."""
        import psycopg

        self._n += 1
        if self.url:
            base = urllib.parse.urlsplit(self.url)
            admin = self.url
            name = f"{base.path.lstrip('/') or 'walkthetalk'}_load_{os.getpid()}_{self._n}"
        else:
            base = urllib.parse.urlsplit(f"postgres://postgres@{HOST}:{self.port}/postgres")
            admin = base.geturl()
            name = f"wtt_load_{self._n}"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        return urllib.parse.urlunsplit(base._replace(path=f"/{name}"))

    def stop(self) -> None:
        if self.dir is not None:
            try:
                self._pg(f"{PGBIN}/pg_ctl -D {self.dir}/data -m fast stop")
            finally:
                shutil.rmtree(self.dir, ignore_errors=True)
                self.dir = None


# --- the clients -------------------------------------------------------------------------


@dataclass
class Stats:
    lock: threading.Lock = field(default_factory=threading.Lock)
    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    acked: list[tuple[str, str, str]] = field(default_factory=list)
    retried: int = 0  # votes acknowledged only after the same form was sent again

    def ok(self, seconds: float, vote: tuple[str, str, str], attempts: int = 1) -> None:
        with self.lock:
            self.latencies.append(seconds)
            self.acked.append(vote)
            self.retried += attempts > 1

    def error(self, what: str) -> None:
        with self.lock:
            self.errors[what] = self.errors.get(what, 0) + 1


FIELD = {
    name: re.compile(rf'name="{name}" value="([^"]+)"')
    for name in ("csrfmiddlewaretoken", "statement", "key")
}
CHOICES = ("agree", "disagree", "pass")


@dataclass(frozen=True)
class Target:
    """Where and how a client votes: the vote page's path and each participant's cookie."""

    port: int
    path: str
    cookies: list[tuple[str, str]]  # (participant id for the check, cookie header)


def cookie_of(response: http.client.HTTPResponse, name: str) -> str | None:
    for header, value in response.getheaders():
        if header.lower() == "set-cookie" and value.startswith(f"{name}="):
            return value.split(";", 1)[0].split("=", 1)[1]
    return None


def _get_page(
    conn: http.client.HTTPConnection, target: Target, cookie: str, csrf: str, stats: Stats
) -> tuple[str, str] | None:
    """GET the vote page: its body and the CSRF cookie (``None`` when the request failed)."""
    header = cookie + (f"; csrftoken={csrf}" if csrf else "")
    try:
        conn.request("GET", target.path, headers={"Cookie": header})
        response = conn.getresponse()
        body = response.read().decode()
    except (OSError, http.client.HTTPException) as exc:
        stats.error(f"GET {type(exc).__name__}")
        conn.close()
        time.sleep(0.05)
        return None
    return body, cookie_of(response, "csrftoken") or csrf


def _post_vote(
    conn: http.client.HTTPConnection,
    target: Target,
    payload: str,
    headers: dict[str, str],
    vote: tuple[str, str, str],
    stats: Stats,
    htmx: bool,
    retry_until: Callable[[], bool] | None,
) -> str:
    """POST one vote (the same form again while ``retry_until`` says so); returns the next
    form's page with htmx, else ''."""
    attempts = 0
    while True:
        attempts += 1
        started = time.perf_counter()
        try:
            conn.request("POST", target.path, body=payload, headers=headers)
            response = conn.getresponse()
            answer = response.read().decode()
        except (OSError, http.client.HTTPException) as exc:
            stats.error(f"POST {type(exc).__name__}")
            conn.close()
            if retry_until is not None and not retry_until():
                time.sleep(0.05)
                continue  # the same form again: the server must not count it twice
            return ""
        elapsed = time.perf_counter() - started
        if response.status == (200 if htmx else 302):
            stats.ok(elapsed, vote, attempts)
            return answer if htmx else ""
        stats.error(f"HTTP {response.status}")
        if retry_until is not None and response.status >= 500 and not retry_until():
            time.sleep(0.05)
            continue
        return ""


def client(
    target: Target,
    share: list[tuple[str, str]],
    budget: threading.Semaphore,
    deadline: float,
    stats: Stats,
    htmx: bool = False,
    retry_until: Callable[[], bool] | None = None,
) -> None:
    """Vote like a phone: GET the vote page, POST the form; with ``htmx`` the POST's answer is
    the next form, so one request per vote. With ``retry_until`` (the fault script), a POST
    whose answer was lost is sent again with the same form until it is answered."""
    conn = http.client.HTTPConnection(HOST, target.port, timeout=30)
    rng = secrets.SystemRandom()
    for who, cookie in share:
        csrf = ""
        body = ""
        while time.monotonic() < deadline:
            if not body:
                got = _get_page(conn, target, cookie, csrf, stats)
                if got is None:
                    continue
                body, csrf = got
            header = cookie + (f"; csrftoken={csrf}" if csrf else "")
            found = {name: rx.search(body) for name, rx in FIELD.items()}
            if not found["statement"]:
                break  # this participant has voted on everything: next one
            if not budget.acquire(blocking=False):
                return
            form = {name: m.group(1) for name, m in found.items() if m}
            form["choice"] = rng.choice(CHOICES)
            vote = (who, form["statement"], form["choice"])
            headers = {"Cookie": header, "Content-Type": "application/x-www-form-urlencoded"}
            if htmx:
                headers["HX-Request"] = "true"
            payload = urllib.parse.urlencode(form)
            body = _post_vote(conn, target, payload, headers, vote, stats, htmx, retry_until)
        if time.monotonic() >= deadline:
            return


def drive(
    target: Target,
    clients: int,
    votes: int,
    seconds: float,
    htmx: bool = False,
    retry_until: Callable[[], bool] | None = None,
    stats: Stats | None = None,
) -> tuple[Stats, float]:
    """Vote with ``clients`` phone-like threads until ``votes`` are sent or ``seconds`` pass;
    ``stats`` (new if not given) is where they count, so another thread can watch the count."""
    stats = stats if stats is not None else Stats()
    budget = threading.Semaphore(votes)
    shares = [target.cookies[i::clients] for i in range(clients)]
    started = time.monotonic()
    deadline = started + seconds
    threads = [
        threading.Thread(
            target=client,
            args=(target, share, budget, deadline, stats, htmx, retry_until),
            daemon=True,
        )
        for share in shares
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=seconds + 60)
    return stats, time.monotonic() - started


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


if __name__ == "__main__":
    if sys.argv[1] == "_setup":
        product_setup(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
    elif sys.argv[1] == "_check":
        product_check(sys.argv[2], sys.argv[3])
