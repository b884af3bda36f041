"""Settings: production refuses to start without its secrets, passes Django's deploy check, and
hashes staff passwords with Argon2."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from .factories import fresh_env, run_python

SECRET = "k" * 20 + "-production-secret-for-the-tests-" + "z" * 20


def test_production_refuses_to_start_without_a_secret_key_or_allowed_hosts(tmp_path) -> None:
    cli = ["-m", "walkthetalk.site.cli", "check"]
    for missing in ("WALKTHETALK_SECRET_KEY", "WALKTHETALK_ALLOWED_HOSTS"):
        env = fresh_env(
            tmp_path,
            WALKTHETALK_ENV="production",
            WALKTHETALK_SECRET_KEY=SECRET,
            WALKTHETALK_ALLOWED_HOSTS="care.example.org",
        )
        env.pop(missing)
        result = run_python(cli, env)
        assert result.returncode != 0
        assert missing in result.stderr and "will not start" in result.stderr
    assert not (tmp_path / "secret_key").exists()  # no key is quietly written
    env = fresh_env(
        tmp_path,
        WALKTHETALK_ENV="production",
        WALKTHETALK_SECRET_KEY=SECRET,
        WALKTHETALK_ALLOWED_HOSTS="care.example.org,.example.net",
        WALKTHETALK_TRUSTED_PROXY="127.0.0.1",
    )
    shown = run_python(
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


@pytest.mark.django_db
def test_passwords_are_hashed_with_argon2() -> None:
    user = get_user_model().objects.create_user("pat", password="a-long-staff-password")
    assert user.password.startswith("argon2")


def test_production_settings_pass_the_deploy_check(tmp_path) -> None:
    env = fresh_env(
        tmp_path,
        WALKTHETALK_ENV="production",
        WALKTHETALK_SECRET_KEY=SECRET,
        WALKTHETALK_ALLOWED_HOSTS="care.example.org",
    )
    result = run_python(
        ["-m", "walkthetalk.site.cli", "check", "--deploy", "--fail-level", "WARNING"], env
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
