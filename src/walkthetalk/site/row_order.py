"""Rows that participants write keep no physical order on SQLite.

Every ordinary SQLite table has a hidden ``rowid`` given in insertion order, even when its
primary key is a random UUID: sorting answers, votes or concerns by it pairs them with anything
else whose order is known (which invitation was used when, who walked into a room first). The
tables below are therefore kept as ``WITHOUT ROWID`` tables, stored in the order of their
random primary keys, with no insertion order to read.

Django's migrations recreate a table without that clause when they alter it, so
:func:`keep_participant_rows_unordered` runs after every ``migrate`` (``post_migrate``) and
rebuilds any of these tables that lost it. PostgreSQL has no ``rowid``; its transaction ids
(``xmin``) and physical positions (``ctid``) are a residual risk described in
``docs/anonymity.md``.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps as global_apps
from django.db import connections

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
