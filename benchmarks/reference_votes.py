"""The reference for `load_votes.py`: a minimal Django + SQLite vote endpoint with raw SQL.

One module is the whole app (settings, one view, WSGI application), served by the server inside
the product's ``walkthetalk serve`` (gunicorn, same worker count) and driven by the same client:

    WTT_REFERENCE_DB=/tmp/x/ref.sqlite3 gunicorn --workers 2 reference_votes:application

``GET /vote/`` answers a form with one statement the participant (cookie ``p``) has not voted
on yet, drawn at random, and a random request key; ``POST /vote/`` stores the vote (one
``INSERT … ON CONFLICT DO NOTHING``, so a retried request changes nothing) and redirects back
(or, with ``HX-Request``, answers the next form at once). No middleware, no templates, no ORM:
the least Django a vote can cost. The database runs in WAL mode with ``synchronous=FULL``,
like the product's SQLite settings, so both pay the same price for durable commits, and each
worker keeps its connection open, as the product's do.

With ``WTT_REFERENCE_CLOSE=at-once`` (``load_votes.py --reference-close at-once``) each worker
closes a connection as the product's workers do (at once when nothing is left unread,
``walkthetalk.site.serving.close_at_once_when_all_is_read``) instead of gunicorn's way, which
waits for the client to close its side: the same server, told apart from the endpoint.

``python reference_votes.py setup DB PARTICIPANTS STATEMENTS`` makes the database;
``python reference_votes.py check DB ACKED.json`` compares it with the acknowledged votes.
"""

from __future__ import annotations

import html
import json
import os
import secrets
import sqlite3
import sys

PRAGMAS = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
SCHEMA = """
CREATE TABLE statement (id INTEGER PRIMARY KEY, text TEXT NOT NULL);
CREATE TABLE vote (
    participant INTEGER NOT NULL,
    statement INTEGER NOT NULL REFERENCES statement (id),
    value INTEGER NOT NULL CHECK (value IN (-1, 0, 1)),
    request_key TEXT NOT NULL,
    PRIMARY KEY (participant, statement)
);
"""
VALUES = {"agree": 1, "disagree": -1, "pass": 0}


def _configure() -> None:
    from django.conf import settings

    if settings.configured:
        return
    settings.configure(
        DEBUG=False,
        SECRET_KEY=secrets.token_urlsafe(32),
        ALLOWED_HOSTS=["127.0.0.1", "localhost"],
        ROOT_URLCONF=__name__,
        MIDDLEWARE=[],
        INSTALLED_APPS=[],
        DATABASES={
            "default": {
                "ENGINE": "django.db.backends.sqlite3",
                "NAME": os.environ.get("WTT_REFERENCE_DB", "reference.sqlite3"),
                "OPTIONS": {"init_command": PRAGMAS, "timeout": 20},
                # Kept open per worker, as the product keeps its own (like for like).
                "CONN_MAX_AGE": None,
            }
        },
        USE_TZ=True,
    )


_configure()

from django.db import connection  # noqa: E402
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect  # noqa: E402
from django.urls import path  # noqa: E402


def _form(participant: int) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, text FROM statement WHERE id NOT IN "
            "(SELECT statement FROM vote WHERE participant = %s) ORDER BY random() LIMIT 1",
            [participant],
        )
        row = cursor.fetchone()
    if row is None:
        return HttpResponse("<p>You have voted on every statement.</p>")
    return HttpResponse(
        "<!doctype html><title>Vote</title>"
        f"<blockquote>{html.escape(row[1])}</blockquote>"
        '<form method="post" action="/vote/">'
        f'<input type="hidden" name="statement" value="{row[0]}">'
        f'<input type="hidden" name="key" value="{secrets.token_urlsafe(16)}">'
        '<button name="choice" value="agree">Agree</button>'
        '<button name="choice" value="disagree">Disagree</button>'
        '<button name="choice" value="pass">Pass</button></form>'
    )


def vote(request: HttpRequest) -> HttpResponse:
    try:
        participant = int(request.COOKIES.get("p", ""))
    except ValueError:
        return HttpResponse("no participant", status=403)
    if request.method == "POST":
        try:
            statement = int(request.POST.get("statement", ""))
            value = VALUES[request.POST.get("choice", "")]
        except (KeyError, ValueError):
            return HttpResponse("bad vote", status=400)
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO vote (participant, statement, value, request_key) "
                "VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING",
                [participant, statement, value, request.POST.get("key", "")[:64]],
            )
        if request.headers.get("HX-Request"):
            return _form(participant)
        return HttpResponseRedirect("/vote/")
    return _form(participant)


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


urlpatterns = [path("vote/", vote), path("healthz", healthz)]

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()

if os.environ.get("WTT_REFERENCE_CLOSE") == "at-once":
    from walkthetalk.site.serving import close_at_once_when_all_is_read

    close_at_once_when_all_is_read()  # gunicorn loads this module in each worker


# --- set-up and check (run as a script) -------------------------------------------------


def setup(db: str, participants: int, statements: int) -> None:
    con = sqlite3.connect(db)
    con.executescript(PRAGMAS + SCHEMA)
    con.executemany(
        "INSERT INTO statement (text) VALUES (?)",
        [(f"Load test statement number {i}, one idea.",) for i in range(statements)],
    )
    con.commit()
    con.close()
    print(json.dumps({"passes": [str(i) for i in range(participants)]}))


def check(db: str, acked_file: str) -> None:
    with open(acked_file) as fh:
        acked = json.load(fh)
    con = sqlite3.connect(db)
    stored = {
        (str(p), str(s)): v
        for p, s, v in con.execute("SELECT participant, statement, value FROM vote").fetchall()
    }
    duplicates = con.execute(
        "SELECT COUNT(*) FROM (SELECT 1 FROM vote GROUP BY participant, statement "
        "HAVING COUNT(*) > 1)"
    ).fetchone()[0]
    con.close()
    lost = sum(1 for p, s, choice in acked if stored.get((p, s)) != VALUES[choice])
    print(json.dumps({"stored": len(stored), "lost": lost, "duplicates": duplicates}))


if __name__ == "__main__":
    if sys.argv[1] == "setup":
        setup(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    elif sys.argv[1] == "check":
        check(sys.argv[2], sys.argv[3])
