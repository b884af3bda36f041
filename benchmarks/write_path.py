"""Server CPU of one written statement, in-process, against a conversation of N statements.

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/write_path.py \
        [--statements 300,3000] [--writes 200] [--profile] [--data DIR] [--database-url URL]

For each size: a fresh SQLite database in a throwaway folder under ``--data`` (production
settings, as ``walkthetalk serve`` runs), or with ``--database-url postgres://...`` (a user
with CREATEDB) a fresh PostgreSQL database on that server, dropped afterwards; one conversation
with that many published statements, and participants who accepted its agreements. Then
``--writes`` statements are written the way a phone with JavaScript writes one, through the
site's WSGI application itself (the same middleware chains as under gunicorn): GET the write
page, POST ``write/similar/`` once (the page asks once the person stops typing), POST the write
("add mine anyway" when similar ones were shown). Half of the texts reword a published
statement. Printed: CPU (``time.process_time``) and wall per statement, median over blocks of
20 writes, split by request; with ``--profile``, the 25 functions with the most cumulative
time.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import re
import secrets
import shutil
import statistics
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SIMILAR_SHOWN = re.compile(r'class="similar-list"')
TOPICS = (
    "paid time to reflect",
    "peer mentors",
    "clear referral paths",
    "a crisis line",
    "transport money",
    "a common intake form",
    "longer contracts",
    "shared training",
    "night cover",
    "supervision that listens",
)
WHO = (
    "night shift staff",
    "rural clinics",
    "family members",
    "new supervisors",
    "youth programs",
    "recovery coaches",
    "county boards",
    "outreach teams",
)
SHAPES = (
    "{who} need {what} before anything else changes",
    "Without {what}, {who} burn out within a year",
    "We could give {who} {what} at almost no cost",
    "Ask {who} first, then decide about {what}",
)


def statement_text(i: int) -> str:
    what, who = TOPICS[i % len(TOPICS)], WHO[(i // len(TOPICS)) % len(WHO)]
    shape = SHAPES[(i // (len(TOPICS) * len(WHO))) % len(SHAPES)]
    return shape.format(who=who, what=what).capitalize() + f" (point {i})."


def written_text(n: int, size: int) -> str:
    if n % 2 == 0:  # a close rewording of a published statement
        return statement_text((7 * n) % size).replace("(point", "(again, point")
    return f"Something nobody said yet, number {n}: {TOPICS[n % len(TOPICS)]} for everyone."


def _setup(size: int, participants: int) -> tuple[str, list[str]]:
    from walkthetalk.caremap import services as caremap_services
    from walkthetalk.conversations import services
    from walkthetalk.conversations.models import Statement

    system = caremap_services.create_care_system("Write path", f"write{size}")
    sectors = list(system.sectors.all())
    conv = services.create_conversation(
        system, "Write path", seed_statements=[statement_text(i) for i in range(20)]
    )
    # The rest as if written and published over the conversation's life (one insert).
    Statement.objects.bulk_create(
        Statement(conversation=conv, text=statement_text(i), created_on=conv.created_on)
        for i in range(20, size)
    )
    passes = []
    for i in range(participants):
        participant_pass = caremap_services.open_pass(system, sectors[i % len(sectors)])
        services.accept_agreements(conv, participant_pass)
        passes.append(participant_pass.sign())
    return conv.public_id, passes


def _call(app, method: str, path: str, cookie: str, body: str = "", htmx: bool = False):  # type: ignore[no-untyped-def]
    data = body.encode()
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "HTTP_HOST": "127.0.0.1",
        "REMOTE_ADDR": "127.0.0.1",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_COOKIE": cookie,
        "wsgi.input": io.BytesIO(data),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
    }
    if method == "POST":
        environ["CONTENT_TYPE"] = "application/x-www-form-urlencoded"
        environ["CONTENT_LENGTH"] = str(len(data))
    if htmx:
        environ["HTTP_HX_REQUEST"] = "true"
    status: list[str] = []
    headers: list[tuple[str, str]] = []

    def start_response(s, h, exc_info=None):  # type: ignore[no-untyped-def]
        status.append(s)
        headers.extend(h)

    chunks = app(environ, start_response)
    text = b"".join(chunks).decode()
    if hasattr(chunks, "close"):
        chunks.close()
    return int(status[0].split()[0]), headers, text


def _write(app, base: str, cookie: str, text: str, clock: dict[str, float]) -> tuple[int, bool]:  # type: ignore[no-untyped-def]
    """One statement: page, one similar check, the write. Adds CPU seconds per step to clock."""
    t = time.process_time()
    status, headers, page = _call(app, "GET", f"{base}write/", cookie)
    clock["page"] += time.process_time() - t
    token = CSRF.search(page)
    csrf = next(
        (
            v.strip().split(";")[0].split("=", 1)[1]
            for k, v in headers
            if k == "Set-Cookie" and v.strip().startswith("csrftoken=")
        ),
        None,
    )
    if status != 200 or token is None or csrf is None:
        raise SystemExit(f"write page: HTTP {status} {headers} {token}")
    cookie = f"{cookie}; csrftoken={csrf}"
    form = {"csrfmiddlewaretoken": token.group(1), "text": text}
    t = time.process_time()
    status, _, shown = _call(
        app, "POST", f"{base}write/similar/", cookie, urllib.parse.urlencode(form), True
    )
    clock["similar"] += time.process_time() - t
    if status != 200:
        raise SystemExit(f"similar: HTTP {status}")
    similar = bool(SIMILAR_SHOWN.search(shown))
    if similar:
        form["anyway"] = "1"
    t = time.process_time()
    status, _, _ = _call(app, "POST", f"{base}write/", cookie, urllib.parse.urlencode(form))
    clock["write"] += time.process_time() - t
    return status, similar


def _measure(size: int, writes: int, profile: bool) -> None:
    from walkthetalk.site.wsgi import application as app

    public_id, passes = _setup(size, participants=max(writes // 5, 1))
    base = f"/conversations/{public_id}/"
    # Warm: the first check fits this process's index (once per process and conversation).
    t = time.process_time()
    _write(
        app,
        base,
        f"wtt_pass={passes[0]}",
        written_text(1, size),
        {"page": 0, "similar": 0, "write": 0},
    )
    first = time.process_time() - t
    clock = {"page": 0.0, "similar": 0.0, "write": 0.0}
    blocks: list[float] = []
    walls: list[float] = []
    stored = shown = 0
    profiler = cProfile.Profile() if profile else None
    n = 2
    while n < writes + 2:
        cpu0, wall0 = time.process_time(), time.perf_counter()
        if profiler:
            profiler.enable()
        for _ in range(20):
            # At most 5 statements per participant (the product's limit is higher; spread them).
            status, similar = _write(
                app,
                base,
                f"wtt_pass={passes[(n // 5) % len(passes)]}",
                written_text(n, size),
                clock,
            )
            stored += status == 302
            shown += similar
            n += 1
        if profiler:
            profiler.disable()
        blocks.append((time.process_time() - cpu0) / 20)
        walls.append((time.perf_counter() - wall0) / 20)
    done = n - 2
    print(
        f"{size} published statements: {done} writes, {stored} stored, {shown} shown similar "
        f"ones first; first write of the process {1000 * first:.0f} ms CPU"
    )
    print(
        f"  per statement: {1000 * statistics.median(blocks):.1f} ms CPU (median of "
        f"{len(blocks)} blocks of 20; {1000 * statistics.median(walls):.1f} ms wall) = page "
        f"{1000 * clock['page'] / done:.1f} + similar {1000 * clock['similar'] / done:.1f} + "
        f"write {1000 * clock['write'] / done:.1f} ms CPU (means)"
    )
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(60)
        print(out.getvalue())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--statements", default="300,3000", help="sizes, comma-separated")
    parser.add_argument("--writes", type=int, default=200)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()))
    parser.add_argument("--database-url", help="a PostgreSQL server to use (needs CREATEDB)")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.statements.split(",") if s.strip()]
    if not sizes or not all(20 <= s <= 20_000 for s in sizes) or not 20 <= args.writes <= 5000:
        parser.error("keep each size within 20..20000 and --writes within 20..5000")
    for size in sizes:
        top = Path(tempfile.mkdtemp(prefix="wtt-write-path-", dir=args.data))
        database_url = _create_database(args.database_url) if args.database_url else None
        try:
            env = {
                "WALKTHETALK_DATA": str(top),
                "WALKTHETALK_ENV": "production",
                "WALKTHETALK_SECRET_KEY": secrets.token_urlsafe(40),
                "WALKTHETALK_ALLOWED_HOSTS": "127.0.0.1",
                "WALKTHETALK_SSL_REDIRECT": "0",
                "DJANGO_SETTINGS_MODULE": "walkthetalk.site.settings",
            }
            # One child per size: settings are read once per process.
            child = os.fork()
            if child == 0:
                os.environ.update(env)
                os.environ.pop("DATABASE_URL", None)
                if database_url:
                    os.environ["DATABASE_URL"] = database_url
                import django
                from django.core.management import call_command

                django.setup()
                call_command("migrate", verbosity=0)
                _measure(size, args.writes, args.profile)
                sys.stdout.flush()
                os._exit(0)
            _, code = os.waitpid(child, 0)
            if code:
                return 1
        finally:
            shutil.rmtree(top, ignore_errors=True)
            if database_url:
                _drop_database(args.database_url, database_url)
    return 0


def _server(url: str) -> str:
    return urllib.parse.urlsplit(url)._replace(path="/postgres").geturl()


def _create_database(url: str) -> str:
    """A new, empty database on the server of ``url``; its URL."""
    import psycopg

    name = f"wtt_write_path_{secrets.token_hex(4)}"
    with psycopg.connect(_server(url), autocommit=True) as db:
        db.execute(f"CREATE DATABASE {name}")
    return urllib.parse.urlsplit(url)._replace(path=f"/{name}").geturl()


def _drop_database(url: str, made: str) -> None:
    import psycopg

    name = urllib.parse.urlsplit(made).path.lstrip("/")
    with psycopg.connect(_server(url), autocommit=True) as db:
        db.execute(f"DROP DATABASE IF EXISTS {name}")


if __name__ == "__main__":
    raise SystemExit(main())
