"""Is this installation ready to serve: the database answers and every migration is applied."""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor

_migrated: set[str] = set()  # once applied, migrations stay applied for this process


def database_ready(alias: str = DEFAULT_DB_ALIAS) -> tuple[bool, str]:
    connection = connections[alias]
    try:
        if alias in _migrated:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
            return True, ""
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError:
        return False, "the database does not answer"
    if plan:
        return False, f"{len(plan)} database migrations are not applied yet"
    _migrated.add(alias)
    return True, ""
