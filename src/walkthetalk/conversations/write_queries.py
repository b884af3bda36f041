"""The SQL of writing a statement, written out once per process.

Writing a statement is three requests (the page, the near-duplicate check while typing, the
write), each of which needs the conversation and the writer's participant row, and the check
needs the published list's signature and the statements it shows. Built as ORM querysets
these cost more than everything else the requests do (about 1 ms of Python each, against
0.1 ms for the same statement written out); so, as for the vote
(:mod:`~walkthetalk.conversations.vote_queries`), they are plain SQL for SQLite and PostgreSQL
alike, run through :func:`.plain_sql.run` (SQLite's own cursor, PostgreSQL's prepared
statements, Django's error translation and query log kept); the statement whose
text varies (the shown list's ids) goes through :func:`.plain_sql.cursor`. Table and column
names come from the models; every value is a parameter (hence ruff's S608 is off for this
module only).
:mod:`~walkthetalk.conversations.selectors` and
:mod:`~walkthetalk.conversations.near_duplicates` turn the rows into objects.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from walkthetalk.conversations import plain_sql
from walkthetalk.conversations.models import (
    Conversation,
    ConversationParticipant,
    ModerationDecision,
    Statement,
)
from walkthetalk.conversations.plain_sql import (
    columns,
    fetch_all,
    fetch_one,
    run,
    table,
)

CONVERSATION_FIELDS = (
    "id",
    "public_id",
    "care_system",
    "title",
    "question",
    "moderation",
    "status",
    "agreements_version",
    "moderation_policy",
)
"""The conversation's columns the write page, the check and the write use (plain text and
numbers: no conversion); any other loads when touched."""

SHOWN_FIELDS = ("id", "public_id", "text")
"""What the near-duplicate list shows of a statement (and its id)."""


# --- the writer: their participant row and the conversation, in one query -----------------


@functools.cache
def _writer_sql(vendor: str) -> str:
    p, c = columns(ConversationParticipant), columns(Conversation)
    conversation = ", ".join(f"c.{c[name]}" for name in CONVERSATION_FIELDS)
    return (
        f"SELECT p.{p['id']}, p.{p['agreements_version']}, {conversation} "
        f"FROM {table(ConversationParticipant)} p "
        f"JOIN {table(Conversation)} c ON c.{c['id']} = p.{p['conversation']} "
        f"WHERE p.{p['conversation']} = %s AND p.{p['key']} = %s "
        f"AND c.{c['public_id']} = %s AND c.{c['care_system']} = %s AND c.{c['status']} <> %s"
    )


def fetch_writer(
    conversation_pk: int, public_id: str, care_system_id: int, key: str
) -> tuple[Any, ...] | None:
    """(participant id, participant's agreements version, *conversation fields* in the order
    of :data:`CONVERSATION_FIELDS`) in a conversation that is not a draft, or None."""
    row = run(
        _writer_sql,
        [conversation_pk, key, public_id, care_system_id, Conversation.Status.DRAFT],
        fetch_one,
    )
    return tuple(row) if row is not None else None


# --- the write: the author, whether the text is there already, how many they wrote ---------


@functools.cache
def _author_sql(vendor: str) -> str:
    p, s = columns(ConversationParticipant), columns(Statement)
    statements = table(Statement)
    return (
        f"SELECT p.{p['id']}, p.{p['agreements_version']}, "
        f"EXISTS (SELECT 1 FROM {statements} s WHERE s.{s['conversation']} = %s "
        f"AND UPPER(s.{s['text']}) = UPPER(%s)), "
        f"(SELECT COUNT(*) FROM {statements} s WHERE s.{s['conversation']} = %s "
        f"AND s.{s['author']} = p.{p['id']}) "
        f"FROM {table(ConversationParticipant)} p "
        f"WHERE p.{p['conversation']} = %s AND p.{p['key']} = %s"
    )


def fetch_author(conversation_pk: int, key: str, text: str) -> tuple[Any, int, bool, int] | None:
    """(participant id, participant's agreements version, whether a statement of this text
    is in the conversation already in any case — what Django's ``iexact`` finds, on SQLite and
    PostgreSQL alike —, how many statements the participant wrote) or None (not joined)."""
    row = run(
        _author_sql, [conversation_pk, text, conversation_pk, conversation_pk, key], fetch_one
    )
    if row is None:
        return None
    participant_id, version, there, written = row
    return (
        ConversationParticipant._meta.pk.to_python(participant_id),
        int(version),
        bool(there),
        int(written),
    )


# --- the near-duplicate check --------------------------------------------------------------


@functools.cache
def _signature_sql(vendor: str) -> str:
    s, d = columns(Statement), columns(ModerationDecision)
    return (
        f"SELECT COUNT(*), MAX(s.{s['id']}), (SELECT COUNT(*) FROM {table(ModerationDecision)} d "
        f"WHERE d.{d['conversation']} = %s) "
        f"FROM {table(Statement)} s WHERE s.{s['conversation']} = %s AND s.{s['status']} = %s"
    )


def fetch_signature(conversation_pk: int) -> tuple[int, int, int]:
    """(published statements, the highest published id or 0, moderation decisions ever
    recorded) of a conversation."""
    n, last, decisions = run(
        _signature_sql, [conversation_pk, conversation_pk, Statement.Status.PUBLISHED], fetch_one
    )
    return int(n), int(last or 0), int(decisions)


@functools.cache
def _published_after_sql(vendor: str) -> str:
    s = columns(Statement)
    return (
        f"SELECT {s['id']}, {s['text']} FROM {table(Statement)} "
        f"WHERE {s['conversation']} = %s AND {s['status']} = %s AND {s['id']} > %s "
        f"ORDER BY {s['id']}"
    )


def fetch_published_after(conversation_pk: int, last: int) -> list[tuple[int, str]]:
    """(id, text) of the published statements with an id above ``last``, by id."""
    rows = run(_published_after_sql, [conversation_pk, Statement.Status.PUBLISHED, last], fetch_all)
    return [(int(pk), text) for pk, text in rows]


def fetch_published(conversation_pk: int, pks: Sequence[int]) -> list[tuple[Any, ...]]:
    """(:data:`SHOWN_FIELDS`) of those of ``pks`` that are published now, in no set order."""
    if not pks:
        return []
    s = columns(Statement)
    fields = ", ".join(s[name] for name in SHOWN_FIELDS)
    marks = ", ".join(["%s"] * len(pks))
    with plain_sql.cursor() as cursor:
        cursor.execute(
            f"SELECT {fields} FROM {table(Statement)} "
            f"WHERE {s['conversation']} = %s AND {s['status']} = %s AND {s['id']} IN ({marks})",
            [conversation_pk, Statement.Status.PUBLISHED, *pks],
        )
        return [tuple(row) for row in cursor.fetchall()]
