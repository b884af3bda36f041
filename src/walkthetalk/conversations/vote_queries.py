"""The SQL of the vote round trip, written out once per process.

A vote is the one request participants make by the hundred, so its few statements are plain
SQL (SQLite 3.24+ and PostgreSQL alike) instead of ORM querysets, whose building costs more
than running them: the participant with their conversation and released common ground (one
query), the vote card's rows (one query), the vote itself (one upsert) and the "refresh
pending" flag (one update). On PostgreSQL they are prepared statements, bound on the server
(each is parsed and planned once per connection, not once per vote), run by libpq's own calls
when served (autocommit) and on one cursor kept per connection inside a transaction
(:func:`.plain_sql.run`); the vote page and the htmx vote read the voter and the card's rows in
one statement (:func:`fetch_voter_with_cards`), and a vote outside a transaction is stored and
flagged by one ``CALL`` (:func:`store_vote`).
On SQLite they run on the DB-API cursor itself, with ``?`` placeholders written once per
process (:func:`.plain_sql.run`): Django's cursor wrapper rewrites ``%s`` on every statement and
adds layers that cost more than the statement; its error translation, its broken-transaction check
and its query log are kept. Table and column names come from the models; every value is a
parameter (hence ruff's S608 is off for this module only).
:mod:`~walkthetalk.conversations.selectors` and
:mod:`~walkthetalk.conversations.services` turn the rows into objects.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import functools
import os
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from django.db import OperationalError

from walkthetalk.conversations.models import (
    Conversation,
    ConversationParticipant,
    ConversationResult,
    Statement,
    Vote,
)
from walkthetalk.conversations.plain_sql import (
    columns,
    default_db,
    fetch_all,
    fetch_one,
    row_count,
    run,
    table,
)

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper

# --- the participant, their conversation and its released common ground -----------------

VOTER_CONVERSATION_FIELDS = (
    "id",
    "public_id",
    "care_system",
    "title",
    "question",
    "status",
    "agreements_version",
    "refresh_pending",
)


@functools.cache
def _voter_sql(vendor: str) -> str:
    return _voter_select(vendor, "")


def _voter_select(vendor: str, extra: str, join: str = "") -> str:
    """The voter's statement, with ``extra`` (a column expression beginning with a comma) after
    the voter's columns and ``join`` (a join beginning with a space) after the voter's joins;
    their placeholders before the voter's."""
    p, c, r = (
        columns(ConversationParticipant),
        columns(Conversation),
        columns(ConversationResult),
    )
    common_ground = (
        f"(r.{r['data']} -> 'common_ground')::text"
        if vendor == "postgresql"
        else f"json_extract(r.{r['data']}, '$.common_ground')"
    )
    conversation = ", ".join(f"c.{c[name]}" for name in VOTER_CONVERSATION_FIELDS)
    return (
        f"SELECT p.{p['id']}, p.{p['agreements_version']}, {conversation}, "
        f"r.{r['state']}, {common_ground}{extra} "
        f"FROM {table(ConversationParticipant)} p "
        f"JOIN {table(Conversation)} c ON c.{c['id']} = p.{p['conversation']} "
        f"LEFT JOIN {table(ConversationResult)} r ON r.{r['conversation']} = c.{c['id']}{join} "
        f"WHERE p.{p['conversation']} = %s AND p.{p['key']} = %s "
        f"AND c.{c['public_id']} = %s AND c.{c['care_system']} = %s"
    )


def fetch_voter(
    conversation_pk: int,
    public_id: str,
    care_system_id: int,
    key: str,
    db: BaseDatabaseWrapper | None = None,
) -> tuple[Any, ...] | None:
    """(participant id, participant's agreements version, *conversation fields*, result
    state, common ground as JSON text) or None. ``db``: :func:`.plain_sql.run`'s."""
    row = run(_voter_sql, [conversation_pk, key, public_id, care_system_id], fetch_one, db)
    return tuple(row) if row is not None else None


_CARD_COLUMNS = ("id", "public_id", "text", "clarification", "priority")


@functools.cache
def _voter_cards_sql(vendor: str) -> str:
    """PostgreSQL's voter statement with, after the voter's columns, the conversation's
    statements signature (migration 0012), the ids of the statements the voter voted on (one
    range scan of the one-vote-per-statement index) and the vote card's published statements
    (:data:`_CARD_COLUMNS`) as five more columns, one array per column — all null when the
    signature is the one given (the caller's kept rows are the stored ones: the statements are
    not read) or when there is none. Two parameters say which: whether to read them whatever
    the signature (nothing kept), and the kept signature — always a bigint, so that one
    prepared statement serves both (psycopg prepares again for new parameter types). Each
    array's n-th value is the same statement's: the aggregates of one query level take the
    rows in one order. The rows come sorted by id from the subquery (the caller checks, and
    sorts if ever not), sorted once rather than once per aggregate. PostgreSQL's arrays are
    loaded by psycopg's C loaders. The signature and the
    rows are read by the same statement: one snapshot."""
    p, c, s, v = (
        columns(ConversationParticipant),
        columns(Conversation),
        columns(Statement),
        columns(Vote),
    )
    arrays = ", ".join(f"array_agg(s.{s[name]})" for name in _CARD_COLUMNS)
    voted = (
        f", c.{c['statements_signature']}, ARRAY(SELECT v.{v['statement']} FROM {table(Vote)} v "
        f"WHERE v.{v['conversation']} = p.{p['conversation']} "
        f"AND v.{v['participant']} = p.{p['id']})"
    )
    cards = (
        f" CROSS JOIN LATERAL (SELECT {arrays} "
        f"FROM (SELECT * FROM {table(Statement)} s0 "
        f"WHERE s0.{s['conversation']} = p.{p['conversation']} AND s0.{s['status']} = %s "
        f"ORDER BY s0.{s['id']}) s "
        f"WHERE %s::boolean OR c.{c['statements_signature']} <> %s::bigint) cards"
    )
    return _voter_select(vendor, f"{voted}, cards.*", cards)


#: Per process: conversation id -> (statements signature, its published statements' rows as
#: :data:`_CARD_COLUMNS` tuples sorted by id). Nothing about a participant. At most
#: :data:`KEPT_CONVERSATIONS` conversations, the least recently read dropped first.
_kept_statements: dict[int, tuple[int, list[tuple[Any, ...]]]] = {}
_kept_lock = threading.Lock()
KEPT_CONVERSATIONS = 64


def _keep(conversation_pk: int, signature: int, rows: list[tuple[Any, ...]]) -> None:
    with _kept_lock:
        _kept_statements.pop(conversation_pk, None)
        while len(_kept_statements) >= KEPT_CONVERSATIONS:
            del _kept_statements[next(iter(_kept_statements))]
        _kept_statements[conversation_pk] = (signature, rows)


def forget_kept_statements() -> None:
    """Drop every conversation's kept statements (tests; nothing needs it to stay correct)."""
    with _kept_lock:
        _kept_statements.clear()


def fetch_voter_with_cards(
    conversation_pk: int, public_id: str, care_system_id: int, key: str
) -> tuple[tuple[Any, ...], list[tuple[Any, ...]] | None] | None:
    """:func:`fetch_voter`'s row and, on PostgreSQL, :func:`fetch_card_rows`'s rows read by the
    same statement (one round trip, one snapshot); None: no such voter. On SQLite the card rows
    are None, for the caller to read (:func:`fetch_card_rows`) once it needs them, as before.

    PostgreSQL: the published statements are those this process kept for the conversation
    when the statement reads the same statements signature as they were kept with (the triggers
    of migration 0012 set a new random one with every change of its statements), else those the
    statement read, kept from then on; the voted flags from the voter's voted ids, read each
    time. Nothing about the voter is kept."""
    db = default_db()
    if db.vendor != "postgresql":
        row = fetch_voter(conversation_pk, public_id, care_system_id, key, db)
        return None if row is None else (row, None)
    kept = _kept_statements.get(conversation_pk)
    params = [
        Statement.Status.PUBLISHED,
        kept is None,  # nothing kept: read them
        _int8(0 if kept is None else kept[0]),
        conversation_pk,
        key,
        public_id,
        care_system_id,
    ]
    found = run(_voter_cards_sql, params, fetch_one, db)
    if found is None:
        return None
    *row, signature, voted_ids, ids, public_ids, texts, clarifications, priorities = found
    if kept is not None and signature == kept[0]:
        statements = kept[1]
    else:
        statements = _statement_rows(ids, public_ids, texts, clarifications, priorities)
        _keep(conversation_pk, signature, statements)
    if not voted_ids:
        return tuple(row), [(*r, False) for r in statements]
    voted = set(voted_ids)
    return tuple(row), [(*r, r[0] in voted) for r in statements]


def _statement_rows(ids: Any, *others: Any) -> list[tuple[Any, ...]]:
    if ids is None:  # no published statement
        return []
    rows = list(zip(ids, *others, strict=True))
    if ids != sorted(ids):
        rows.sort(key=_first)
    return rows


@functools.cache
def _int8_type() -> Any:
    from psycopg.types.numeric import Int8

    return Int8


def _int8(value: int) -> Any:
    """``value`` bound as PostgreSQL's bigint whatever its size (psycopg binds a Python int as
    the smallest type that holds it, and prepares a statement again for each new type)."""
    return _int8_type()(value)


def _first(row: tuple[Any, ...]) -> Any:
    return row[0]


# --- the vote card: every published statement, and whether this participant voted on it --


@functools.cache
def _card_sql(vendor: str) -> str:
    """The card's rows; voted: the statement is among the participant's voted statements,
    read once for the whole card (one range scan of the one-vote-per-statement index, kept by
    the database as a list or a hash) instead of looked up once per statement (an index
    descent each). ``statement_id`` is never null, so ``IN`` is true or false, never null."""
    s, v = columns(Statement), columns(Vote)
    return (
        f"SELECT s.{s['id']}, s.{s['public_id']}, s.{s['text']}, s.{s['clarification']}, "
        f"s.{s['priority']}, s.{s['id']} IN (SELECT v.{v['statement']} FROM {table(Vote)} v "
        f"WHERE v.{v['conversation']} = %s AND v.{v['participant']} = %s) "
        f"FROM {table(Statement)} s WHERE s.{s['conversation']} = %s AND s.{s['status']} = %s "
        f"ORDER BY s.{s['id']}"
    )


def _uuid(value: uuid.UUID, db: BaseDatabaseWrapper) -> Any:
    return _VOTE_ID.get_db_prep_value(value, db)


_VOTE_ID = Vote._meta.get_field("id")
_VOTED_ON = Vote._meta.get_field("voted_on")


def fetch_card_rows(conversation_pk: int, participant_pk: uuid.UUID) -> list[tuple[Any, ...]]:
    """(id, public id, text, clarification, priority, voted) per published statement."""
    db = default_db()
    params = [
        conversation_pk,
        _uuid(participant_pk, db),
        conversation_pk,
        Statement.Status.PUBLISHED,
    ]
    return [tuple(row) for row in run(_card_sql, params, fetch_all, db)]


# --- the vote ------------------------------------------------------------------------------


@functools.cache
def _upsert_sql(vendor: str) -> str:
    col, s = columns(Vote), columns(Statement)
    vote = table(Vote)
    return (
        f"INSERT INTO {vote} ({col['id']}, {col['conversation']}, {col['participant']}, "
        f"{col['statement']}, {col['value']}, {col['voted_on']}, {col['request_key']}) "
        f"SELECT %s, %s, %s, s.{s['id']}, %s, %s, %s FROM {table(Statement)} s "
        f"WHERE s.{s['conversation']} = %s AND s.{s['public_id']} = %s AND s.{s['status']} = %s "
        f"ON CONFLICT ({col['conversation']}, {col['participant']}, {col['statement']}) "
        f"DO UPDATE SET {col['value']} = excluded.{col['value']}, "
        f"{col['voted_on']} = excluded.{col['voted_on']}, "
        f"{col['request_key']} = excluded.{col['request_key']} "
        f"WHERE {vote}.{col['request_key']} = %s "
        f"AND {vote}.{col['request_key']} <> excluded.{col['request_key']}"
    )


def upsert_vote(
    conversation_pk: int,
    participant_pk: uuid.UUID,
    statement_public_id: str,
    value: int,
    voted_on: Any,
    digest: str,
    replaces: str,
    db: BaseDatabaseWrapper | None = None,
) -> bool:
    """Insert the vote, or change it if its stored request key is ``replaces``; True if a row
    was written. The statement is found by its public id inside the insert, so an unknown or
    unpublished statement writes nothing. ``db``: :func:`.plain_sql.run`'s."""
    if db is None:
        db = default_db()
    params = [
        _uuid(uuid.uuid4(), db),
        conversation_pk,
        _uuid(participant_pk, db),
        value,
        _VOTED_ON.get_db_prep_value(voted_on, db),
        digest,
        conversation_pk,
        statement_public_id,
        Statement.Status.PUBLISHED,
        replaces,
    ]
    return bool(run(_upsert_sql, params, row_count, db))


# --- results ---------------------------------------------------------------------------------


@functools.cache
def _flag_sql(vendor: str) -> str:
    c = columns(Conversation)
    return (
        f"UPDATE {table(Conversation)} SET {c['refresh_pending']} = %s "
        f"WHERE {c['id']} = %s AND {c['refresh_pending']} = %s"
    )


@functools.cache
def _pending_sql(vendor: str) -> str:
    c = columns(Conversation)
    return f"SELECT {c['refresh_pending']} FROM {table(Conversation)} WHERE {c['id']} = %s"


def flag_refresh(
    conversation_pk: int, after_vote: bool = False, db: BaseDatabaseWrapper | None = None
) -> bool:
    """Mark the conversation's results as due for a refresh; True if it was not already.

    ``after_vote`` (:func:`.services.record_vote`, after the vote it follows was written): on
    SQLite the flag is read first and written only when it is not set: the usual vote then
    takes SQLite's write lock once (for the vote), not twice (an ``UPDATE`` that changes no
    row still begins a write transaction).
    This never leaves a vote out of the results: the worker clears the flag *before* it reads
    the votes (:func:`walkthetalk.conversations.tasks.refresh`), and this read starts after
    the vote was committed (or, inside a transaction, while the vote holds SQLite's write
    lock, which no clear can pass), so a flag still seen set here will be cleared only by a
    refresh that reads the votes after this one. A clear that came first is seen as not set,
    and the flag is written as before. PostgreSQL: the conditional ``UPDATE`` alone.
    ``db``: :func:`.plain_sql.run`'s."""
    if db is None:
        db = default_db()
    if after_vote and db.vendor == "sqlite":
        row = run(_pending_sql, [conversation_pk], fetch_one, db)
        if row is None or row[0]:
            return False
    return bool(run(_flag_sql, [True, conversation_pk, False], row_count, db))


# --- the vote and its flag -----------------------------------------------------------------

#: PostgreSQL's procedure that runs the upsert, commits it, then the flag's update (migration
#: ``0011_record_vote_procedure``).
RECORD_VOTE_PROCEDURE = "conversations_record_vote"


@functools.cache
def _record_sql(vendor: str) -> str:
    return (
        f"CALL {RECORD_VOTE_PROCEDURE}(%s::uuid, %s::bigint, %s::uuid, %s::smallint, "
        "%s::date, %s, %s, %s, %s, NULL)"
    )


def store_vote(
    conversation_pk: int,
    participant_pk: uuid.UUID,
    statement_public_id: str,
    value: int,
    voted_on: Any,
    digest: str,
    replaces: str,
    db: BaseDatabaseWrapper | None = None,
) -> bool:
    """:func:`upsert_vote` and, when it wrote a row, :func:`flag_refresh` after it (``after_vote``);
    True if a row was written.

    On PostgreSQL outside a transaction, one ``CALL`` of :data:`RECORD_VOTE_PROCEDURE`: the same
    upsert, committed, then the same conditional ``UPDATE`` in a transaction of its own — the
    two transactions of the two statements, in the same order (the flag's after the vote's
    commit, as ``flag_refresh`` needs), in one round trip instead of two. Inside a transaction
    (where a procedure may not commit) and on SQLite, the two statements. ``db``: the
    connection :func:`vote_writer` gave (:func:`.plain_sql.run`'s)."""
    if db is None:
        db = default_db()
    if db.vendor == "postgresql" and not db.in_atomic_block:
        params = [
            uuid.uuid4(),
            conversation_pk,
            participant_pk,
            value,
            voted_on,
            digest,
            statement_public_id,
            Statement.Status.PUBLISHED,
            replaces,
        ]
        return bool(run(_record_sql, params, fetch_one, db)[0])
    if upsert_vote(
        conversation_pk, participant_pk, statement_public_id, value, voted_on, digest, replaces, db
    ):
        flag_refresh(conversation_pk, after_vote=True, db=db)
        return True
    return False


# --- one vote writer at a time (SQLite) --------------------------------------------------

#: How long a vote writer waits between two tries of the vote lock, in seconds.
LOCK_POLL = 0.00005
#: Linux's ``prctl`` option that sets the calling thread's timer slack, in nanoseconds.
PR_SET_TIMERSLACK = 29
#: The slack asked for: 1 µs (0 would mean "the default" to Linux).
TIMER_SLACK_NS = 1000


_slack_set = threading.local()


def _exact_sleeps() -> None:
    """Once per thread that waits for the vote lock: Linux's timer slack for the thread set to
    :data:`TIMER_SLACK_NS`. Linux lets each sleep of a thread overrun by its slack (50 µs by
    default) so that it can batch wake-ups: a poll of :data:`LOCK_POLL` then lasted about
    twice as long as asked, and the lock, released meanwhile, waited for its next holder.
    Only the thread's sleeps change; on other systems nothing is done."""
    if getattr(_slack_set, "done", False):
        return
    _slack_set.done = True
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None).prctl(PR_SET_TIMERSLACK, TIMER_SLACK_NS, 0, 0, 0)


_lock_files: dict[tuple[int, str], int] = {}


def _lock_path(db: BaseDatabaseWrapper) -> str | None:
    """The vote lock's file beside the SQLite database file of ``db``; None elsewhere
    (PostgreSQL, an in-memory database)."""
    name = db.settings_dict.get("NAME")
    if db.vendor != "sqlite" or not isinstance(name, str | os.PathLike):
        return None
    path = os.fspath(name)
    if not path or path == ":memory:" or path.startswith("file:") or "mode=memory" in path:
        return None
    return f"{path}-votes.lock"


def _lock_file(path: str) -> int:
    """This process's own descriptor of the lock file (a descriptor inherited across a fork
    would share its lock with the parent and siblings), opened once, owner-only."""
    key = (os.getpid(), path)
    fd = _lock_files.get(key)
    if fd is None:
        fd = _lock_files[key] = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    return fd


@contextlib.contextmanager
def vote_writer() -> Iterator[BaseDatabaseWrapper]:
    """On SQLite, hold the vote lock — a file lock beside the database that the processes'
    vote writers take in turn — around a vote's writes; elsewhere, nothing.

    SQLite has one writer at a time: a second writer is refused (``SQLITE_BUSY``) and its busy
    handler sleeps a whole millisecond or more before it tries again, although the first
    writer's commit (its ``fdatasync``) is usually over in a fraction of that. Two workers'
    votes met that way on about every other vote. Taking turns on this lock first, polled every
    :data:`LOCK_POLL` seconds, the next vote writer starts as soon as the first has committed.
    Only a lock: what is written, and when it is durable, is unchanged. Not taken inside a
    transaction (its ``BEGIN IMMEDIATE`` may already hold SQLite's write lock, which the
    lock's holder could then wait for). Waiting longer than the database's own timeout for it
    is the database being locked: Django's ``OperationalError``, as from SQLite (503, see
    :mod:`walkthetalk.site.faults`). Gives the thread's default connection, for the vote's
    statements to use (:func:`store_vote`'s ``db``) without looking it up again."""
    db = default_db()
    path = _lock_path(db)
    if path is None or db.in_atomic_block:
        yield db
        return
    fd = _lock_file(path)
    deadline = time.monotonic() + float(db.settings_dict.get("OPTIONS", {}).get("timeout", 5))
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise OperationalError("database is locked (the vote lock)") from None
            _exact_sleeps()
            time.sleep(LOCK_POLL)
    try:
        yield db
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
