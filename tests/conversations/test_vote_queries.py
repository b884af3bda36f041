"""The vote round trip's SQL (walkthetalk.conversations.vote_queries): on SQLite it runs on the
DB-API cursor with ``?`` placeholders, keeping Django's error translation, broken-transaction
check and query log."""

from __future__ import annotations

import ctypes
import datetime
import fcntl
import functools
import json
import os
import sys
import threading
import time
from typing import Any

import pytest
from django.db import (
    DEFAULT_DB_ALIAS,
    DatabaseError,
    OperationalError,
    connection,
    connections,
    transaction,
)
from django.db.transaction import TransactionManagementError
from django.test import Client
from django.test.utils import CaptureQueriesContext
from hypothesis import given, settings
from hypothesis import strategies as st

from walkthetalk.caremap import services as caremap_services
from walkthetalk.conversations import plain_sql, selectors, services, vote_queries
from walkthetalk.conversations.models import Conversation, ConversationParticipant, Statement, Vote
from walkthetalk.site import faults

from ..caremap.factories import small_system
from .factories import accepted_client, conversation, joined, key, lock_votes, vote_form

pytestmark = pytest.mark.django_db

sqlite_only = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="the DB-API cursor is used on SQLite only"
)


def _vote_statements(conv: Any, participant_pass: Any) -> None:
    found = selectors.voter_row(conv.public_id, participant_pass)
    assert found is not None
    rows = selectors.card_rows(found.conversation_pk, found.participant_pk)
    assert services.record_vote(
        found.conversation_pk, found.participant_pk, rows[0][1], 1, "k" * 22, ""
    )


@sqlite_only
def test_the_vote_statements_run_on_the_db_api_cursor_and_are_logged_once_each() -> None:
    conv = conversation(small_system())
    participant_pass = joined(conv)
    selectors.voter_row(conv.public_id, participant_pass)  # the conversation's id, memoised
    connection.ensure_connection()
    seen: list[str] = []
    connection.connection.set_trace_callback(seen.append)
    try:
        with CaptureQueriesContext(connection) as queries:
            _vote_statements(conv, participant_pass)
    finally:
        connection.connection.set_trace_callback(None)
    ran = [s for s in seen if s.split()[0] in ("SELECT", "INSERT", "UPDATE")]
    # voter, card rows, upsert, refresh flag read then set (a new conversation's is clear):
    # what SQLite ran is what the query log counts, written with ? placeholders (Django's
    # wrapper would have rewritten %s itself).
    assert len(ran) == len(queries) == 5
    assert all("%s" not in s for s in ran)
    assert [q["sql"].split()[0] for q in queries] == [
        "SELECT",
        "SELECT",
        "INSERT",
        "SELECT",
        "UPDATE",
    ]
    assert Vote.objects.count() == 1


def test_a_failing_statement_raises_djangos_error_and_marks_the_connection(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    conv = conversation(small_system())
    monkeypatch.setattr(
        vote_queries,
        "_flag_sql",
        lambda vendor: "UPDATE no_such_table SET a = %s WHERE b = %s AND c = %s",
    )
    connection.errors_occurred = False
    with pytest.raises(DatabaseError):  # Django's (OperationalError on SQLite)
        vote_queries.flag_refresh(conv.pk)
    assert connection.errors_occurred  # close_old_connections will check it is usable


def test_a_broken_transaction_is_refused_as_by_djangos_cursor() -> None:
    conv = conversation(small_system())
    with transaction.atomic():
        transaction.set_rollback(True)
        with pytest.raises(TransactionManagementError):
            vote_queries.flag_refresh(conv.pk)


def test_a_percent_sign_other_than_a_placeholder_is_refused() -> None:
    with pytest.raises(ValueError, match="%"):
        plain_sql._qmark(lambda vendor: "SELECT 1 WHERE a LIKE '%x' AND b = %s")


def test_a_locked_database_on_the_vote_answers_503_and_stores_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    conv = conversation(small_system())
    client: Client = accepted_client(conv)
    client.raise_request_exception = False
    form = {**vote_form(client, conv), "choice": "agree"}
    with monkeypatch.context() as patch:
        lock_votes(patch)
        busy = client.post(f"/conversations/{conv.public_id}/vote/", form)
    assert busy.status_code == 503 and busy["Retry-After"] == "30"
    assert not Vote.objects.exists()
    assert client.post(f"/conversations/{conv.public_id}/vote/", form).status_code == 302
    assert Vote.objects.count() == 1


# --- the vote lock: one vote writer at a time on SQLite -----------------------------------


@pytest.fixture
def lock_file(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> str:
    """The vote lock of a file database at ``tmp_path`` (only the lock's path is taken from
    the database's name; the test database itself stays where it is)."""
    db = connections[DEFAULT_DB_ALIAS]
    name = str(tmp_path / "walkthetalk.sqlite3")
    monkeypatch.setitem(db.settings_dict, "NAME", name)
    monkeypatch.setitem(db.settings_dict, "OPTIONS", {**db.settings_dict["OPTIONS"], "timeout": 5})
    return f"{name}-votes.lock"


def _held_elsewhere(path: str) -> bool:
    """Whether another open file (as another process's) is refused the lock now."""
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing releases a lock taken on it
    return False


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_a_vote_is_written_holding_the_vote_lock_and_releases_it(
    lock_file: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    conv = conversation(small_system())
    participant_pass = joined(conv)
    held_while_writing: list[bool] = []
    upsert = vote_queries.upsert_vote

    def watched(*args: Any) -> bool:
        held_while_writing.append(_held_elsewhere(lock_file))
        return upsert(*args)

    monkeypatch.setattr(vote_queries, "upsert_vote", watched)
    _vote_statements(conv, participant_pass)
    assert held_while_writing == [True]
    assert not _held_elsewhere(lock_file)
    assert os.stat(lock_file).st_mode & 0o777 == 0o600
    assert Vote.objects.count() == 1


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_a_vote_writer_waits_for_the_lock_to_be_released(lock_file: str) -> None:
    other = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(other, fcntl.LOCK_EX)
    released: list[float] = []

    def release() -> None:
        time.sleep(0.05)
        released.append(time.monotonic())
        os.close(other)

    thread = threading.Thread(target=release)
    thread.start()
    with vote_queries.vote_writer() as db:
        entered = time.monotonic()
        assert _held_elsewhere(lock_file)
        assert db is connections[DEFAULT_DB_ALIAS]
    thread.join()
    assert released and entered >= released[0]


def _timer_slack() -> int:
    """The calling thread's timer slack in nanoseconds (Linux's PR_GET_TIMERSLACK)."""
    return int(ctypes.CDLL(None).prctl(30, 0, 0, 0, 0))


@sqlite_only
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="timer slack is Linux's")
@pytest.mark.django_db(transaction=True)
def test_a_thread_that_waits_for_the_vote_lock_sleeps_exactly(lock_file: str) -> None:
    other = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(other, fcntl.LOCK_EX)
    slack: dict[str, int] = {}

    def vote_writer_thread(wait: bool) -> None:
        # A new thread inherits its creator's slack: start from Linux's default, 50 µs.
        ctypes.CDLL(None).prctl(vote_queries.PR_SET_TIMERSLACK, 50_000, 0, 0, 0)
        with vote_queries.vote_writer():
            slack["waited" if wait else "free"] = _timer_slack()

    waiting = threading.Thread(target=vote_writer_thread, args=(True,))
    waiting.start()
    time.sleep(0.02)
    os.close(other)
    waiting.join()
    free = threading.Thread(target=vote_writer_thread, args=(False,))
    free.start()
    free.join()
    assert slack == {"waited": vote_queries.TIMER_SLACK_NS, "free": 50_000}


@pytest.mark.django_db(transaction=True)
def test_the_vote_writer_gives_the_connection_the_vote_is_written_on() -> None:
    # Outside the lock too (PostgreSQL, inside a transaction): the thread's own connection.
    with vote_queries.vote_writer() as db:
        assert db is connections[DEFAULT_DB_ALIAS]
    with transaction.atomic(), vote_queries.vote_writer() as db:
        assert db is connections[DEFAULT_DB_ALIAS]


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_past_the_database_timeout_the_vote_lock_is_the_database_locked(
    lock_file: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = connections[DEFAULT_DB_ALIAS]
    options = {**db.settings_dict["OPTIONS"], "timeout": 0.05}
    monkeypatch.setitem(db.settings_dict, "OPTIONS", options)
    other = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(other, fcntl.LOCK_EX)
    entered = False
    try:
        start = time.monotonic()
        with pytest.raises(OperationalError, match="locked"), vote_queries.vote_writer():
            entered = True
        assert time.monotonic() - start >= 0.05
    finally:
        os.close(other)
    assert not entered
    assert faults.is_temporary_fault(OperationalError("database is locked (the vote lock)"))


@sqlite_only
def test_inside_a_transaction_the_vote_lock_is_not_taken(lock_file: str) -> None:
    # The test runs in a transaction (pytest-django's): its BEGIN may hold SQLite's write
    # lock, which the vote lock's holder could be waiting for.
    other = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(other, fcntl.LOCK_EX)
    try:
        start = time.monotonic()
        with vote_queries.vote_writer():
            assert time.monotonic() - start < 1
    finally:
        os.close(other)


def test_each_process_opens_the_lock_file_itself(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A descriptor inherited across a fork shares its lock with the parent's: a worker opens
    # its own.
    path = str(tmp_path / "x-votes.lock")
    first = vote_queries._lock_file(path)
    assert vote_queries._lock_file(path) == first
    monkeypatch.setattr(os, "getpid", lambda: -1)
    second = vote_queries._lock_file(path)
    assert second != first
    os.close(second)
    vote_queries._lock_files.pop((-1, path))


def test_there_is_no_vote_lock_in_memory_or_on_postgresql(monkeypatch: pytest.MonkeyPatch) -> None:
    db = connections[DEFAULT_DB_ALIAS]
    if db.vendor == "sqlite":
        monkeypatch.setitem(db.settings_dict, "NAME", "file:memorydb_default?mode=memory")
    assert vote_queries._lock_path(db) is None


def test_the_voter_read_with_the_card_rows_is_the_voter_and_card_rows_read_apart() -> None:
    conv = conversation(small_system())
    participant_pass = joined(conv)
    statements = list(conv.statements.order_by("pk"))
    # Values JSON must carry exactly: quotes, backslashes, accents and emoji, a clarification,
    # a priority with every digit of a float, an unpublished statement left out.
    statements[0].text = 'She said "don\'t talk" \\ then ñ, 🙂'
    statements[0].clarification = 'Línea uno\nline two\t"quoted"'
    statements[0].priority = 0.1 + 0.2
    statements[1].priority = 1e-300
    statements[2].status = "rejected"
    for statement in statements[:3]:
        statement.save()
    first = selectors.voter_row(conv.public_id, participant_pass)
    assert first is not None
    services.record_vote(
        first.conversation_pk, first.participant_pk, statements[1].public_id, 1, "k" * 22, ""
    )
    apart = selectors.voter_row(conv.public_id, participant_pass)
    assert apart is not None
    expected = selectors.card_rows(apart.conversation_pk, apart.participant_pk)
    with CaptureQueriesContext(connection) as queries:
        together = selectors.voter_row(conv.public_id, participant_pass, cards=True)
        assert together is not None
        rows = selectors.voter_card_rows(together)
    assert rows == expected and [type(v) for v in rows[0]] == [type(v) for v in expected[0]]
    assert [r[5] for r in rows].count(True) == 1 and len(rows) == len(statements) - 1
    assert rows[0][2] == statements[0].text and rows[0][4] == 0.1 + 0.2
    assert (together.participant_pk, together.conversation, together.common_ground) == (
        apart.participant_pk,
        apart.conversation,
        apart.common_ground,
    )
    if connection.vendor == "postgresql":  # one statement, one round trip
        assert len(queries) == 1 and together.cards == expected
    else:  # SQLite's statements as before: the voter, then the card rows when asked for
        assert len(queries) == 2 and together.cards is None


def test_a_voter_read_with_cards_in_a_conversation_without_statements_has_no_rows() -> None:
    conv = conversation(small_system(), seed_statements=[])
    participant_pass = joined(conv)
    found = selectors.voter_row(conv.public_id, participant_pass, cards=True)
    assert found is not None and selectors.voter_card_rows(found) == []
    other = caremap_services.open_pass(conv.care_system, None)  # never joined
    assert selectors.voter_row(conv.public_id, other, cards=True) is None


@functools.cache
def _card_sql_by_probes(vendor: str) -> str:
    """The card's rows as read before the voted ids were read once: one ``EXISTS`` probe of
    the votes per statement (the reference the new statements must answer as)."""
    return (
        'SELECT s."id", s."public_id", s."text", s."clarification", s."priority", '
        'EXISTS (SELECT 1 FROM "conversations_vote" v WHERE v."conversation_id" = %s '
        'AND v."participant_id" = %s AND v."statement_id" = s."id") '
        'FROM "conversations_statement" s WHERE s."conversation_id" = %s AND s."status" = %s '
        'ORDER BY s."id"'
    )


@functools.cache
def _voter_cards_sql_by_probes(vendor: str) -> str:
    """PostgreSQL's voter read with the card rows, as before (one ``EXISTS`` per statement)."""
    cards = (
        ', (SELECT json_agg(json_build_array(s."id", s."public_id", s."text", '
        's."clarification", s."priority", EXISTS (SELECT 1 FROM "conversations_vote" v '
        'WHERE v."conversation_id" = p."conversation_id" AND v."participant_id" = p."id" '
        'AND v."statement_id" = s."id")) ORDER BY s."id")::text FROM "conversations_statement" '
        's WHERE s."conversation_id" = p."conversation_id" AND s."status" = %s)'
    )
    return vote_queries._voter_select(vendor, cards)


def _decoded(cards: str | None) -> list[tuple[Any, ...]]:
    """The card rows from the JSON text of :func:`_voter_cards_sql_by_probes`, as decoded
    before (a float8 as its shortest exact text; a non-finite one as a string)."""
    return [
        (i, pid, text, clar, float(prio), voted)
        for i, pid, text, clar, prio, voted in json.loads(cards or "[]")
    ]


_statuses = st.lists(st.sampled_from(Statement.Status.values), min_size=8, max_size=8)
_voted = st.sets(st.integers(min_value=0, max_value=7))
# What a statement holds, as array and JSON texts must carry it: quotes, backslashes, braces,
# commas, "NULL", accents and emoji, empty clarifications, priorities with every digit.
_words = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30
) | st.sampled_from(["NULL", '"', "\\", "{a,b}", "", " x ", "null"])
_contents = st.lists(
    st.tuples(_words, _words, st.floats(allow_nan=False, width=64)), min_size=8, max_size=8
)


def test_the_card_rows_read_the_voted_ids_once_and_answer_as_one_probe_per_statement() -> None:
    system = small_system()
    convs = [conversation(system), conversation(system)]
    passes = [joined(convs[0]), joined(convs[0]), joined(convs[1])]
    found = [
        selectors.voter_row(c.public_id, p) for c, p in zip(convs[:1] + convs, passes, strict=True)
    ]
    voters = [v for v in found if v is not None]
    assert len(voters) == 3
    statements = [list(c.statements.order_by("pk")) for c in convs]

    @settings(max_examples=60, deadline=None)
    @given(_statuses, _statuses, _voted, _voted, _voted, _contents)
    def answers_alike(
        first: Any, second: Any, mine: Any, theirs: Any, elsewhere: Any, contents: Any
    ) -> None:
        with transaction.atomic():
            for statement, (text, clarification, priority) in zip(
                statements[0], contents, strict=True
            ):
                Statement.objects.filter(pk=statement.pk).update(
                    text=text or "x", clarification=clarification, priority=priority
                )
            for rows, statuses in zip(statements, (first, second), strict=True):
                for statement, status in zip(rows, statuses, strict=True):
                    Statement.objects.filter(pk=statement.pk).update(status=status)
            # Votes on any statement (one rejected after votes keeps them), by this voter,
            # by another in the same conversation and by someone in another conversation.
            for found, picked, at in zip(voters, (mine, theirs, elsewhere), (0, 0, 1), strict=True):
                Vote.objects.bulk_create(
                    Vote(
                        conversation=convs[at],
                        participant_id=found.participant_pk,
                        statement=statements[at][i],
                        value=1,
                        voted_on=datetime.date(2026, 12, 4),
                    )
                    for i in picked
                )
            for conv, found in zip(convs[:1] + convs, voters, strict=True):
                pk = vote_queries._uuid(found.participant_pk, connection)
                params = [conv.pk, pk, conv.pk, "published"]
                expected = [
                    tuple(r)
                    for r in plain_sql.run(_card_sql_by_probes, params, plain_sql.fetch_all)
                ]
                rows = vote_queries.fetch_card_rows(conv.pk, found.participant_pk)
                assert rows == expected
                if connection.vendor == "postgresql":
                    key = ConversationParticipant.objects.get(pk=found.participant_pk).key
                    args = ["published", conv.pk, key, conv.public_id, conv.care_system_id]
                    *voter, cards = plain_sql.run(
                        _voter_cards_sql_by_probes, args, plain_sql.fetch_one
                    )
                    both = vote_queries.fetch_voter_with_cards(
                        conv.pk, conv.public_id, conv.care_system_id, key
                    )
                    assert both == (tuple(voter), _decoded(cards)) and both[1] == expected
            transaction.set_rollback(True)

    answers_alike()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's one-statement read")
def test_card_arrays_that_ever_come_unsorted_are_sorted_by_statement(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(vote_queries, "_kept_statements", {})
    voter = ("participant", 1)
    arrays = ([3, 1, 2], ["c", "a", "b"], ["C", "A", "B"], ["", "", "b?"], [0.3, 0.1, 0.2])
    row = (*voter, 7, [3, 2, 99], *arrays)  # signature, voted ids, the statements
    monkeypatch.setattr(vote_queries, "run", lambda *args: row)
    assert vote_queries.fetch_voter_with_cards(1, "x", 1, "k") == (
        voter,
        [
            (1, "a", "A", "", 0.1, False),
            (2, "b", "B", "b?", 0.2, True),
            (3, "c", "C", "", 0.3, True),
        ],
    )
    none = (*voter, 8, [], None, None, None, None, None)  # no published statement
    monkeypatch.setattr(vote_queries, "run", lambda *args: none)
    assert vote_queries.fetch_voter_with_cards(1, "x", 1, "k") == (voter, [])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's kept cursor")
@pytest.mark.django_db(transaction=True)  # the connection is closed and opened again
def test_postgresql_keeps_one_cursor_per_connection_and_logs_each_statement() -> None:
    conv = conversation(small_system())
    participant_pass = joined(conv)
    selectors.voter_row(conv.public_id, participant_pass)
    with CaptureQueriesContext(connection) as queries:
        _vote_statements(conv, participant_pass)
    # Outside a transaction, the vote and its flag are one CALL (store_vote).
    assert [q["sql"].split()[0] for q in queries] == ["SELECT", "SELECT", "CALL"]
    kept = plain_sql._postgresql_cursor(connection.connection)
    assert kept is plain_sql._postgresql_cursor(connection.connection)
    assert kept.connection is connection.connection
    # A new connection gets its own cursor; the old one is never used again.
    connection.close()
    connection.ensure_connection()
    assert selectors.voter_row(conv.public_id, participant_pass) is not None
    assert plain_sql._postgresql_cursor(connection.connection) is not kept


@pytest.mark.skipif(
    connection.vendor == "postgresql",
    reason="PostgreSQL stores a vote outside a transaction in one CALL, not these two "
    "statements: test_on_postgresql_the_vote_is_committed_before_its_flag_is_updated",
)
@pytest.mark.django_db(transaction=True)  # each statement commits, as served
@pytest.mark.parametrize("worker_at", ["before the upsert", "before the flag", "after the flag"])
def test_a_vote_is_in_the_workers_snapshot_or_leaves_the_flag_set(
    monkeypatch: pytest.MonkeyPatch, worker_at: str
) -> None:
    """The worker clears the flag, then reads the votes (tasks.refresh); wherever that falls
    in the vote's statements, the vote is either read or leaves the flag set for the next."""
    conv = conversation(small_system())
    participant_pass = joined(conv)
    found = selectors.voter_row(conv.public_id, participant_pass, cards=True)
    assert found is not None
    statement = selectors.voter_card_rows(found)[0]
    services.clear_refresh_flag(conv.pk)
    seen: list[int] = []

    def worker() -> None:
        services.clear_refresh_flag(conv.pk)
        snapshot = selectors.vote_snapshot(Conversation.objects.get(pk=conv.pk))
        seen.append(len(snapshot.votes))

    def before(name: str, step: str) -> None:
        real = getattr(vote_queries, name)

        def run(*args: Any, **kwargs: Any) -> Any:
            if worker_at == step:
                worker()
            answer = real(*args, **kwargs)
            if worker_at == "after the flag" and name == "flag_refresh":
                worker()
            return answer

        monkeypatch.setattr(vote_queries, name, run)

    before("upsert_vote", "before the upsert")
    before("flag_refresh", "before the flag")
    assert services.record_vote(
        found.conversation_pk, found.participant_pk, statement[1], 1, "k" * 22, ""
    )
    assert len(seen) == 1
    flagged = Conversation.objects.get(pk=conv.pk).refresh_pending
    assert seen[0] == 1 or flagged
    assert Vote.objects.count() == 1


def _waiting_call() -> bool:
    """Whether another session's CALL of the vote procedure waits for a lock now."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE pid <> pg_backend_pid() "
            "AND wait_event_type = 'Lock' AND query LIKE %s",
            [f"CALL {vote_queries.RECORD_VOTE_PROCEDURE}(%"],
        )
        return bool(cursor.fetchone()[0])


def _until(check: Any, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's vote procedure")
@pytest.mark.django_db(transaction=True)  # the procedure commits: outside a transaction only
def test_on_postgresql_the_vote_is_committed_before_its_flag_is_updated() -> None:
    """Another session holds the conversation's row (the flag is clear): the vote's CALL
    commits the vote — another session sees it — and only then waits for the row to update
    the flag, which it sets once the row is free: the two transactions of the two statements,
    in their order, in one round trip."""
    conv = conversation(small_system())
    found, rows = _voter(conv)
    services.clear_refresh_flag(conv.pk)
    answers: list[bool] = []

    def vote() -> None:
        try:
            with CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as queries:
                answers.append(
                    services.record_vote(
                        found.conversation_pk, found.participant_pk, rows[0][1], 1, "k" * 22, ""
                    )
                )
            answers.append([q["sql"].split()[0] for q in queries] == ["CALL"])
        finally:
            connections.close_all()

    voter = threading.Thread(target=vote)
    with transaction.atomic():
        assert Conversation.objects.select_for_update(no_key=True).filter(pk=conv.pk).exists()
        voter.start()
        assert _until(lambda: Vote.objects.exists()), "the vote was not committed"
        assert _until(_waiting_call), "the flag's update did not wait for the row"
        assert voter.is_alive() and not _pending(conv)
    voter.join(10)
    assert answers == [True, True]
    assert _pending(conv) and _snapshot_votes(conv) == 1


@pytest.mark.django_db(transaction=True)  # on PostgreSQL: the procedure, outside a transaction
def test_a_stored_vote_writes_only_a_new_vote_or_the_change_of_the_vote_it_replaces() -> None:
    """record_vote served (outside a transaction: PostgreSQL's CALL, SQLite's statements): what
    it answers, stores and flags."""
    conv = conversation(small_system())
    found, rows = _voter(conv)
    first, second = rows[0][1], rows[1][1]

    def record(statement: str, value: int, key: str, replaces: str = "") -> bool:
        return services.record_vote(
            found.conversation_pk, found.participant_pk, statement, value, key, replaces
        )

    def stored() -> list[tuple[str, int, str]]:
        return sorted(Vote.objects.values_list("statement__public_id", "value", "request_key"))

    services.clear_refresh_flag(conv.pk)
    assert not record("no-such-statement", 1, "a" * 22)
    assert not Vote.objects.exists() and not _pending(conv)  # nothing written: no flag
    assert record(first, 1, "a" * 22)
    assert _pending(conv)
    digest = services._digest(found.participant_pk, "a" * 22)
    assert stored() == [(first, 1, digest)]
    services.clear_refresh_flag(conv.pk)
    assert not record(first, -1, "a" * 22)  # the same form again: a retry
    assert not record(first, -1, "b" * 22)  # a change naming no vote it replaces
    assert not record(first, -1, "b" * 22, "f" * 64)  # ... or another one
    assert stored() == [(first, 1, digest)] and not _pending(conv)
    assert record(first, -1, "b" * 22, digest)
    changed = services._digest(found.participant_pk, "b" * 22)
    assert stored() == [(first, -1, changed)] and _pending(conv)
    assert not record(first, 0, "b" * 22, digest)  # an old retry after the change
    assert record(second, 0, "c" * 22)
    assert len(stored()) == 2


# --- the "refresh pending" flag after a vote ----------------------------------------------


def _voter(conv: Any) -> tuple[Any, list[Any]]:
    found = selectors.voter_row(conv.public_id, joined(conv))
    assert found is not None
    return found, selectors.card_rows(found.conversation_pk, found.participant_pk)


def _snapshot_votes(conv: Any) -> int:
    return len(selectors.vote_snapshot(Conversation.objects.get(pk=conv.pk)).votes)


def _pending(conv: Any) -> bool:
    return bool(Conversation.objects.values_list("refresh_pending", flat=True).get(pk=conv.pk))


@sqlite_only
def test_on_sqlite_a_vote_finding_the_flag_set_writes_only_the_vote() -> None:
    conv = conversation(small_system())
    found, rows = _voter(conv)
    vote_queries.flag_refresh(conv.pk)
    with CaptureQueriesContext(connection) as queries:
        assert services.record_vote(
            found.conversation_pk, found.participant_pk, rows[0][1], 1, "k" * 22, ""
        )
    assert [q["sql"].split()[0] for q in queries] == ["INSERT", "SELECT"]
    assert _pending(conv)


def test_a_vote_finding_the_flag_clear_sets_it() -> None:
    conv = conversation(small_system())
    found, rows = _voter(conv)
    services.clear_refresh_flag(conv.pk)
    assert services.record_vote(
        found.conversation_pk, found.participant_pk, rows[0][1], 1, "k" * 22, ""
    )
    assert _pending(conv)
    assert conv.pk in selectors.conversations_with_new_votes()


def test_a_refresh_clearing_the_flag_just_after_the_vote_is_followed_by_another(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The worker's refresh clears the flag between the vote's commit and the flag's read (the
    voter's own row, read before the vote, still saw it set): the vote sets it again, so the
    refresh after the next tick reads it even if this one's snapshot missed it."""
    conv = conversation(small_system())
    found, rows = _voter(conv)
    vote_queries.flag_refresh(conv.pk)
    assert _pending(conv)
    upsert = vote_queries.upsert_vote

    def upsert_then_refresh_clears(*args: Any) -> bool:
        written = upsert(*args)
        services.clear_refresh_flag(conv.pk)  # the worker, right after the vote committed
        return written

    monkeypatch.setattr(vote_queries, "upsert_vote", upsert_then_refresh_clears)
    assert services.record_vote(
        found.conversation_pk, found.participant_pk, rows[0][1], 1, "k" * 22, ""
    )
    assert _pending(conv)
    assert conv.pk in selectors.conversations_with_new_votes()


def test_a_vote_during_a_refresh_is_in_that_refresh_or_flags_the_next() -> None:
    """A refresh cleared the flag and read its snapshot before the vote: the vote flags the
    conversation again and the next refresh counts it. A refresh that clears the flag after
    the vote (which found it set) reads the vote in its own snapshot."""
    conv = conversation(small_system())
    found, rows = _voter(conv)
    vote_queries.flag_refresh(conv.pk)
    services.clear_refresh_flag(conv.pk)  # a refresh begins...
    assert _snapshot_votes(conv) == 0  # ...and reads the votes
    assert services.record_vote(
        found.conversation_pk, found.participant_pk, rows[0][1], 1, "k" * 22, ""
    )
    assert _pending(conv)
    services.clear_refresh_flag(conv.pk)  # the next refresh
    assert _snapshot_votes(conv) == 1
    vote_queries.flag_refresh(conv.pk)
    assert services.record_vote(
        found.conversation_pk, found.participant_pk, rows[1][1], -1, "j" * 22, ""
    )  # finds the flag set: writes only the vote
    services.clear_refresh_flag(conv.pk)  # a refresh after it
    assert _snapshot_votes(conv) == 2


# --- PostgreSQL: a conversation's published statements kept per process, by signature ------

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the statements signature is set by PostgreSQL's triggers; SQLite reads the card's "
    "statements with each vote and keeps none",
)


def _signature(conv: Conversation) -> int:
    return int(Conversation.objects.values_list("statements_signature", flat=True).get(pk=conv.pk))


def _cards(conv: Conversation, participant_pass: Any) -> list[tuple[Any, ...]]:
    found = selectors.voter_row(conv.public_id, participant_pass, cards=True)
    assert found is not None and found.cards is not None
    return found.cards


def _stored_cards(conv: Conversation, participant_pass: Any) -> list[tuple[Any, ...]]:
    """The card rows as the statement reads them from the tables, nothing kept."""
    found = selectors.voter_row(conv.public_id, participant_pass)
    assert found is not None
    return vote_queries.fetch_card_rows(conv.pk, found.participant_pk)


def _truncate(conv: Conversation, other: Conversation) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the test's pending foreign-key checks
        cursor.execute("TRUNCATE conversations_statement CASCADE")


def _votes_and_refresh(conv: Conversation, other: Conversation) -> None:
    from walkthetalk.conversations import tasks

    statements = list(conv.statements.order_by("pk"))
    for choice in ("agree", "disagree", "agree"):
        voter_pass = joined(conv)
        for statement in statements[:3]:
            services.cast_vote(conv, voter_pass, statement.public_id, choice, key())
    tasks.refresh(conv.pk)  # the worker's tallies and priorities


def _first_statement(conv: Conversation) -> Statement:
    return conv.statements.order_by("pk").first()  # type: ignore[return-value]


_CHANGES = {
    "a new statement": lambda conv, other: Statement.objects.create(
        conversation=conv, text="A new statement.", created_on=datetime.date(2026, 12, 4)
    ),
    "moderation": lambda conv, other: services.moderate_statement(
        _first_statement(conv), Statement.Status.REJECTED
    ),
    "an edit of the text": lambda conv, other: Statement.objects.filter(
        pk=_first_statement(conv).pk
    ).update(text="Said again, differently."),
    "a saved edit": lambda conv, other: _saved_edit(_first_statement(conv)),
    "a clarification": lambda conv, other: services.clarify_statement(
        _first_statement(conv), "It means the hard days too."
    ),
    "the worker's priorities": _votes_and_refresh,
    "a delete": lambda conv, other: _first_statement(conv).delete(),
    "a bulk update": lambda conv, other: Statement.objects.filter(conversation=conv).update(
        priority=0.25
    ),
    "a move to another conversation": lambda conv, other: Statement.objects.filter(
        pk=_first_statement(conv).pk
    ).update(conversation=other),
    "a truncate": _truncate,
}


def _saved_edit(statement: Statement) -> None:
    statement.text = "Saved again, differently."
    statement.save()


@postgresql_only
@pytest.mark.parametrize("change", list(_CHANGES))
def test_each_change_of_the_statements_sets_a_new_signature_and_the_next_card_shows_it(
    change: str,
) -> None:
    system = small_system()
    conv, other = conversation(system), conversation(system)
    participant_pass, other_pass = joined(conv), joined(other)
    before = _cards(conv, participant_pass)
    other_before = _cards(other, other_pass)
    signature, other_signature = _signature(conv), _signature(other)
    assert vote_queries._kept_statements[conv.pk][0] == signature
    _CHANGES[change](conv, other)
    assert _signature(conv) != signature
    after = _cards(conv, participant_pass)
    assert after == _stored_cards(conv, participant_pass) and after != before
    assert vote_queries._kept_statements[conv.pk][0] == _signature(conv)
    if change in ("a move to another conversation", "a truncate"):  # the other's rows changed
        assert _signature(other) != other_signature
        assert _cards(other, other_pass) == _stored_cards(other, other_pass) != other_before
    else:  # another conversation's statements are not read again
        assert _signature(other) == other_signature


@postgresql_only
def test_a_change_rolled_back_leaves_a_signature_no_kept_rows_can_match() -> None:
    conv = conversation(small_system())
    participant_pass = joined(conv)
    before = _cards(conv, participant_pass)
    signature = _signature(conv)
    with transaction.atomic():
        Statement.objects.filter(conversation=conv).update(text="Only for a moment.")
        inside = _cards(conv, participant_pass)  # kept with the transaction's signature
        assert {row[2] for row in inside} == {"Only for a moment."}
        transaction.set_rollback(True)
    assert _signature(conv) == signature != vote_queries._kept_statements[conv.pk][0]
    assert _cards(conv, participant_pass) == before


@postgresql_only
def test_the_kept_rows_are_used_only_on_an_equal_signature_and_the_statements_not_read_then(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(vote_queries, "_kept_statements", {})
    conv = conversation(small_system())
    participant_pass = joined(conv)
    stored = _cards(conv, participant_pass)
    signature = _signature(conv)
    found = selectors.voter_row(conv.public_id, participant_pass)
    assert found is not None
    participant_key = ConversationParticipant.objects.get(pk=found.participant_pk).key
    services.record_vote(conv.pk, found.participant_pk, stored[1][1], 1, "k" * 22, "")

    def read(given: int | None) -> tuple[Any, ...]:
        bound = [given is None, vote_queries._int8(signature if given is None else given)]
        args = ["published", *bound, conv.pk, participant_key, conv.public_id, conv.care_system_id]
        return tuple(plain_sql.run(vote_queries._voter_cards_sql, args, plain_sql.fetch_one))

    # The signature it was given: the voted ids, no statement arrays (the statements unread).
    *_, read_signature, voted, ids, public_ids, texts, clarifications, priorities = read(signature)
    assert read_signature == signature and voted == [stored[1][0]]
    assert ids is public_ids is texts is clarifications is priorities is None
    for other in (None, signature ^ 1, -signature - 1):  # none kept, or another signature
        *_, read_signature, voted, ids, public_ids, texts, clarifications, priorities = read(other)
        assert read_signature == signature and voted == [stored[1][0]]
        assert ids == [row[0] for row in stored] and texts == [row[2] for row in stored]

    # Rows kept with the stored signature are the card's (here planted: they show it)...
    planted = [(stored[0][0], "planted", "Planted.", "", 0.5), (stored[1][0], "p2", "P2", "", 1.0)]
    vote_queries._kept_statements[conv.pk] = (signature, planted)
    assert _cards(conv, participant_pass) == [(*planted[0], False), (*planted[1], True)]
    # ...rows kept with another signature are not: the stored ones are read and kept.
    vote_queries._kept_statements[conv.pk] = (signature ^ 1, planted)
    expected = [(*row[:5], row[0] == stored[1][0]) for row in stored]
    assert _cards(conv, participant_pass) == expected
    assert vote_queries._kept_statements[conv.pk] == (signature, [row[:5] for row in stored])


def test_at_most_the_set_number_of_conversations_are_kept_the_least_recently_read_dropped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(vote_queries, "_kept_statements", {})
    monkeypatch.setattr(vote_queries, "KEPT_CONVERSATIONS", 2)
    vote_queries._keep(1, 10, [])
    vote_queries._keep(2, 20, [])
    vote_queries._keep(1, 11, [])  # read again: now the most recent
    vote_queries._keep(3, 30, [])
    assert vote_queries._kept_statements == {1: (11, []), 3: (30, [])}
    vote_queries.forget_kept_statements()
    assert vote_queries._kept_statements == {}


_steps = st.lists(
    st.tuples(
        st.sampled_from(
            ["new", "reject", "publish", "edit", "clarify", "priority", "delete", "vote", "bulk"]
        ),
        st.integers(min_value=0, max_value=20),
        _words,
        st.floats(allow_nan=False, width=64),
    ),
    max_size=12,
)


def _change(step: str, picked: Statement, participant_pk: Any, words: str, number: float) -> None:
    one = Statement.objects.filter(pk=picked.pk)
    if step in ("reject", "publish"):
        one.update(status=Statement.Status.REJECTED if step == "reject" else "published")
    elif step == "edit":
        one.update(text=words or "x")
    elif step == "clarify":
        one.update(clarification=words)
    elif step == "priority":
        one.update(priority=number)
    elif step == "delete":
        picked.delete()
    elif picked.status == "published":  # a vote by the voter
        conv_pk = picked.conversation_id
        services.record_vote(conv_pk, participant_pk, picked.public_id, 1, key()[:22], "")


@postgresql_only
def test_kept_and_freshly_read_cards_are_the_same_for_any_changes_and_votes() -> None:
    system = small_system()
    conv, other = conversation(system), conversation(system)
    participant_pass = joined(conv)
    found = selectors.voter_row(conv.public_id, participant_pass)
    assert found is not None

    @settings(max_examples=40, deadline=None)
    @given(_steps)
    def alike(steps: list[tuple[str, int, str, float]]) -> None:
        with transaction.atomic():
            for step, n, words, number in steps:
                statements = list(Statement.objects.filter(conversation=conv).order_by("pk"))
                picked = statements[n % len(statements)] if statements else None
                if step == "new":
                    Statement.objects.create(
                        conversation=conv, text=words or "x", created_on=datetime.date.today()
                    )
                elif step == "bulk":  # another conversation's statements
                    Statement.objects.filter(conversation=other).update(priority=number)
                elif picked is not None:
                    _change(step, picked, found.participant_pk, words, number)
                # After each step: the card read (kept rows when the signature says so) is
                # the card the tables hold now.
                assert _cards(conv, participant_pass) == _stored_cards(conv, participant_pass)
            transaction.set_rollback(True)

    alike()


@pytest.mark.django_db(transaction=True)
def test_the_signature_migration_applies_and_reverses() -> None:
    from django.db.migrations.executor import MigrationExecutor

    conv = conversation(small_system())
    second = conversation(conv.care_system)
    before = [("conversations", "0011_record_vote_procedure")]
    latest = [("conversations", "0012_statements_signature")]
    triggers = (
        "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'conversations_statement'::regclass "
        "AND tgname LIKE 'conversations_statements_%%'"
    )

    def has_column() -> bool:
        with connection.cursor() as cursor:
            described = connection.introspection.get_table_description(
                cursor, Conversation._meta.db_table
            )
        return "statements_signature" in {c.name for c in described}

    def trigger_count() -> int:
        with connection.cursor() as cursor:
            cursor.execute(triggers)
            return int(cursor.fetchone()[0])

    MigrationExecutor(connection).migrate(before)
    assert not has_column()
    if connection.vendor == "postgresql":
        assert trigger_count() == 0
    MigrationExecutor(connection).migrate(latest)
    assert has_column()
    signatures = {_signature(conv), _signature(second)}
    assert len(signatures) == 2  # one random value each, not AddField's one for all
    if connection.vendor == "postgresql":
        assert trigger_count() == 4
        Statement.objects.filter(conversation=conv).update(priority=0.5)
        assert _signature(conv) not in signatures and _signature(second) in signatures
