"""Builders for conversation tests: conversations, participants and their votes, test clients,
and a small Pol.is export."""

from __future__ import annotations

import random
import re
import secrets
import sqlite3
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpResponse
from django.test import Client

from walkthetalk.caremap import services as caremap_services
from walkthetalk.caremap.models import CareSystem
from walkthetalk.caremap.participant_http import give_pass
from walkthetalk.caremap.passes import PASS_COOKIE, ParticipantPass
from walkthetalk.conversations import plain_sql, services, tasks, vote_queries
from walkthetalk.conversations.models import Conversation, Vote

SEEDS = [
    "Paperwork takes time away from the people we serve.",
    "Our funders listen when we say what is not working.",
    "Direct care staff should help design programs.",
    "Burnout is treated as a personal problem, not a system one.",
    "People in recovery should be at every decision table.",
    "We rarely talk openly about mistakes.",
    "Everyone here wants the people we serve to thrive.",
    "Supervisors have time to support their teams.",
]

CONSENSUS = {SEEDS[4], SEEDS[6]}
"""Seed statements everyone agrees with in :func:`populate`."""


TOPIC_THEMES = {
    "paperwork": [
        "Paperwork and billing forms take hours away from clients.",
        "Billing rules change every month and the forms pile up.",
        "We spend more time on paperwork forms than on care.",
        "Insurance billing paperwork delays every new admission.",
        "Duplicate forms for billing waste our paperwork time.",
        "The paperwork for billing audits is never finished.",
    ],
    "housing": [
        "People leave treatment with no housing and lose their rent.",
        "Housing waitlists are years long for people in recovery.",
        "Without stable housing the rent eats every paycheck.",
        "Shelter beds are full and housing vouchers run out.",
        "Recovery housing closes when rent goes up.",
        "Affordable housing and rent help would keep people well.",
    ],
    "burnout": [
        "Staff burnout drives turnover on every team.",
        "Supervisors ignore burnout until staff quit.",
        "Turnover means new staff train new staff.",
        "Burnout is treated as a personal failing of staff.",
        "High turnover breaks trust between staff and clients.",
        "Staff need time off to recover from burnout.",
    ],
}
"""Statements about three themes, for topic tests (each theme's words recur in its texts)."""


def conversation(system: CareSystem, **kwargs: object) -> Conversation:
    kwargs.setdefault("seed_statements", SEEDS)
    return services.create_conversation(system, "Talking about the hard things", **kwargs)  # type: ignore[arg-type]


def joined(conv: Conversation, sector_slug: str | None = "treatment") -> ParticipantPass:
    system = conv.care_system
    sector = system.sectors.get(slug=sector_slug) if sector_slug else None
    participant_pass = caremap_services.open_pass(system, sector)
    services.accept_agreements(conv, participant_pass)
    return participant_pass


def key() -> str:
    return secrets.token_urlsafe(16)


def participant_client(conv: Conversation) -> Client:
    client = Client()
    response = client.post(
        f"/conversations/{conv.public_id}/join/",
        {"sector": conv.care_system.sectors.get(slug="treatment").pk},
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"/conversations/{conv.public_id}/agreements/")
    return client


def accepted_client(conv: Conversation) -> Client:
    client = participant_client(conv)
    response = client.post(f"/conversations/{conv.public_id}/agreements/", {"accept": "yes"})
    assert response.status_code == 302
    return client


def vote_form(client: Client, conv: Conversation) -> dict[str, str]:
    page = client.get(f"/conversations/{conv.public_id}/vote/").content.decode()
    statement = re.search(r'name="statement" value="([^"]+)"', page)
    request_key = re.search(r'name="key" value="([^"]+)"', page)
    assert statement and request_key, page
    return {"statement": statement.group(1), "key": request_key.group(1)}


def facilitator_client(conv: Conversation, role: str = "facilitator") -> Client:
    user = get_user_model().objects.create_user(f"{role}-user", password="a-long-staff-password")
    caremap_services.grant_role(user, conv.care_system, role)
    client = Client()
    client.force_login(user)
    return client


def with_results(conv: Conversation) -> None:
    for i in range(12):
        participant_pass = joined(conv, "treatment" if i % 2 else "prevention")
        for j, statement in enumerate(conv.statements.order_by("pk")):
            choice = "agree" if (i + j) % 2 or j == 0 else "disagree"
            services.cast_vote(
                conv,
                participant_pass,
                statement.public_id,
                choice,
                f"k{i:03d}-{j:03d}-xxxxxxxxxxxx",
            )
    tasks.refresh(conv.pk)


def populate(conv: Conversation, sectors: dict[str, int], seed: int = 1) -> None:
    """Two opinion camps; everyone agrees with the consensus statements."""
    rng = random.Random(seed)
    statements = list(conv.statements.order_by("pk"))
    i = 0
    for slug, n in sectors.items():
        for _ in range(n):
            side = 1 if i % 2 else -1
            i += 1
            participant_pass = joined(conv, slug)
            for j, statement in enumerate(statements):
                if statement.text in CONSENSUS:
                    choice = "agree"
                else:
                    lean = side if j % 2 else -side
                    choice = "agree" if (lean > 0) != (rng.random() < 0.1) else "disagree"
                services.cast_vote(conv, participant_pass, statement.public_id, choice, key())


def camp_voter(conv: Conversation, side: int, n_votes: int | None = None) -> Client:
    """A client whose pass has voted like one camp of :func:`populate` (``side`` 1 or -1),
    on the first ``n_votes`` statements (all if ``None``), without noise."""
    participant_pass = joined(conv, "treatment")
    for j, statement in enumerate(list(conv.statements.order_by("pk"))[:n_votes]):
        if statement.text in CONSENSUS:
            choice = "agree"
        else:
            lean = side if j % 2 else -side
            choice = "agree" if lean > 0 else "disagree"
        services.cast_vote(conv, participant_pass, statement.public_id, choice, key())
    client = Client()
    client.cookies[PASS_COOKIE] = (
        give_pass(HttpResponse(), participant_pass).cookies[PASS_COOKIE].value
    )
    return client


def write_export(folder: Path, voters: int = 20, statements: int = 6) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    comments = ["comment-id,moderated,comment-body"]
    for c in range(statements):
        moderated = -1 if c == statements - 1 else 1
        comments.append(f'{c},{moderated},"Imported statement number {c}, said plainly"')
    (folder / "comments.csv").write_text("\n".join(comments) + "\n")
    rng = random.Random(5)
    rows = ["timestamp,datetime,comment-id,voter-id,vote,sector"]
    t = 1000
    for v in range(voters):
        sector = "treatment" if v % 2 else "Prevention"
        for c in range(statements):
            t += 1
            vote = 1 if (v + c) % 2 else -1
            if rng.random() < 0.1:
                vote = 0
            rows.append(f"{t},,{c},{v},{vote},{sector}")
    # A re-vote: the latest wins.
    rows.append(f"{t + 1},,0,0,1,Prevention")
    (folder / "votes.csv").write_text("\n".join(rows) + "\n")
    return folder


def vote_form_or_any(conv: Conversation) -> dict[str, str]:
    return {"statement": conv.statements.last().public_id}


class LockedOnVote:
    """A DB-API SQLite connection, except that inserting a vote on a cursor of its own (as
    ``vote_queries`` runs it; Django's cursors are untouched) finds the database locked."""

    def __init__(self, raw: Any, message: str = "database is locked") -> None:
        self._raw, self._message = raw, message

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)

    def cursor(self, *args: Any, **kwargs: Any) -> Any:
        cursor = self._raw.cursor(*args, **kwargs)
        if args or kwargs:
            return cursor  # Django's own cursors: untouched
        return _LockedCursor(cursor, self._message)


class _LockedCursor:
    def __init__(
        self, cursor: Any, message: str, error: type[Exception] = sqlite3.OperationalError
    ) -> None:
        self._cursor, self._message, self._error = cursor, message, error

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)

    def refuse(self, sql: str) -> None:
        if (sql.startswith("INSERT INTO") and Vote._meta.db_table in sql) or sql.startswith(
            f"CALL {vote_queries.RECORD_VOTE_PROCEDURE}("
        ):
            raise self._error(self._message)

    def execute(self, sql: str, params: Any = ()) -> Any:
        self.refuse(sql)
        return self._cursor.execute(sql, params)


def lock_votes(patch: Any, message: str = "database is locked") -> None:
    """With ``patch`` (a monkeypatch): inserting a vote as ``plain_sql.run`` runs it (the upsert,
    or PostgreSQL's ``CALL`` of the vote procedure) finds the database locked — SQLite's DB-API
    cursor (:class:`LockedOnVote`), PostgreSQL's kept cursor or its libpq calls raising the
    driver's OperationalError; Django's cursors are untouched."""
    db = connections[DEFAULT_DB_ALIAS]
    if db.vendor == "sqlite":
        patch.setattr(db, "connection", LockedOnVote(db.connection, message))
    elif db.vendor == "postgresql":
        kept = plain_sql._postgresql_cursor
        patch.setattr(
            plain_sql,
            "_postgresql_cursor",
            lambda raw: _LockedCursor(kept(raw), message, db.Database.OperationalError),
        )
        run = plain_sql._libpq_run

        def locked_run(raw: Any, sql_of: Any, params: Any) -> Any:
            _LockedCursor(None, message, db.Database.OperationalError).refuse(sql_of(db.vendor))
            return run(raw, sql_of, params)

        patch.setattr(plain_sql, "_libpq_run", locked_run)
