"""The data folder and secret key: named without side effects, created only when asked."""

import os
import subprocess
import sys
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
    assert [p.name for p in (tmp_path / "data").iterdir()] == [paths.DATABASE_FILE]


def test_the_database_and_its_write_ahead_log_are_created_owner_only(tmp_path) -> None:
    import sqlite3

    folder = tmp_path / "data"
    old_umask = os.umask(0o022)  # a usual umask, which would give SQLite's files 0644
    try:
        paths.prepare_data_dir(folder)
        database = folder / paths.DATABASE_FILE
        assert database.stat().st_mode & 0o777 == 0o600 and database.stat().st_size == 0
        connection = sqlite3.connect(database)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("CREATE TABLE t (x)")
        connection.execute("INSERT INTO t VALUES (1)")
        connection.commit()
        for name in (
            paths.DATABASE_FILE,
            f"{paths.DATABASE_FILE}-wal",
            f"{paths.DATABASE_FILE}-shm",
        ):
            assert (folder / name).stat().st_mode & 0o777 == 0o600, name
        connection.close()
        database.chmod(0o644)  # a database made before this rule is made private again
        paths.prepare_data_dir(folder)
        assert database.stat().st_mode & 0o777 == 0o600
        assert sqlite3.connect(database).execute("SELECT x FROM t").fetchall() == [(1,)]
    finally:
        os.umask(old_umask)


def test_importing_the_settings_writes_nothing(tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WALKTHETALK_", "DJANGO_"))}
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'walkthetalk.site.settings';"
        "django.setup(); from django.conf import settings; print(settings.DATA_DIR, "
        "bool(settings.SECRET_KEY))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [str(tmp_path.resolve() / "walkthetalk-data"), "True"]
    assert list(tmp_path.iterdir()) == []
