"""The vote round trip's SQL (walkthetalk.conversations.vote_queries): on SQLite it runs on the
DB-API cursor with ``?`` placeholders, keeping Django's error translation, broken-transaction
check and query log."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, transaction
from django.db.transaction import TransactionManagementError
from django.test import Client
from django.test.utils import CaptureQueriesContext

from walkthetalk.conversations import selectors, services, vote_queries
from walkthetalk.conversations.models import Vote

from ..caremap.factories import small_system
from .factories import LockedOnVote, accepted_client, conversation, joined, vote_form

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
    # voter, card rows, upsert, refresh flag: what SQLite ran is what the query log counts,
    # written with ? placeholders (Django's wrapper would have rewritten %s itself).
    assert len(ran) == len(queries) == 4
    assert all("%s" not in s for s in ran)
    assert [q["sql"].split()[0] for q in queries] == ["SELECT", "SELECT", "INSERT", "UPDATE"]
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
        vote_queries._qmark(lambda vendor: "SELECT 1 WHERE a LIKE '%x' AND b = %s")


@sqlite_only
def test_a_locked_database_on_the_vote_answers_503_and_stores_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    conv = conversation(small_system())
    client: Client = accepted_client(conv)
    client.raise_request_exception = False
    form = {**vote_form(client, conv), "choice": "agree"}
    with monkeypatch.context() as patch:
        db = connections[DEFAULT_DB_ALIAS]
        patch.setattr(db, "connection", LockedOnVote(db.connection))
        busy = client.post(f"/conversations/{conv.public_id}/vote/", form)
    assert busy.status_code == 503 and busy["Retry-After"] == "30"
    assert not Vote.objects.exists()
    assert client.post(f"/conversations/{conv.public_id}/vote/", form).status_code == 302
    assert Vote.objects.count() == 1
