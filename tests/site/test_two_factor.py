"""Two-step sign-in: TOTP enrolment with a QR code, verification at sign-in, recovery codes."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from walkthetalk.caremap import services as caremap_services

from ..caremap.factories import small_system

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-staff-password"


def _code(device: TOTPDevice, drift: int = 0) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=drift):06d}"  # noqa: E501


def _staff(role: str = "steward", username: str = "sam"):
    user = get_user_model().objects.create_user(username, password=PASSWORD)
    caremap_services.grant_role(user, small_system(f"sys-{username}"), role)
    return user


def _sign_in(client: Client, username: str = "sam"):
    return client.post("/accounts/login/", {"username": username, "password": PASSWORD})


def test_stewards_must_enrol_before_any_staff_page_when_required(settings) -> None:
    settings.TWO_FACTOR_REQUIRED = True
    user = _staff("steward")
    client = Client()
    _sign_in(client)
    home = client.get("/")
    assert home.status_code == 302 and home["Location"] == "/accounts/two-factor/"
    page = client.get("/accounts/two-factor/").content.decode()
    assert 'src="data:image/svg+xml' in page and "Key:" in page
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    wrong = client.post("/accounts/two-factor/", {"code": "000000"})
    assert wrong.status_code == 400 and "did not match" in wrong.content.decode()
    assert not TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    done = client.post("/accounts/two-factor/", {"code": _code(device)})
    html = done.content.decode()
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", html)
    assert len(codes) == 10
    assert client.get("/").status_code == 200  # this sign-in is now verified
    # Recovery codes are stored by django-otp, each usable once.
    assert StaticToken.objects.filter(device__user=user).count() == 10


def test_facilitators_are_not_forced_but_may_enrol(settings) -> None:
    settings.TWO_FACTOR_REQUIRED = True
    _staff("facilitator", "fran")
    client = Client()
    _sign_in(client, "fran")
    assert client.get("/").status_code == 200


def test_enrolled_staff_give_a_code_after_the_password(settings) -> None:
    user = _staff("facilitator", "fran")
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    client = Client()
    response = _sign_in(client, "fran")
    assert response["Location"].startswith("/accounts/two-factor/verify/")
    assert client.get("/")["Location"] == "/accounts/two-factor/verify/"
    assert client.get("/map/sys-fran/").status_code == 302
    bad = client.post("/accounts/two-factor/verify/", {"code": "123456"})
    assert bad.status_code == 400
    # django-otp slows guessing: right after a wrong code even the right one waits a moment.
    throttled = client.post("/accounts/two-factor/verify/", {"code": _code(device)})
    assert throttled.status_code == 400
    device.refresh_from_db()
    device.throttle_reset()
    ok = client.post("/accounts/two-factor/verify/", {"code": _code(device)})
    assert ok.status_code == 302 and ok["Location"] == "/"
    assert client.get("/").status_code == 200


def test_a_recovery_code_works_once(settings) -> None:
    user = _staff("steward")
    TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    from walkthetalk.site import two_factor

    codes = two_factor.new_recovery_codes(user)
    first = Client()
    _sign_in(first)
    assert first.post("/accounts/two-factor/verify/", {"code": codes[0].upper()}).status_code == 302
    second = Client()
    _sign_in(second)
    again = second.post("/accounts/two-factor/verify/", {"code": codes[0]})
    assert again.status_code == 400
    assert StaticToken.objects.filter(device__user=user).count() == 9


def test_production_settings_require_two_factor_for_stewards() -> None:
    """The test settings leave it off (the demo and browser tests sign in with a password);
    tests/site/test_settings.py checks it is on in production."""
    from django.conf import settings

    from walkthetalk.site.two_factor import requires_two_factor

    user = _staff("steward")
    assert settings.TWO_FACTOR_REQUIRED is False
    settings.TWO_FACTOR_REQUIRED = True
    try:
        assert requires_two_factor(user)
        assert not requires_two_factor(_staff("leader", "lee"))
    finally:
        settings.TWO_FACTOR_REQUIRED = False
