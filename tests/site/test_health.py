"""The health page: 503 until migrated, the database file's mode, and a locked database."""

from __future__ import annotations

import json
import stat
import textwrap

from .factories import fresh_env, run_python

HEALTH_SCRIPT = textwrap.dedent(
    """
    import os, sqlite3, stat, json
    os.environ["DJANGO_SETTINGS_MODULE"] = "walkthetalk.site.settings"
    import django
    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment
    setup_test_environment()
    out = {}
    client = Client(raise_request_exception=False)
    out["before"] = client.get("/healthz").status_code
    call_command("migrate", verbosity=0)
    out["after"] = client.get("/healthz").status_code
    name = settings.DATABASES["default"]["NAME"]
    out["mode"] = oct(stat.S_IMODE(os.stat(name).st_mode))
    out["wal_mode"] = oct(stat.S_IMODE(os.stat(name + "-wal").st_mode))
    locker = sqlite3.connect(name, isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")
    busy = client.post("/accounts/login/", {"username": "pat", "password": "x" * 12})
    out["locked"] = busy.status_code
    out["retry_after"] = busy.get("Retry-After")
    out["kind"] = "try again" in busy.content.decode()
    locker.execute("ROLLBACK")
    out["free"] = client.post("/accounts/login/", {"username": "pat", "password": "x"}).status_code
    print(json.dumps(out))
    """
)


def test_health_file_mode_and_a_locked_database(tmp_path) -> None:

    env = fresh_env(tmp_path, WALKTHETALK_ENV="development", WALKTHETALK_SQLITE_TIMEOUT="0.2")
    result = run_python(["-c", HEALTH_SCRIPT], env)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["before"] == 503  # not migrated yet
    assert out["after"] == 200
    assert out["mode"] == "0o600" and out["wal_mode"] == "0o600"
    assert out["locked"] == 503 and out["retry_after"] == "30" and out["kind"]
    assert out["free"] == 200
    assert stat.S_IMODE((tmp_path / "walkthetalk.sqlite3").stat().st_mode) == 0o600
