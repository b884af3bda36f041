"""What the plain-SQL query modules share: the cursor their statements run on, and the quoted
table and column names of a model (taken from the model, so the SQL follows its fields).

Used by :mod:`~walkthetalk.conversations.vote_queries` (the vote round trip) and
:mod:`~walkthetalk.conversations.write_queries` (writing a statement).
"""

from __future__ import annotations

import functools
from typing import Any

from django.db import connection


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


def columns(model: Any) -> dict[str, str]:
    q = connection.ops.quote_name
    return {f.name: q(str(f.column)) for f in model._meta.concrete_fields}


def table(model: Any) -> str:
    return str(connection.ops.quote_name(model._meta.db_table))
