"""Where a Walk the Talk installation keeps its data (SQLite database, secret key, static files).

Reading these never writes anything: importing the settings, ``walkthetalk --help`` or any
command that was not asked to set up an installation leaves the disk as it was. Only
:func:`prepare_data_dir` creates the folder and the secret key, and only the commands that set
up an installation call it (``demo``, ``setup``, ``migrate``; see ``walkthetalk.site.cli``).
"""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path

DATA_DIR_ENV = "WALKTHETALK_DATA"
SECRET_KEY_ENV = "WALKTHETALK_SECRET_KEY"  # noqa: S105 - the variable's name
ENV_ENV = "WALKTHETALK_ENV"
SECRET_KEY_FILE = "secret_key"  # noqa: S105 - the file's name
DATABASE_FILE = "walkthetalk.sqlite3"
PRIVATE_FILE_MODE = 0o600


def environment() -> str:
    """``development`` (default), ``test`` or ``production``, from ``$WALKTHETALK_ENV``."""
    return os.environ.get(ENV_ENV, "").strip() or "development"


def data_dir() -> Path:
    """The data folder: ``$WALKTHETALK_DATA``, else ``./walkthetalk-data`` (under the system's
    temporary folder when ``WALKTHETALK_ENV=test``, so tests never touch the working folder).

    Only names the folder; it may not exist yet."""
    default = Path("walkthetalk-data")
    if environment() == "test":
        default = Path(tempfile.gettempdir()) / "walkthetalk-test-data"
    return Path(os.environ.get(DATA_DIR_ENV) or default).resolve()


def secret_key(folder: Path) -> str:
    """``$WALKTHETALK_SECRET_KEY``, else the key :func:`prepare_data_dir` wrote into the data
    folder, else a key for this process only (nothing is written; signed cookies then last
    as long as the process, which is all a command without an installation needs)."""
    from_env = os.environ.get(SECRET_KEY_ENV, "").strip()
    if from_env:
        return from_env
    key_file = folder / SECRET_KEY_FILE
    if key_file.is_file():
        return key_file.read_text().strip()
    return secrets.token_urlsafe(50)


def prepare_data_dir(folder: Path) -> None:
    """Create the data folder (readable by its owner only) and its secret key, if missing.

    Idempotent; never changes an existing key. (The SQLite database file itself is created
    owner-only by ``walkthetalk.site.sqlite`` when it is first opened.)"""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    key_file = folder / SECRET_KEY_FILE
    if os.environ.get(SECRET_KEY_ENV, "").strip() or key_file.exists():
        return
    # Created with owner-only permissions from the start, never readable by others.
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_urlsafe(50))
