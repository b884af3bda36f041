"""Where a Walk the Talk installation keeps its data (SQLite database, secret key, static files)."""

from __future__ import annotations

import os
import secrets
import sys
import tempfile
from pathlib import Path

DATA_DIR_ENV = "WALKTHETALK_DATA"


def data_dir() -> Path:
    """The data folder: ``$WALKTHETALK_DATA`` or ``./walkthetalk-data``; created if missing."""
    default = "walkthetalk-data"
    if "pytest" in sys.modules:  # tests never write into the working folder by accident
        default = str(Path(tempfile.gettempdir()) / "walkthetalk-test-data")
    path = Path(os.environ.get(DATA_DIR_ENV) or default).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def secret_key(folder: Path) -> str:
    """The secret key: ``$WALKTHETALK_SECRET_KEY``, else one generated once into the data folder."""
    from_env = os.environ.get("WALKTHETALK_SECRET_KEY")
    if from_env:
        return from_env
    key_file = folder / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()
