"""Staff sign-in: Argon2 hashes, lockout after repeated failures, no addresses stored."""

import os
import subprocess
import sys

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-staff-password"


def make_user():
    return get_user_model().objects.create_user("pat", password=PASSWORD)


def test_passwords_are_hashed_with_argon2() -> None:
    user = make_user()
    assert user.password.startswith("argon2")


def test_lockout_after_repeated_failures(client) -> None:
    make_user()
    url = reverse("login")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = client.post(
            url, {"username": "pat", "password": "wrong"}, HTTP_USER_AGENT="Firefox/999 pat-laptop"
        )
        assert response.status_code == 200
    locked = client.post(url, {"username": "pat", "password": "wrong"})
    assert locked.status_code == 429
    # Even the right password is refused while locked out.
    again = client.post(url, {"username": "pat", "password": PASSWORD})
    assert again.status_code == 429
    assert "_auth_user_id" not in client.session
    assert all(a.ip_address in (None, "") for a in AccessAttempt.objects.all())
    assert AccessAttempt.objects.exists()
    assert all("Firefox" not in a.user_agent for a in AccessAttempt.objects.all())


def test_right_password_signs_in(client) -> None:
    make_user()
    response = client.post(reverse("login"), {"username": "pat", "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"]


def test_production_settings_pass_the_deploy_check(tmp_path) -> None:
    env = {
        **os.environ,
        "WALKTHETALK_ENV": "production",
        "WALKTHETALK_DATA": str(tmp_path),
        "WALKTHETALK_SECRET_KEY": "k" * 20 + "-production-secret-for-the-check-" + "z" * 20,
        "WALKTHETALK_ALLOWED_HOSTS": "care.example.org",
    }
    env.pop("DATABASE_URL", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "walkthetalk.site.cli",
            "check",
            "--deploy",
            "--fail-level",
            "WARNING",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_staff_change_their_password(client) -> None:
    user = make_user()
    client.force_login(user)
    new = "a-brand-new-long-password"
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new) and user.password.startswith("argon2")
    short = client.post(
        reverse("password_change"),
        {"old_password": new, "new_password1": "short", "new_password2": "short"},
    )
    assert short.status_code == 200 and "too short" in short.content.decode()
