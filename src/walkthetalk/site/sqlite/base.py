"""Django's SQLite backend, except that a missing database file is created with mode 0600.

SQLite would create it with the process's umask (usually 0644: readable by every local user)
and give its write-ahead log and shared-memory files the same mode. Creating the file empty
and owner-only just before SQLite first opens it (an empty file is a new database to SQLite)
leaves no moment in which another user could read it.
"""

from __future__ import annotations

import os
from typing import Any

from django.db.backends.sqlite3 import base

from walkthetalk.site.paths import PRIVATE_FILE_MODE


def create_private(name: object) -> bool:
    """Create ``name`` empty with owner-only permissions if it is a missing file; True if made."""
    if not isinstance(name, str | os.PathLike):
        return False
    path = os.fspath(name)
    if not path or path == ":memory:" or path.startswith("file:") or os.path.exists(path):
        return False
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE))
    except (FileExistsError, FileNotFoundError):  # made meanwhile, or its folder is missing
        return False
    return True


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        create_private(conn_params.get("database"))
        return super().get_new_connection(conn_params)
