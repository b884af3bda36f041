"""Backups and restores exactly as docs/operations.md describes them, for SQLite and PostgreSQL."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

PASSWORD = "a-long-steward-password"
COUNT = (
    "from walkthetalk.caremap.models import CareSystem, StaffRole;"
    "s = CareSystem.objects.get(slug='riverbend');"
    "print(s.units.count(), StaffRole.objects.filter(care_system=s, role='steward').count())"
)


def _env(data: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "WALKTHETALK_DATA": str(data),
        "WALKTHETALK_ENV": "development",
        "WALKTHETALK_SETUP_PASSWORD": PASSWORD,
    }
    env.pop("DATABASE_URL", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return env


def _cli(args: list[str], env: dict[str, str]) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "walkthetalk.site.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.mark.skipif(shutil.which("sqlite3") is None, reason="needs the sqlite3 command")
def test_sqlite_backup_and_restore(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = _env(data)
    _cli(["setup", "--username", "first-steward"], env)
    before = _cli(["shell", "-v", "0", "-c", COUNT], env).split()
    database = data / "walkthetalk.sqlite3"
    # Both ways the docs give: the online .backup command and VACUUM INTO.
    backup = tmp_path / "walkthetalk-backup.sqlite3"
    vacuumed = tmp_path / "walkthetalk-vacuum.sqlite3"
    subprocess.run(["sqlite3", str(database), f".backup '{backup}'"], check=True)
    subprocess.run(["sqlite3", str(database), f"VACUUM INTO '{vacuumed}'"], check=True)
    for copy in (backup, vacuumed):
        check = subprocess.run(
            ["sqlite3", str(copy), "PRAGMA integrity_check"],
            capture_output=True,
            text=True,
            check=True,
        )
        assert check.stdout.strip() == "ok"
        # Disaster: the database is gone. Restore: put the copy in its place, owner-only.
        for leftover in data.glob("walkthetalk.sqlite3*"):
            leftover.unlink()
        shutil.copyfile(copy, database)
        database.chmod(0o600)
        assert _cli(["shell", "-v", "0", "-c", COUNT], env).split() == before
        assert stat.S_IMODE(database.stat().st_mode) == 0o600
    assert int(before[0]) > 5 and before[1] == "1"


@pytest.mark.django_db(transaction=True)
def test_postgresql_backup_and_restore(tmp_path: Path) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("runs on the PostgreSQL pass of the suite (DATABASE_URL)")
    from walkthetalk.site.setup import first_steward_and_care_system

    result = first_steward_and_care_system("first-steward", PASSWORD)
    units = result.care_system.units.count()
    db = connection.settings_dict
    pg_env = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}
    where = ["-h", db["HOST"] or "127.0.0.1", "-p", str(db["PORT"] or 5432)]
    where += ["-U", db["USER"] or "postgres"]
    dump = tmp_path / "walkthetalk.dump"
    restored = f"{db['NAME']}_restored"
    subprocess.run(["pg_dump", *where, "-Fc", "-f", str(dump), db["NAME"]], check=True, env=pg_env)
    subprocess.run(["dropdb", *where, "--if-exists", restored], check=True, env=pg_env)
    subprocess.run(["createdb", *where, restored], check=True, env=pg_env)
    try:
        subprocess.run(
            ["pg_restore", *where, "--no-owner", "-d", restored, str(dump)],
            check=True,
            env=pg_env,
        )
        query = (
            "SELECT count(*) FROM caremap_unit u JOIN caremap_caresystem s "
            "ON s.id = u.care_system_id WHERE s.slug = 'riverbend'"
        )
        out = subprocess.run(
            ["psql", *where, "-d", restored, "-tAc", query],
            check=True,
            capture_output=True,
            text=True,
            env=pg_env,
        )
        assert int(out.stdout.strip()) == units > 5
    finally:
        subprocess.run(["dropdb", *where, "--if-exists", restored], check=True, env=pg_env)
