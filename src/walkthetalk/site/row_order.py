"""Rows that participants write keep no order that pairs them with anything.

**SQLite.** Every ordinary SQLite table has a hidden ``rowid`` given in insertion order, even
when its primary key is a random UUID: sorting answers, votes or concerns by it pairs them with
anything else whose order is known (which invitation was used when, who walked into a room
first). The tables below are therefore kept as ``WITHOUT ROWID`` tables, stored in the order of
their random primary keys, with no insertion order to read. Django's migrations recreate a table
without that clause when they alter it, so :func:`keep_participant_rows_unordered` runs after
every ``migrate`` (``post_migrate``) and rebuilds any of these tables that lost it.

**PostgreSQL** stamps every row with the id of the transaction that wrote it (``xmin``: rows
written in one transaction share it, and ids grow with time) and stores rows roughly in the
order they were written (``ctid``); ``VACUUM FULL`` and ``CLUSTER`` keep both. So
:func:`shuffle_participant_rows` — the worker's clock runs it every ``SHUFFLE_EVERY`` on the
wall clock (:mod:`walkthetalk.site.clock`) — rewrites these tables, and every table that points
at them, in one transaction: it copies their rows aside, empties them with ``TRUNCATE`` (new
files; the old ones are deleted at commit) and writes the rows back in a random order. Then
every row of every one of these tables has the same ``xmin`` (the rewrite's) and a position
that says nothing. Rows written since the last rewrite keep their order until the next one;
what remains (the write-ahead log, backups taken in between) is described in
``docs/anonymity.md``. Foreign keys are dropped for the rewrite and added back (checked) before
it commits.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.apps import apps as global_apps
from django.db import connections, transaction

SHUFFLE_EVERY = dt.timedelta(hours=1)
"""How often the clock rewrites participant tables on PostgreSQL (at fixed times: 10:00, …)."""

PARTICIPANT_MODELS = (
    "pulse.Response",
    "conversations.ConversationParticipant",
    "conversations.Vote",
    "conversations.ClarificationRequest",
    "agenda.AvoidedIssue",
    "agenda.IssueRating",
    "agenda.SeenRequest",
    "agenda.GatheringAcceptance",
    "messenger.Concern",
    "messenger.Reply",
)
"""Models whose rows follow a participant's action (answers, votes, concerns, …)."""


def participant_tables() -> list[str]:
    return [global_apps.get_model(label)._meta.db_table for label in PARTICIPANT_MODELS]


def has_rowid(using: str, table: str) -> bool:
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = %s", [table])
        row = cursor.fetchone()
    return row is not None and "WITHOUT ROWID" not in row[0].upper()


def drop_rowid(using: str, table: str) -> None:
    """Rebuild ``table`` as a ``WITHOUT ROWID`` table with the same columns, rows and indexes."""
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = %s", [table])
        (create,) = cursor.fetchone()
        cursor.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
            "AND sql IS NOT NULL",
            [table],
        )
        indexes = [sql for (sql,) in cursor.fetchall()]
    quoted, new = f'"{table}"', f'"new__{table}"'
    prefix = f"CREATE TABLE {quoted}"
    if not create.startswith(prefix):
        raise RuntimeError(f"Unexpected definition of {table}: {create[:80]}")
    # The schema editor turns foreign-key checks off while the table is swapped, as Django's
    # own table rebuilds do.
    with connection.schema_editor(atomic=True) as editor:
        editor.execute(f"CREATE TABLE {new}{create[len(prefix) :]} WITHOUT ROWID", None)
        editor.execute(f"INSERT INTO {new} SELECT * FROM {quoted}", None)  # noqa: S608
        editor.execute(f"DROP TABLE {quoted}", None)
        editor.execute(f"ALTER TABLE {new} RENAME TO {quoted}", None)
        for index in indexes:
            editor.execute(index, None)


def keep_participant_rows_unordered(using: str = "default", **kwargs: Any) -> list[str]:
    """Rebuild every participant table of an SQLite database that has a ``rowid``; returns
    the tables rebuilt (none on PostgreSQL, or when all are already without one)."""
    if connections[using].vendor != "sqlite":
        return []
    rebuilt = [table for table in participant_tables() if has_rowid(using, table)]
    for table in rebuilt:
        drop_rowid(using, table)
    return rebuilt


def referencing_closure(using: str, tables: list[str]) -> list[str]:
    """``tables`` and every table that points at one of them by a foreign key, recursively
    (PostgreSQL's ``TRUNCATE`` must empty all of them together)."""
    found = list(dict.fromkeys(tables))
    with connections[using].cursor() as cursor:
        i = 0
        while i < len(found):
            cursor.execute(
                "SELECT DISTINCT conrelid::regclass::text FROM pg_constraint "
                "WHERE contype = 'f' AND confrelid = %s::regclass",
                [found[i]],
            )
            for (name,) in cursor.fetchall():
                name = name.strip('"')
                if name not in found:
                    found.append(name)
            i += 1
    return found


def distinct_writers(using: str, tables: list[str]) -> int:
    """How many different transaction ids (``xmin``) the rows of ``tables`` carry together."""
    rows = " UNION ALL ".join(f'SELECT xmin::text AS x FROM "{t}"' for t in tables)  # noqa: S608
    with connections[using].cursor() as cursor:
        cursor.execute(f"SELECT count(DISTINCT x) FROM ({rows}) AS writers")  # noqa: S608
        (count,) = cursor.fetchone()
    return int(count)


def shuffle_participant_rows(using: str = "default", *, force: bool = False) -> list[str]:
    """On PostgreSQL, rewrite the participant tables (and those pointing at them) in a random
    order, in one transaction, unless their rows already share one ``xmin`` (nothing written
    since the last rewrite; ``force`` rewrites anyway). Returns the tables rewritten (none on
    SQLite, whose tables have no insertion order to begin with)."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return []
    tables = referencing_closure(using, participant_tables())
    if not force and distinct_writers(using, tables) <= 1:
        return []
    quoted = ", ".join(f'"{t}"' for t in tables)
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {quoted} IN ACCESS EXCLUSIVE MODE")
        # Foreign keys are dropped and added back around the rewrite: adding one checks every
        # row in one query, where keeping it would check each row written back one by one.
        keys = foreign_keys(cursor, tables)
        for table, name, _ in keys:
            cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
        for i, table in enumerate(tables):
            cursor.execute(f'CREATE TEMP TABLE "wtt_shuffle_{i}" AS SELECT * FROM "{table}"')  # noqa: S608
        cursor.execute(f"TRUNCATE {quoted}")
        for i, table in enumerate(tables):
            cursor.execute(
                f'INSERT INTO "{table}" SELECT * FROM "wtt_shuffle_{i}" ORDER BY random()'  # noqa: S608
            )
            cursor.execute(f'DROP TABLE "wtt_shuffle_{i}"')
        for table, name, definition in keys:
            cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
    return tables


def foreign_keys(cursor: Any, tables: list[str]) -> list[tuple[str, str, str]]:
    """(table, name, definition) of every foreign key held by one of ``tables``."""
    cursor.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE contype = 'f' AND conrelid = ANY(%s::regclass[]) ORDER BY 1, 2",
        [tables],
    )
    return [(table.strip('"'), name, definition) for table, name, definition in cursor.fetchall()]
