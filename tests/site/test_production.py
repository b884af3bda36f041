"""Production start-up and the installation's health, each in a fresh process."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

SECRET = "k" * 20 + "-production-secret-for-the-tests-" + "z" * 20


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {**os.environ, "WALKTHETALK_DATA": str(tmp_path), **extra}
    env.pop("DATABASE_URL", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    return env


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], env=env, capture_output=True, text=True, timeout=180
    )


def test_production_refuses_to_start_without_a_secret_key_or_allowed_hosts(tmp_path) -> None:
    cli = ["-m", "walkthetalk.site.cli", "check"]
    for missing in ("WALKTHETALK_SECRET_KEY", "WALKTHETALK_ALLOWED_HOSTS"):
        env = _env(
            tmp_path,
            WALKTHETALK_ENV="production",
            WALKTHETALK_SECRET_KEY=SECRET,
            WALKTHETALK_ALLOWED_HOSTS="care.example.org",
        )
        env.pop(missing)
        result = _run(cli, env)
        assert result.returncode != 0
        assert missing in result.stderr and "will not start" in result.stderr
    assert not (tmp_path / "secret_key").exists()  # no key is quietly written
    env = _env(
        tmp_path,
        WALKTHETALK_ENV="production",
        WALKTHETALK_SECRET_KEY=SECRET,
        WALKTHETALK_ALLOWED_HOSTS="care.example.org,.example.net",
        WALKTHETALK_TRUSTED_PROXY="127.0.0.1",
    )
    shown = _run(
        [
            "-c",
            "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='walkthetalk.site.settings';"
            "django.setup(); from django.conf import settings as s;"
            "print(s.TWO_FACTOR_REQUIRED, s.CSRF_TRUSTED_ORIGINS, s.TRUSTED_PROXIES,"
            " s.SECURE_HSTS_SECONDS, s.CACHES['default']['BACKEND'])",
        ],
        env,
    )
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.split()[0] == "True"  # two-step sign-in is enforced in production
    assert "'https://care.example.org', 'https://*.example.net'" in shown.stdout
    assert "['127.0.0.1']" in shown.stdout and "31536000" in shown.stdout
    assert "DatabaseCache" in shown.stdout
    assert not (tmp_path / "secret_key").exists()


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
    import json

    env = _env(tmp_path, WALKTHETALK_ENV="development", WALKTHETALK_SQLITE_TIMEOUT="0.2")
    result = _run(["-c", HEALTH_SCRIPT], env)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["before"] == 503  # not migrated yet
    assert out["after"] == 200
    assert out["mode"] == "0o600" and out["wal_mode"] == "0o600"
    assert out["locked"] == 503 and out["retry_after"] == "30" and out["kind"]
    assert out["free"] == 200
    assert stat.S_IMODE((tmp_path / "walkthetalk.sqlite3").stat().st_mode) == 0o600
