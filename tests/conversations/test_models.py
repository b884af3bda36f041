"""The conversation models' schema (walkthetalk.conversations.models): the vote table keeps no
index of its own on ``conversation_id`` (the one-vote-per-statement constraint's index leads
with it), and every lookup of votes by conversation alone still finds them through an index."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.models import Count, QuerySet
from django.test.utils import CaptureQueriesContext

from walkthetalk.conversations.models import Conversation, Statement, Vote

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
