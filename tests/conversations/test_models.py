"""The conversation models' schema (walkthetalk.conversations.models): the vote table keeps no
index of its own on ``conversation_id`` (the one-vote-per-statement constraint's index leads
with it), and every lookup of votes by conversation alone still finds them through an index.

The indexes on ``participant_id`` and ``statement_id`` stay (each is written on every vote):
every lookup of votes by participant or by statement alone needs one — the cascades when a
participant or a statement is deleted, the foreign keys' own check that no vote still names a
deleted row (SQLite's and PostgreSQL's, one search per deleted row), a participant's own votes
(``my_votes``, ``my_vote``, where they stand). The tests below read those plans."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.db.models import Count, QuerySet
from django.test.utils import CaptureQueriesContext

from walkthetalk.conversations import selectors
from walkthetalk.conversations.models import (
    Conversation,
    ConversationParticipant,
    Statement,
    Vote,
)

from ..caremap.factories import small_system
from . import factories

pytestmark = pytest.mark.django_db

VOTES = Vote._meta.db_table


def _plan(sql: str, params: Any = ()) -> list[str]:
    """The database's plan for ``sql``, one line per step; PostgreSQL is told not to scan a
    table it could search by an index (its test tables are too small to prefer an index)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            return [str(row[-1]) for row in cursor.fetchall()]
        cursor.execute("SET LOCAL enable_seqscan = off")
        try:
            cursor.execute(f"EXPLAIN {sql}", params)
            return [str(row[0]) for row in cursor.fetchall()]
        finally:
            cursor.execute("RESET enable_seqscan")


def _queryset_plan(qs: QuerySet[Any]) -> list[str]:
    sql, params = qs.query.sql_with_params()
    return _plan(sql, params)


def _scans_votes(plan: list[str]) -> list[str]:
    """The steps that read the whole vote table (or a whole index of it) instead of searching."""
    if connection.vendor == "sqlite":
        return [step for step in plan if step.startswith(f"SCAN {VOTES}")]
    return [step for step in plan if f"Seq Scan on {VOTES}" in step]


def _leading_columns(plan: list[str]) -> set[str]:
    """The first column of each index of the vote table the plan uses. A search by a column
    needs an index that leads with it: PostgreSQL also "searches" an index by a later column,
    by reading the whole index (shown as an Index Cond all the same)."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, VOTES)
    leading = {name: c["columns"][0] for name, c in constraints.items() if c["columns"]}
    return {
        column
        for name, column in leading.items()
        for step in plan
        if re.search(rf"\b(INDEX|Scan using|Index Scan on) {re.escape(name)}\b", step)
    }


def _conversation_with_votes() -> Conversation:
    conv = factories.conversation(small_system())
    factories.populate(conv, {"treatment": 3, "prevention": 2})
    return conv


def test_vote_conversation_has_no_index_of_its_own_but_leads_the_unique_one():
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, VOTES)
    indexes = [c["columns"] for c in constraints.values() if c["index"] or c["unique"]]
    assert ["conversation_id"] not in indexes
    assert ["conversation_id", "participant_id", "statement_id"] in indexes
    assert ["participant_id"] in indexes
    assert ["statement_id"] in indexes


def test_votes_counted_by_conversation_search_an_index():
    conv = _conversation_with_votes()
    tallies = (
        Vote.objects.filter(conversation_id=conv.pk)
        .values_list("statement_id", "value")
        .annotate(n=Count("pk"))
        .order_by()
    )
    plan = _queryset_plan(tallies)
    assert not _scans_votes(plan), plan
    assert any("conversation_id" in step for step in plan), plan


def test_votes_read_for_results_and_the_backlog_search_an_index():
    conv = _conversation_with_votes()
    published = Statement.Status.PUBLISHED
    snapshot = (
        Vote.objects.filter(conversation=conv, statement__status=published)
        .order_by("participant_id")
        .values_list("participant_id", "statement_id", "value", "participant__sector__name")
    )
    backlog = Vote.objects.filter(
        conversation__care_system=conv.care_system,
        statement__status=published,
        participant__sector__isnull=False,
    ).values("statement__public_id")  # selectors.statement_passes_by_sector
    for qs in (snapshot, backlog):
        plan = _queryset_plan(qs)
        assert not _scans_votes(plan), plan


def test_a_conversation_deleted_deletes_its_votes_through_an_index():
    conv = _conversation_with_votes()
    with CaptureQueriesContext(connection) as queries:
        conv.delete()
    assert not Vote.objects.filter(conversation_id=conv.pk).exists()
    vote_queries = [q["sql"] for q in queries.captured_queries if VOTES in q["sql"]]
    assert vote_queries
    for sql in vote_queries:
        plan = _plan(sql)
        assert not _scans_votes(plan), (sql, plan)


def _deletion_plans(row: ConversationParticipant | Statement) -> list[tuple[str, list[str]]]:
    """Delete ``row`` and return each statement of the cascade that reads the vote table, with
    its plan (read once the cascade is done, on the same schema)."""
    with CaptureQueriesContext(connection) as queries:
        row.delete()
    vote_queries = [q["sql"] for q in queries.captured_queries if VOTES in q["sql"]]
    assert vote_queries
    return [(sql, _plan(sql)) for sql in vote_queries]


@pytest.mark.parametrize("kind", ["participant", "statement"])
def test_a_participant_or_statement_deleted_alone_deletes_its_votes_through_an_index(kind):
    conv = _conversation_with_votes()
    row = (
        ConversationParticipant.objects.filter(conversation=conv).first()
        if kind == "participant"
        else conv.statements.first()
    )
    assert row is not None and row.votes.exists()
    column = f"{kind}_id"
    pk = row.pk
    plans = _deletion_plans(row)
    for sql, plan in plans:
        assert not _scans_votes(plan), (sql, plan)
    assert any(column in _leading_columns(plan) for _, plan in plans), plans
    assert not Vote.objects.filter(**{column: pk}).exists()


@pytest.mark.parametrize("column", ["participant_id", "statement_id"])
def test_the_foreign_keys_own_check_searches_an_index(column):
    # Deleting a participant or a statement makes the database look for a vote still naming
    # it (SQLite's foreign key check, PostgreSQL's referential trigger), by that column alone.
    conv = _conversation_with_votes()
    vote = Vote.objects.filter(conversation=conv).first()
    assert vote is not None
    sql = f"SELECT 1 FROM {VOTES} x WHERE {column} = %s"  # noqa: S608 (our names)
    if connection.vendor == "postgresql":
        sql += " FOR KEY SHARE OF x"  # as PostgreSQL's RI_FKey_noaction_del asks
    field = Vote._meta.get_field(column.removesuffix("_id"))
    plan = _plan(sql, [field.get_db_prep_value(getattr(vote, column), connection)])
    assert not _scans_votes(plan), plan
    assert column in _leading_columns(plan), plan


def test_a_participants_own_votes_are_read_through_an_index():
    conv = _conversation_with_votes()
    vote = Vote.objects.filter(conversation=conv).select_related("participant", "statement").first()
    assert vote is not None
    participant, statement = vote.participant, vote.statement
    published = Statement.Status.PUBLISHED
    mine = Vote.objects.filter(participant=participant, statement__status=published)
    reads = [
        mine.select_related("statement").order_by("statement__text"),  # selectors.my_votes
        mine.filter(statement__public_id=statement.public_id),  # selectors.my_vote
        mine.values_list("statement__public_id", "value").order_by(),  # where_i_stand
    ]
    for qs in reads:
        plan = _queryset_plan(qs)
        assert not _scans_votes(plan), plan
        # my_vote: SQLite finds the statement by its public id, then its votes by statement
        assert _leading_columns(plan) & {"participant_id", "statement_id"}, plan
    assert selectors.my_votes(conv, participant)
    assert selectors.my_vote(participant, statement.public_id) == vote
