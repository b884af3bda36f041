"""The data folder and secret key: named without side effects, created only when asked."""

import os
import tempfile
from pathlib import Path

from walkthetalk.site import paths


def test_the_data_folder_is_only_named(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("WALKTHETALK_DATA", str(tmp_path / "data"))
    assert paths.data_dir() == tmp_path / "data"
    assert not (tmp_path / "data").exists()


def test_the_test_environment_keeps_its_default_folder_out_of_the_working_folder(
    monkeypatch,
) -> None:
    monkeypatch.delenv("WALKTHETALK_DATA", raising=False)
    monkeypatch.setenv("WALKTHETALK_ENV", "test")
    assert paths.data_dir() == Path(tempfile.gettempdir()).resolve() / "walkthetalk-test-data"
    monkeypatch.setenv("WALKTHETALK_ENV", "development")
    assert paths.data_dir() == Path.cwd().resolve() / "walkthetalk-data"


def test_prepare_makes_a_private_folder_and_key_once(monkeypatch, tmp_path) -> None:
    monkeypatch.delenv("WALKTHETALK_SECRET_KEY", raising=False)
    folder = tmp_path / "data"
    passing_key = paths.secret_key(folder)
    assert passing_key != paths.secret_key(folder)  # nothing stored: a key per process
    assert not folder.exists()
    paths.prepare_data_dir(folder)
    key = paths.secret_key(folder)
    assert len(key) >= 50
    assert (folder / "secret_key").stat().st_mode & 0o777 == 0o600
    assert folder.stat().st_mode & 0o777 == 0o700
    paths.prepare_data_dir(folder)
    assert paths.secret_key(folder) == key  # never replaced


def test_a_key_from_the_environment_is_never_written(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("WALKTHETALK_SECRET_KEY", "from-the-environment")
    paths.prepare_data_dir(tmp_path / "data")
    assert paths.secret_key(tmp_path / "data") == "from-the-environment"
    assert list((tmp_path / "data").iterdir()) == []


def test_the_database_and_its_write_ahead_log_are_created_owner_only(tmp_path) -> None:
    import sqlite3

    from walkthetalk.site.sqlite.base import create_private

    database = tmp_path / paths.DATABASE_FILE
    old_umask = os.umask(0o022)  # a usual umask, which would give SQLite's files 0644
    try:
        assert create_private(str(database))
        assert database.stat().st_mode & 0o777 == 0o600 and database.stat().st_size == 0
        connection = sqlite3.connect(database)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("CREATE TABLE t (x)")
        connection.execute("INSERT INTO t VALUES (1)")
        connection.commit()
        for suffix in ("", "-wal", "-shm"):
            mode = (tmp_path / f"{paths.DATABASE_FILE}{suffix}").stat().st_mode & 0o777
            assert mode == 0o600, suffix
        connection.close()
        assert not create_private(str(database))  # never touches an existing database
        assert not create_private(":memory:") and not create_private("file:x?mode=memory")
        assert sqlite3.connect(database).execute("SELECT x FROM t").fetchall() == [(1,)]
    finally:
        os.umask(old_umask)


def test_the_settings_use_the_backend_that_creates_the_file_owner_only(settings) -> None:
    from django.db import connection

    if connection.vendor == "sqlite" and "DATABASE_URL" not in os.environ:
        assert settings.DATABASES["default"]["ENGINE"] == "walkthetalk.site.sqlite"
