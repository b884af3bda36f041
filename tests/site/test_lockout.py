"""Sign-in lockout: a growing pause per user name that cannot be turned against its owner."""

from __future__ import annotations

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from walkthetalk.caremap import services as caremap_services
from walkthetalk.site import lockout

from ..caremap.factories import small_system

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-staff-password"


def _fail(client: Client, username: str = "pat", times: int | None = None) -> int:
    status = 0
    for _ in range(times or settings.AXES_FAILURE_LIMIT):
        status = client.post(
            "/accounts/login/", {"username": username, "password": "wrong-password"}
        ).status_code
    return status


def _sign_in(client: Client, username: str = "pat") -> int:
    return client.post("/accounts/login/", {"username": username, "password": PASSWORD}).status_code


def test_the_pause_grows_with_each_lockout() -> None:
    assert lockout.cool_off_for(1) == dt.timedelta(minutes=2)
    assert lockout.cool_off_for(2) == dt.timedelta(minutes=4)
    assert lockout.cool_off_for(4) == dt.timedelta(minutes=16)
    assert lockout.cool_off_for(50) == dt.timedelta(hours=12)
    get_user_model().objects.create_user("pat", password=PASSWORD)
    stranger = Client()
    assert _fail(stranger) == 429
    assert lockout.pauses("pat") == 1
    # Tries during a pause are refused without growing it further.
    assert _fail(stranger, times=3) == 429
    assert lockout.pauses("pat") == 1
    # Once the pause is over, another round of failures pauses for longer.
    AccessAttempt.objects.update(attempt_time=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    assert _fail(stranger) == 429
    assert lockout.pauses("pat") == 2
    assert _sign_in(Client()) == 429


def test_a_stranger_cannot_lock_the_owner_out_of_their_own_browser() -> None:
    get_user_model().objects.create_user("pat", password=PASSWORD)
    owner = Client()
    assert _sign_in(owner) == 302  # this browser is now remembered
    assert lockout.DEVICE_COOKIE in owner.cookies
    owner.post("/accounts/logout/")
    stranger = Client()
    assert _fail(stranger) == 429
    assert _sign_in(Client()) == 429  # a new browser waits
    assert _sign_in(owner) == 302  # the owner's browser does not
    # ... but that browser has its own small allowance; past it, it is like any other browser.
    owner.post("/accounts/logout/")
    assert _fail(owner, times=lockout.DEVICE_FAILURE_LIMIT) == 200
    assert AccessAttempt.objects.filter(username="pat").count() == 0
    assert _fail(owner) == 429
    assert _sign_in(owner) == 429


def test_a_forged_device_cookie_does_not_help() -> None:
    get_user_model().objects.create_user("pat", password=PASSWORD)
    stranger = Client()
    stranger.cookies[lockout.DEVICE_COOKIE] = "pat:forged"
    assert _fail(stranger) == 429
    assert _sign_in(stranger) == 429


def test_a_steward_lifts_a_pause_for_their_staff_only() -> None:
    system = small_system()
    steward = get_user_model().objects.create_user("sam", password=PASSWORD)
    caremap_services.grant_role(steward, system, "steward")
    colleague = get_user_model().objects.create_user("pat", password=PASSWORD)
    caremap_services.grant_role(colleague, system, "facilitator")
    get_user_model().objects.create_user("other", password=PASSWORD)
    _fail(Client(), "pat")
    _fail(Client(), "other")
    client = Client()
    client.force_login(steward)
    assert "/accounts/sign-in-pauses/" in client.get("/").content.decode()  # linked for stewards
    page = client.get("/accounts/sign-in-pauses/").content.decode()
    assert "pat" in page and "other" not in page
    assert client.post("/accounts/sign-in-pauses/", {"username": "other"}).status_code == 403
    assert client.post("/accounts/sign-in-pauses/", {"username": "pat"}).status_code == 302
    assert _sign_in(Client(), "pat") == 302
    assert _sign_in(Client(), "other") == 429
    nobody = Client()
    nobody.force_login(colleague)
    assert nobody.get("/accounts/sign-in-pauses/").status_code == 403


def test_the_unlock_command(capsys) -> None:
    get_user_model().objects.create_user("pat", password=PASSWORD)
    _fail(Client())
    assert lockout.pauses("pat") == 1
    call_command("unlock", "pat")
    assert "pat can sign in again" in capsys.readouterr().out
    assert lockout.pauses("pat") == 0
    assert _sign_in(Client()) == 302


def test_lockout_after_repeated_failures(client) -> None:
    get_user_model().objects.create_user("pat", password=PASSWORD)
    url = "/accounts/login/"
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
