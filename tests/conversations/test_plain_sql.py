"""How the plain statements run on PostgreSQL (walkthetalk.conversations.plain_sql): served in
autocommit, prepared once per connection and run with libpq's own calls, giving what psycopg's
prepared-statement cursor gives, with the same errors; inside a transaction, on that cursor."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

import psycopg
import pytest
from django.db import DataError, OperationalError, ProgrammingError, connection, transaction
from hypothesis import given, settings
from hypothesis import strategies as st

from walkthetalk.conversations import plain_sql, selectors, services, vote_queries
from walkthetalk.conversations.models import Conversation, Vote

from ..caremap.factories import small_system
from .factories import accepted_client, conversation, joined, lock_votes, vote_form

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="libpq's calls: PostgreSQL's"),
    pytest.mark.django_db(transaction=True),  # autocommit, as served
]


def _six(vendor: str) -> str:
    return "SELECT %s, %s, %s, %s, %s, %s"


def _by_cursor(sql_of: Any, params: list[Any]) -> list[tuple[Any, ...]]:
    """The statement on psycopg's prepared-statement cursor, as before."""
    with connection.wrap_database_errors:
        held = plain_sql._postgresql_cursor(connection.connection)
        held.execute(sql_of("postgresql"), params)
        return [tuple(row) for row in held.fetchall()]


def _outcome(run: Any) -> str:
    try:
        return repr(run())
    except Exception as error:  # noqa: BLE001 — the error is the outcome compared
        return type(error).__name__


_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=40),
    st.dates(),
    st.uuids(),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(_values, min_size=6, max_size=6))
def test_a_statement_gives_what_psycopgs_cursor_gives_or_the_same_error(values: list[Any]) -> None:
    connection.ensure_connection()
    assert connection.connection.autocommit
    by_libpq = _outcome(lambda: plain_sql.run(_six, values, plain_sql.fetch_all))
    assert by_libpq == _outcome(lambda: _by_cursor(_six, values))


def _prepared() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, statement FROM pg_prepared_statements")
        return {name: sql for name, sql in cursor.fetchall() if name.startswith("wtt_plain_")}


def _vote(conv: Any, found: Any, statement: str, key: str) -> None:
    assert services.record_vote(
        found.conversation_pk, found.participant_pk, statement, 1, key * 22, ""
    )


def test_the_vote_statements_are_prepared_once_per_connection_and_answer_as_the_cursor() -> None:
    conv = conversation(small_system())
    participant_pass = joined(conv)
    found = selectors.voter_row(conv.public_id, participant_pass, cards=True)
    assert found is not None and found.cards
    _vote(conv, found, found.cards[0][1], "a")
    prepared = _prepared()
    assert any(sql.startswith("CALL conversations_record_vote(") for sql in prepared.values())
    assert any("array_agg" in sql for sql in prepared.values())
    again = selectors.voter_row(conv.public_id, participant_pass, cards=True)
    assert again is not None and again.cards is not None
    _vote(conv, again, again.cards[1][1], "b")
    assert _prepared() == prepared  # executed again, not prepared again
    # What the cursor reads for the same statement and values.
    params = [
        "published",
        False,  # the statements read if the signature differs from the one given
        vote_queries._int8(0),
        conv.pk,
        selectors.participant_key(conv.pk, participant_pass),
        conv.public_id,
        conv.care_system_id,
    ]
    by_cursor = _by_cursor(vote_queries._voter_cards_sql, params)
    assert [plain_sql.run(vote_queries._voter_cards_sql, params, plain_sql.fetch_one)] == by_cursor
    # A new connection prepares its own.
    connection.close()
    assert selectors.voter_row(conv.public_id, participant_pass, cards=True) is not None
    assert len(_prepared()) == 1


def test_a_rollback_on_the_connection_does_not_lose_its_statements() -> None:
    # Inside a transaction the statements run on psycopg's prepared-statement cursor, which
    # psycopg keeps in its own cache; it ends a rollback with DEALLOCATE ALL when that cache
    # has any, and the statements prepared by libpq's calls are gone with them: they are
    # prepared again, not answered with "prepared statement does not exist".
    conv = conversation(small_system())
    participant_pass = joined(conv)
    assert selectors.voter_row(conv.public_id, participant_pass, cards=True) is not None
    before = set(_prepared())
    assert before
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        Conversation.objects.filter(pk=conv.pk).update(title="changed, then rolled back")
        assert selectors.voter_row(conv.public_id, participant_pass, cards=True) is not None
        raise ZeroDivisionError
    assert _prepared() == {}  # the server forgot them
    found = selectors.voter_row(conv.public_id, participant_pass, cards=True)
    assert found is not None and found.conversation["title"] == conv.title
    assert set(_prepared()) == before
    with connection.cursor() as cur:
        cur.execute("DISCARD ALL")
    assert selectors.voter_row(conv.public_id, participant_pass, cards=True) is not None


def _missing_table(vendor: str) -> str:
    return "UPDATE no_such_table SET a = %s"


def _divide(vendor: str) -> str:
    return "SELECT 1 / %s"


def test_a_failing_statement_raises_djangos_error_and_marks_the_connection() -> None:
    connection.ensure_connection()
    connection.errors_occurred = False
    with pytest.raises(ProgrammingError):
        plain_sql.run(_missing_table, [1], plain_sql.row_count)
    assert connection.errors_occurred
    with pytest.raises(DataError):
        plain_sql.run(_divide, [0], plain_sql.fetch_one)
    assert plain_sql.run(_divide, [1], plain_sql.fetch_one) == (1,)  # still usable


def test_a_lost_connection_is_djangos_operational_error() -> None:
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    params = connection.get_connection_params()
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
    connection.errors_occurred = False
    with pytest.raises(OperationalError):
        plain_sql.run(_divide, [1], plain_sql.fetch_one)
    assert connection.errors_occurred and not connection.is_usable()
    connection.close()


def test_inside_a_transaction_a_statement_is_the_transactions() -> None:
    """psycopg begins the transaction for the statement: it is rolled back with it."""
    conv = conversation(small_system())
    services.clear_refresh_flag(conv.pk)
    with transaction.atomic():
        assert vote_queries.flag_refresh(conv.pk)
        transaction.set_rollback(True)
    assert not Conversation.objects.get(pk=conv.pk).refresh_pending
    assert vote_queries.flag_refresh(conv.pk)  # outside: its own, committed
    assert Conversation.objects.get(pk=conv.pk).refresh_pending


def test_a_percent_sign_other_than_a_placeholder_is_refused() -> None:
    with pytest.raises(ValueError, match="%"):
        plain_sql._numbered(lambda vendor: "SELECT 1 WHERE a LIKE '%x' AND b = %s")


def test_dates_and_ids_are_bound_as_the_cursor_binds_them() -> None:
    values = [datetime.date(2026, 12, 4), uuid.UUID(int=7), 2**40, "día", None, 1.5]
    assert plain_sql.run(_six, values, plain_sql.fetch_all) == _by_cursor(_six, values)


def test_a_locked_database_on_a_served_vote_answers_503_and_stores_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    conv = conversation(small_system())
    client = accepted_client(conv)
    client.raise_request_exception = False
    form = {**vote_form(client, conv), "choice": "agree"}
    with monkeypatch.context() as patch:
        lock_votes(patch)  # the CALL, run by libpq's calls in autocommit
        busy = client.post(f"/conversations/{conv.public_id}/vote/", form)
    assert busy.status_code == 503 and busy["Retry-After"] == "30"
    assert not Vote.objects.exists()
    assert client.post(f"/conversations/{conv.public_id}/vote/", form).status_code == 302
    assert Vote.objects.count() == 1
