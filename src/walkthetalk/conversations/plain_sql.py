"""What the plain-SQL query modules share: how their statements run (:func:`run`: SQLite's
DB-API cursor; on PostgreSQL prepared statements, run by libpq's own calls in autocommit and on
a kept cursor inside a transaction), and the quoted table and column names of a model (taken
from the model, so the SQL follows its fields).

Used by :mod:`~walkthetalk.conversations.vote_queries` (the vote round trip) and
:mod:`~walkthetalk.conversations.write_queries` (writing a statement).
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.db import DEFAULT_DB_ALIAS, connection, connections

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper


def cursor() -> Any:
    """A cursor for plain-SQL statements: Django's own, except on PostgreSQL, where it binds
    the parameters on the server and prepares each statement the first time it runs on a
    connection (Django's default cursor sends every statement as new text, to be parsed and
    planned again). Django's wrapper stays around it: the same errors, the same query log."""
    if connection.vendor != "postgresql":
        return connection.cursor()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    raw = prepared_cursor_class()(connection.connection)
    return (connection.make_debug_cursor if connection.queries_logged else connection.make_cursor)(
        raw
    )


@functools.cache
def prepared_cursor_class() -> type:
    from django.db.backends.postgresql.base import ServerBindingCursor

    class PreparedCursor(ServerBindingCursor):
        def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
            kwargs.setdefault("prepare", True)
            return super().execute(query, params, **kwargs)  # type: ignore[misc]

        def _send_query_prepared(self, name: bytes, pgq: Any, **kwargs: Any) -> None:
            # psycopg records the statement (which Django's query log reads, as
            # ``cursor._query``) only for statements it does not prepare.
            self._query = pgq
            super()._send_query_prepared(name, pgq, **kwargs)  # type: ignore[misc]

    return PreparedCursor


_log = logging.getLogger("django.db.backends")


def default_db() -> BaseDatabaseWrapper:
    """The thread's default connection (``connections[DEFAULT_DB_ALIAS]``, an asgiref
    ``Local`` lookup of about a microsecond), for a caller to look up once and hand to each of
    its statements (:func:`run`'s ``db``)."""
    return connections[DEFAULT_DB_ALIAS]


def run(
    sql_of: Callable[[str], str],
    params: list[Any],
    result: Callable[[Any], Any],
    db: BaseDatabaseWrapper | None = None,
) -> Any:
    """``result(cursor)`` after running ``sql_of(vendor)`` with ``params`` on ``db`` (the
    thread's default connection, looked up here when not given: a caller running several
    statements looks it up once, see :func:`default_db`).

    On SQLite: the DB-API cursor of Django's connection, the statement with ``?`` placeholders
    (:func:`_qmark`, once per process), inside Django's own error translation (so a locked
    database is Django's ``OperationalError``, as :mod:`walkthetalk.site.faults` expects, and
    the connection is marked as having had an error), after Django's check that no broken
    transaction is being used, and logged in ``connection.queries`` as Django's debug cursor
    logs when queries are being logged (``DEBUG``, ``CaptureQueriesContext``). On PostgreSQL
    the same: in autocommit (as served), the statement prepared once per connection and run
    with libpq's own calls (:func:`_libpq_run`); inside a transaction, on the thread's
    prepared-statement cursor, kept for its connection (:func:`_postgresql_cursor`; the
    statement text as written, bound on the server), for psycopg to begin it. Elsewhere,
    or when execute wrappers are installed: through :func:`cursor`. ``sql_of`` is one function
    per statement text (SQLite's form is kept once per ``sql_of``); a statement whose text
    varies goes through :func:`cursor`."""
    if db is None:
        db = connections[DEFAULT_DB_ALIAS]
    postgresql = db.vendor == "postgresql"
    if not (postgresql or db.vendor == "sqlite") or db.execute_wrappers:
        with cursor() as cursor_:
            cursor_.execute(sql_of(db.vendor), params)
            return result(cursor_)
    sql = sql_of(db.vendor) if postgresql else _qmark(sql_of)
    if db.connection is None:
        db.ensure_connection()
    db.validate_thread_sharing()
    db.validate_no_broken_transaction()
    logged = db.queries_logged
    start = time.monotonic() if logged else 0.0
    with db.wrap_database_errors:
        if postgresql and db.connection.autocommit:
            answer = result(_libpq_run(db.connection, sql_of, params))
        elif postgresql:
            held = _postgresql_cursor(db.connection)
            held.execute(sql, params)
            answer = result(held)
        else:
            own = db.connection.cursor()
            try:
                own.execute(sql, params)
                answer = result(own)
            finally:
                own.close()
    if logged:
        duration = time.monotonic() - start
        db.queries_log.append({"sql": f"{sql} {params!r}", "time": f"{duration:.3f}"})
        _log.debug(
            "(%.3f) %s; args=%s; alias=%s",
            duration,
            sql,
            params,
            db.alias,
            extra={"duration": duration, "sql": sql, "params": params, "alias": db.alias},
        )
    return answer


_held = threading.local()


def _postgresql_cursor(raw: Any) -> Any:
    """The thread's prepared-statement cursor (:func:`prepared_cursor_class`) on
    the psycopg connection ``raw``, made once per connection: making a cursor and Django's
    wrapper around it for each statement cost as much of the worker's time as running it."""
    held = getattr(_held, "cursor", None)
    if held is None or held.connection is not raw:
        held = _held.cursor = prepared_cursor_class()(raw)
    return held


class _Answer:
    """A statement's rows and row count as :func:`_libpq_run` read them, with the cursor
    methods the result functions (:func:`fetch_one`, :func:`fetch_all`, :func:`row_count`)
    use."""

    __slots__ = ("_rows", "rowcount")

    def __init__(self, rows: list[tuple[Any, ...]], rowcount: int) -> None:
        self._rows, self.rowcount = rows, rowcount

    def fetchone(self) -> tuple[Any, ...] | None:
        return self._rows[0] if self._rows else None

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self._rows


def _libpq_run(raw: Any, sql_of: Callable[[str], str], params: list[Any]) -> _Answer:
    """Run ``sql_of``'s statement on the psycopg connection ``raw`` (in autocommit) as psycopg's
    prepared-statement cursor would, without its cursor: the parameters dumped by psycopg's own
    adapters (so each value is bound as the cursor binds it), the statement prepared on the
    server once per connection and parameter types (as psycopg keys its own), then executed
    with libpq's ``PQexecPrepared`` and its rows loaded by psycopg's loaders (text results, the
    cursor's). An error is psycopg's exception for the server's answer (a lost connection:
    ``OperationalError``), for Django to translate. Psycopg's cursor machinery around the same
    call cost the worker about twice the statement's own client time."""
    from psycopg import OperationalError, errors, pq
    from psycopg.adapt import PyFormat, Transformer

    kept = getattr(_held, "libpq", None)
    if kept is None or kept[0] is not raw:
        prepared: dict[tuple[Any, ...], bytes] = {}
        kept = _held.libpq = (raw, Transformer(raw), prepared)
    _, adapting, names = kept
    with raw.lock:
        values = adapting.dump_sequence(params, [PyFormat.AUTO] * len(params))
        key = (sql_of, adapting.types)
        name = names.get(key)
        if name is None:
            name = _prepare(raw, names, key, sql_of, adapting.types, errors, OperationalError)
        answer = raw.pgconn.exec_prepared(name, values, adapting.formats)
        if _forgotten(answer, pq):
            # psycopg ends every rollback of the connection (an atomic block that failed, for
            # one) with DEALLOCATE ALL, as it does after DISCARD ALL: this connection's
            # statements are gone from the server. Nothing ran (autocommit: no transaction
            # left aborted); prepare them again, as on a new connection, and run this one.
            names.clear()
            name = _prepare(raw, names, key, sql_of, adapting.types, errors, OperationalError)
            answer = raw.pgconn.exec_prepared(name, values, adapting.formats)
        if answer.status not in (pq.ExecStatus.COMMAND_OK, pq.ExecStatus.TUPLES_OK):
            raise _error(raw, answer, errors, OperationalError)
        adapting.set_pgresult(answer)
        rows = adapting.load_rows(0, answer.ntuples, tuple) if answer.ntuples else []
        count = answer.command_tuples
        return _Answer(rows, count if count is not None else -1)


#: SQLSTATE of "prepared statement ... does not exist" (invalid_sql_statement_name).
_NO_SUCH_STATEMENT = b"26000"


def _prepare(
    raw: Any,
    names: dict[tuple[Any, ...], bytes],
    key: tuple[Any, ...],
    sql_of: Callable[[str], str],
    types: Any,
    errors: Any,
    lost: type[Exception],
) -> bytes:
    """Prepare ``sql_of``'s statement on ``raw`` under the connection's next name, kept in
    ``names`` under ``key``."""
    from psycopg import pq

    name = f"wtt_plain_{len(names)}".encode()
    answer = raw.pgconn.prepare(name, _numbered(sql_of), types)
    if answer.status != pq.ExecStatus.COMMAND_OK:
        raise _error(raw, answer, errors, lost)
    names[key] = name
    return name


def _forgotten(answer: Any, pq: Any) -> bool:
    """Whether the server answered that the prepared statement does not exist."""
    return bool(
        answer.status == pq.ExecStatus.FATAL_ERROR
        and answer.error_field(pq.DiagnosticField.SQLSTATE) == _NO_SUCH_STATEMENT
    )


def _error(raw: Any, answer: Any, errors: Any, lost: type[Exception]) -> Exception:
    from psycopg import pq

    if raw.pgconn.status == pq.ConnStatus.BAD:
        return lost((answer.error_message or b"the connection was lost").decode(errors="replace"))
    return errors.error_from_result(answer, encoding=raw.info.encoding)


@functools.cache
def _numbered(sql_of: Callable[[str], str]) -> bytes:
    """The PostgreSQL statement with libpq's numbered placeholders (``$1``, ``$2``...)."""
    parts = sql_of("postgresql").split("%s")
    if any("%" in part for part in parts):
        raise ValueError("a plain statement holds a % other than its placeholders")
    numbered = parts[0] + "".join(f"${i}{part}" for i, part in enumerate(parts[1:], 1))
    return numbered.encode()


@functools.cache
def _qmark(sql_of: Callable[[str], str]) -> str:
    """The SQLite statement with DB-API ``?`` placeholders (the statements hold no other
    ``%``)."""
    sql = sql_of("sqlite")
    if sql.replace("%s", "").count("%"):
        raise ValueError("a plain statement holds a % other than its placeholders")
    return sql.replace("%s", "?")


def fetch_one(cursor: Any) -> Any:
    return cursor.fetchone()


def fetch_all(cursor: Any) -> Any:
    return cursor.fetchall()


def row_count(cursor: Any) -> Any:
    return cursor.rowcount


def columns(model: Any) -> dict[str, str]:
    q = connection.ops.quote_name
    return {f.name: q(str(f.column)) for f in model._meta.concrete_fields}


def table(model: Any) -> str:
    return str(connection.ops.quote_name(model._meta.db_table))
