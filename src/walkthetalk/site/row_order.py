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
order they were written (``ctid``); ``VACUUM FULL`` and ``CLUSTER`` keep both, and an
``UPDATE`` keeps a row in its page when there is room (a HOT update), so shuffling by updates
would keep page-level order. So :func:`shuffle_participant_rows` — the worker's clock runs it
every ``SHUFFLE_EVERY`` on the wall clock (:mod:`walkthetalk.site.clock`) — replaces each of
these tables with a copy written in a random order, the way ``pg_repack`` rebuilds a table
online, without holding votes up:

1. a trigger notes the key of every row written, changed or deleted from then on (in an
   unlogged table);
2. in one transaction, each table is copied in a random order into a new table and given its
   indexes, while participants keep writing (the copy holds only a reader's lock);
3. the same transaction then locks the tables (giving way and trying again whenever a lock is
   not granted within ``LOCK_TIMEOUT_MS``, long before PostgreSQL's deadlock check would
   cancel a vote caught in a lock cycle with it), replays the
   noted rows onto the copies, drops the old tables (their files are deleted at commit) and
   renames the copies, their indexes and constraints to the old names (each copy takes its
   table's owner, privileges and comments), putting the foreign keys back ``NOT VALID`` (each
   new row is still checked);
4. after the commit the foreign keys are validated, which holds no writer up.

Then every row of every one of these tables has the same ``xmin`` (the rewrite's) and a
position that says nothing, except that rows written during the copy sit after the others
(in a random order among themselves). Rows written since the last rewrite keep their order
until the next one; what remains (the write-ahead log, backups taken in between) is described
in ``docs/anonymity.md``. An interrupted rewrite leaves the tables as they were, and its
leftovers are removed then or at the next tick.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import time
from collections.abc import Callable
from typing import Any

from django.apps import apps as global_apps
from django.db import OperationalError, connections, transaction

SHUFFLE_EVERY = dt.timedelta(hours=1)
"""How often the clock rewrites participant tables on PostgreSQL (at fixed times: 10:00, …)."""

LOCK_TIMEOUT_MS = 200
"""How long the rewrite waits for a lock before backing off and trying again. Shorter than
PostgreSQL's ``deadlock_timeout`` (1 s), so a vote caught in a lock cycle with the rewrite is
never the one cancelled: the rewrite gives way first."""

LOCK_ATTEMPTS = 100
"""How often the rewrite tries for its brief locks before giving up until the next tick."""

LOG_TABLE = "wtt_row_order_log"
NOTE_FUNCTION = "wtt_row_order_note"
TRIGGER = "wtt_row_order_note"
ADVISORY_KEY = 0x57545452  # one rewrite at a time, whichever worker's clock fires
COPY_PREFIX = "wtt_shuffled_"

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


def distinct_writers(using: str, tables: list[str]) -> int:
    """How many different transaction ids (``xmin``) the rows of ``tables`` carry together."""
    rows = " UNION ALL ".join(f'SELECT xmin::text AS x FROM "{t}"' for t in tables)  # noqa: S608
    with connections[using].cursor() as cursor:
        cursor.execute(f"SELECT count(DISTINCT x) FROM ({rows}) AS writers")  # noqa: S608
        (count,) = cursor.fetchone()
    return int(count)


def shuffle_participant_rows(
    using: str = "default",
    *,
    force: bool = False,
    after_copy: Callable[[], None] | None = None,
) -> list[str]:
    """On PostgreSQL, rewrite the participant tables in a random order unless their rows already
    share one ``xmin`` (nothing written since the last rewrite; ``force`` rewrites anyway).
    Returns the tables rewritten (none on SQLite, whose tables have no insertion order to begin
    with, or while another rewrite is running). ``after_copy`` (tests) runs once the shuffled
    copies are built, before the brief lock.

    Votes are not held up: the copies are built while everyone keeps writing (changes made
    meanwhile are noted by a trigger and replayed), and the participant tables are locked only
    to replay those changes and swap the copies in."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return []
    tables = participant_tables()
    if not force and distinct_writers(using, tables) <= 1:
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [ADVISORY_KEY])
        (alone,) = cursor.fetchone()
    if not alone:
        return []
    try:
        _clear_leftovers(using, tables)
        _note_changes(using, tables)
        keys = _rewrite(using, tables, after_copy)
        with connection.cursor() as cursor:
            for table, name, _ in keys:  # checks every row without holding writers up
                cursor.execute(f'ALTER TABLE "{table}" VALIDATE CONSTRAINT "{name}"')
            for table in tables:
                cursor.execute(f'ANALYZE "{table}"')
    finally:
        try:
            _clear_leftovers(using, tables)
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [ADVISORY_KEY])
    return tables


def _lock_not_granted(error: OperationalError) -> bool:
    return getattr(error.__cause__, "sqlstate", None) in {"55P03", "40P01"}


def _briefly(using: str, cursor: Any, statements: list[str]) -> None:
    """Run ``statements``, which take locks, in a savepoint; while a lock is not granted within
    ``LOCK_TIMEOUT_MS`` (the transaction sets it), give way and try again."""
    for attempt in range(LOCK_ATTEMPTS):
        try:
            with transaction.atomic(using=using):
                for sql in statements:
                    cursor.execute(sql)
            return
        except OperationalError as error:
            if not _lock_not_granted(error) or attempt == LOCK_ATTEMPTS - 1:
                raise
            time.sleep((50 + secrets.randbelow(200)) / 1000)


def _set_lock_timeout(cursor: Any) -> None:
    cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT_MS}ms'")


def _clear_leftovers(using: str, tables: list[str]) -> None:
    """Remove what an interrupted rewrite left: its triggers, change log and copies."""
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        _set_lock_timeout(cursor)
        cursor.execute(
            "SELECT DISTINCT tgrelid::regclass::text FROM pg_trigger WHERE tgname IN (%s, %s)",
            [TRIGGER, TRIGGER + "_all"],
        )
        marked = [name.strip('"') for (name,) in cursor.fetchall()]
        _briefly(
            using,
            cursor,
            [
                f'DROP TRIGGER IF EXISTS "{trigger}" ON "{table}"'
                for table in marked
                for trigger in (TRIGGER, TRIGGER + "_all")
            ],
        )
        for i in range(len(tables)):
            cursor.execute(f'DROP TABLE IF EXISTS "{COPY_PREFIX}{i}"')
        cursor.execute(f'DROP TABLE IF EXISTS "{LOG_TABLE}"')
        cursor.execute(f'DROP FUNCTION IF EXISTS "{TRIGGER}"()')


def _note_changes(using: str, tables: list[str]) -> None:
    """From now on, note the key of every row of ``tables`` written, changed or deleted (and
    every ``TRUNCATE``) in an unlogged table, so the copies can catch up under the lock."""
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        _set_lock_timeout(cursor)
        cursor.execute(f'CREATE UNLOGGED TABLE "{LOG_TABLE}" (tab text NOT NULL, key text)')
        cursor.execute(
            f'CREATE FUNCTION "{TRIGGER}"() RETURNS trigger LANGUAGE plpgsql AS $$ '  # noqa: S608
            "BEGIN "
            "IF TG_LEVEL = 'STATEMENT' THEN "
            f'INSERT INTO "{LOG_TABLE}" VALUES (TG_TABLE_NAME, NULL); RETURN NULL; END IF; '
            "IF TG_OP <> 'INSERT' THEN "
            f'INSERT INTO "{LOG_TABLE}" VALUES (TG_TABLE_NAME, to_jsonb(OLD) ->> TG_ARGV[0]); '
            "END IF; "
            "IF TG_OP <> 'DELETE' THEN "
            f'INSERT INTO "{LOG_TABLE}" VALUES (TG_TABLE_NAME, to_jsonb(NEW) ->> TG_ARGV[0]); '
            "END IF; "
            "RETURN NULL; END $$"
        )
        statements = []
        for table in tables:
            key = _primary_key(cursor, table)[0]
            statements += [
                f'CREATE TRIGGER "{TRIGGER}" AFTER INSERT OR UPDATE OR DELETE ON "{table}" '
                f"FOR EACH ROW EXECUTE FUNCTION \"{TRIGGER}\"('{key}')",
                f'CREATE TRIGGER "{TRIGGER}_all" AFTER TRUNCATE ON "{table}" '
                f"FOR EACH STATEMENT EXECUTE FUNCTION \"{TRIGGER}\"('{key}')",
            ]
        _briefly(using, cursor, statements)


def _primary_key(cursor: Any, table: str) -> tuple[str, str]:
    """(column, type) of ``table``'s one-column primary key; refuses what the rewrite cannot
    carry over (generated keys with a sequence, keys of several columns)."""
    cursor.execute(
        "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_index i "
        "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
        "WHERE i.indrelid = %s::regclass AND i.indisprimary",
        [f'"{table}"'],
    )
    rows = cursor.fetchall()
    cursor.execute(
        "SELECT count(*) FROM pg_attribute a LEFT JOIN pg_attrdef d "
        "ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
        "WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped "
        "AND (a.attidentity <> '' OR pg_get_expr(d.adbin, d.adrelid) LIKE 'nextval(%%')",
        [f'"{table}"'],
    )
    (sequenced,) = cursor.fetchone()
    if len(rows) != 1 or sequenced:
        raise RuntimeError(f"{table}: the rewrite needs one random key and no sequence")
    return rows[0][0], rows[0][1]


def _indexes(cursor: Any, table: str) -> list[tuple[str, str, str | None, str, str]]:
    """(index name, definition, 'PRIMARY KEY'/'UNIQUE'/None, constraint name, its timing) for
    every index of ``table``."""
    cursor.execute(
        "SELECT ic.relname, pg_get_indexdef(i.indexrelid), c.contype, c.conname, "
        "c.condeferrable, c.condeferred FROM pg_index i "
        "JOIN pg_class ic ON ic.oid = i.indexrelid "
        "LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid "
        "AND c.contype IN ('p', 'u', 'x') "
        "WHERE i.indrelid = %s::regclass ORDER BY 1",
        [f'"{table}"'],
    )
    found = []
    for name, definition, kind, constraint, deferrable, deferred in cursor.fetchall():
        if kind == "x":
            raise RuntimeError(f"{table}: exclusion constraints are not carried over")
        timing = (" DEFERRABLE" if deferrable else "") + (" INITIALLY DEFERRED" if deferred else "")
        label = {"p": "PRIMARY KEY", "u": "UNIQUE"}.get(kind or "")
        found.append((name, definition, label, constraint or "", timing))
    return found


INDEX_DEFINITION = re.compile(r"^CREATE (UNIQUE )?INDEX \S+ ON (?:ONLY )?\S+ (USING .*)$", re.S)


Shape = tuple[str, str, str, str, list[tuple[str, str, str | None, str, str]]]
"""(table, its copy, key column, key type, indexes) of one table being rewritten."""


def _rewrite(
    using: str, tables: list[str], after_copy: Callable[[], None] | None
) -> list[tuple[str, str, str]]:
    """Build a shuffled copy of every table (no lock held but a reader's), then, briefly
    locked, replay the changes noted meanwhile and swap the copies in. Returns the foreign keys
    put back ``NOT VALID`` (they still check every new row; the caller validates the rest)."""
    connection = connections[using]
    with transaction.atomic(using=using), connection.cursor() as cursor:
        _set_lock_timeout(cursor)
        shapes = [_copy(cursor, table, f"{COPY_PREFIX}{i}") for i, table in enumerate(tables)]
        if after_copy is not None:
            after_copy()
        keys = foreign_keys_touching(cursor, tables)
        others = sorted({t for held, _, _, to in keys for t in (held, to)} - set(tables))
        locked = ", ".join(f'"{t}"' for t in [*tables, *others])
        _briefly(using, cursor, [f"LOCK TABLE {locked} IN ACCESS EXCLUSIVE MODE"])
        if foreign_keys_touching(cursor, tables) != keys:
            raise RuntimeError("The foreign keys changed during the rewrite; try again later.")
        # Locked: nothing else is writing. Catch the copies up with what changed meanwhile.
        for shape in shapes:
            _catch_up(cursor, shape)
        for table, name, _, _ in keys:
            cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
        for shape in shapes:
            _swap(cursor, shape)
        for table, name, definition, _ in keys:
            cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition} NOT VALID')
    return [(table, name, definition) for table, name, definition, _ in keys]


def _copy(cursor: Any, table: str, copy: str) -> Shape:
    """Create ``copy`` like ``table``, holding its rows in a random order, with its indexes."""
    key, key_type = _primary_key(cursor, table)
    cursor.execute(
        f'CREATE TABLE "{copy}" (LIKE "{table}" INCLUDING DEFAULTS INCLUDING CONSTRAINTS '
        "INCLUDING GENERATED INCLUDING STORAGE INCLUDING COMPRESSION INCLUDING COMMENTS)"
    )
    cursor.execute(f'INSERT INTO "{copy}" SELECT * FROM "{table}" ORDER BY random()')  # noqa: S608
    indexes = _indexes(cursor, table)
    for j, (_, definition, *_rest) in enumerate(indexes):
        match = INDEX_DEFINITION.match(definition)
        if match is None:
            raise RuntimeError(f"Unexpected index of {table}: {definition[:80]}")
        unique, rest = match.group(1) or "", match.group(2)
        cursor.execute(f'CREATE {unique}INDEX "{copy}_{j}" ON "{copy}" {rest}')
    return table, copy, key, key_type, indexes


def _catch_up(cursor: Any, shape: Shape) -> None:
    """Bring ``copy`` up to date with the rows of ``table`` noted since the copy began: the
    latest version of each (or none, if deleted), in a random order."""
    table, copy, key, key_type, _ = shape
    cursor.execute(
        f'SELECT count(*) FILTER (WHERE key IS NULL), count(*) FROM "{LOG_TABLE}" '  # noqa: S608
        "WHERE tab = %s",
        [table],
    )
    emptied, changed = cursor.fetchone()
    if emptied:
        cursor.execute(f'TRUNCATE "{copy}"')
        cursor.execute(f'INSERT INTO "{copy}" SELECT * FROM "{table}" ORDER BY random()')  # noqa: S608
    elif changed:
        noted = (
            f'SELECT DISTINCT key::{key_type} FROM "{LOG_TABLE}" '  # noqa: S608
            "WHERE tab = %s AND key IS NOT NULL"
        )
        cursor.execute(f'DELETE FROM "{copy}" WHERE "{key}" IN ({noted})', [table])  # noqa: S608
        cursor.execute(
            f'INSERT INTO "{copy}" SELECT * FROM "{table}" WHERE "{key}" IN ({noted}) '  # noqa: S608
            "ORDER BY random()",
            [table],
        )


def _swap(cursor: Any, shape: Shape) -> None:
    """Drop ``table`` and give its name, its indexes' names and its constraints to ``copy``
    (the foreign keys touching it are already dropped)."""
    table, copy, _, _, indexes = shape
    _carry_access(cursor, table, copy)
    cursor.execute(f'DROP TABLE "{table}"')
    cursor.execute(f'ALTER TABLE "{copy}" RENAME TO "{table}"')
    for j, (name, _, kind, constraint, timing) in enumerate(indexes):
        if kind is None:
            cursor.execute(f'ALTER INDEX "{copy}_{j}" RENAME TO "{name}"')
        else:
            cursor.execute(
                f'ALTER TABLE "{table}" ADD CONSTRAINT "{constraint}" '
                f'{kind} USING INDEX "{copy}_{j}"{timing}'
            )


_GRANTS = (
    "SELECT CASE WHEN e.grantee = 0 THEN 'PUBLIC' ELSE e.grantee::regrole::text END, "
    "e.grantee = c.relowner, e.privilege_type, e.is_grantable "
    "FROM pg_class c, aclexplode(coalesce(c.relacl, acldefault('r', c.relowner))) e "
    "WHERE c.oid = %s::regclass"
)


def _carry_access(cursor: Any, table: str, copy: str) -> None:
    """Give ``copy`` the owner, privileges (on the table and on each column) and comment of
    ``table``, exactly: what the copy got on creation (``ALTER DEFAULT PRIVILEGES``) is taken
    away first. Run under the lock, so a ``GRANT`` made during the copy is carried too.
    Row-level security is refused rather than dropped."""
    cursor.execute(
        "SELECT relowner::regrole::text, relrowsecurity OR relforcerowsecurity "
        "OR EXISTS (SELECT 1 FROM pg_policy WHERE polrelid = c.oid), "
        "obj_description(c.oid, 'pg_class') FROM pg_class c WHERE oid = %s::regclass",
        [f'"{table}"'],
    )
    owner, secured, comment = cursor.fetchone()
    if secured:
        raise RuntimeError(f"{table}: row-level security is not carried over by the rewrite")
    cursor.execute(_GRANTS, [f'"{copy}"'])
    for grantee in sorted({row[0] for row in cursor.fetchall()}):
        cursor.execute(f'REVOKE ALL ON "{copy}" FROM {grantee}')
    cursor.execute(_GRANTS, [f'"{table}"'])
    for grantee, is_owner, privilege, grantable in cursor.fetchall():
        # the owner's own entries go to the copy's owner (moved to ``owner`` below); its grant
        # option is implied by ownership and cannot be granted to oneself
        to = "CURRENT_USER" if is_owner else grantee
        option = " WITH GRANT OPTION" if grantable and not is_owner else ""
        cursor.execute(f'GRANT {privilege} ON "{copy}" TO {to}{option}')
    cursor.execute(
        "SELECT quote_ident(a.attname), CASE WHEN e.grantee = 0 THEN 'PUBLIC' "
        "ELSE e.grantee::regrole::text END, e.grantee = c.relowner, e.privilege_type, "
        "e.is_grantable FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid, "
        "aclexplode(a.attacl) e WHERE c.oid = %s::regclass AND a.attnum > 0 "
        "AND NOT a.attisdropped",
        [f'"{table}"'],
    )
    for column, grantee, is_owner, privilege, grantable in cursor.fetchall():
        to = "CURRENT_USER" if is_owner else grantee
        option = " WITH GRANT OPTION" if grantable and not is_owner else ""
        cursor.execute(f'GRANT {privilege} ({column}) ON "{copy}" TO {to}{option}')
    cursor.execute(f'COMMENT ON TABLE "{copy}" IS %s', [comment])
    cursor.execute(f'ALTER TABLE "{copy}" OWNER TO {owner}')


def foreign_keys_touching(cursor: Any, tables: list[str]) -> list[tuple[str, str, str, str]]:
    """(table, name, definition, referenced table) of every foreign key held by one of
    ``tables`` or pointing at one."""
    cursor.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), "
        "confrelid::regclass::text FROM pg_constraint WHERE contype = 'f' "
        "AND (conrelid = ANY(%s::regclass[]) OR confrelid = ANY(%s::regclass[])) ORDER BY 1, 2",
        [tables, tables],
    )
    return [
        (table.strip('"'), name, definition, referenced.strip('"'))
        for table, name, definition, referenced in cursor.fetchall()
    ]


def foreign_keys(cursor: Any, tables: list[str]) -> list[tuple[str, str, str]]:
    """(table, name, definition) of every foreign key held by one of ``tables``."""
    cursor.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE contype = 'f' AND conrelid = ANY(%s::regclass[]) ORDER BY 1, 2",
        [tables],
    )
    return [(table.strip('"'), name, definition) for table, name, definition in cursor.fetchall()]
