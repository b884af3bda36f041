"""Behind a TLS proxy: forwarded headers are believed only from WALKTHETALK_TRUSTED_PROXY."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

pytestmark = pytest.mark.django_db
PROXY = "10.0.0.7"
HTTPS = {"HTTP_X_FORWARDED_PROTO": "https", "HTTP_X_FORWARDED_HOST": "care.example.org"}


@pytest.fixture
def production_like(settings):
    settings.TRUSTED_PROXIES = [PROXY]
    settings.ALLOWED_HOSTS = ["care.example.org"]
    settings.CSRF_TRUSTED_ORIGINS = ["https://care.example.org"]
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    return settings


def test_https_from_the_trusted_proxy_is_served_with_hsts_not_redirected(production_like) -> None:
    response = Client(REMOTE_ADDR=PROXY).get("/welcome/", **HTTPS)
    assert response.status_code == 200
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")


def test_plain_http_through_the_proxy_is_redirected_to_https(production_like) -> None:
    response = Client(REMOTE_ADDR=PROXY).get(
        "/welcome/", HTTP_X_FORWARDED_PROTO="http", HTTP_X_FORWARDED_HOST="care.example.org"
    )
    assert response.status_code == 301
    assert response["Location"] == "https://care.example.org/welcome/"


def test_forwarded_headers_from_anyone_else_are_ignored(production_like) -> None:
    stranger = Client(REMOTE_ADDR="203.0.113.9")
    response = stranger.get("/welcome/", **HTTPS)
    # Not believed: the request counts as plain http to an unknown host.
    assert response.status_code in (301, 400)
    assert "Strict-Transport-Security" not in response


def test_health_check_over_plain_http_is_not_redirected(production_like) -> None:
    assert Client().get("/healthz", HTTP_HOST="care.example.org").status_code == 200


def test_signing_in_through_the_proxy_passes_the_csrf_check(production_like) -> None:
    get_user_model().objects.create_user("pat", password="a-long-staff-password")
    client = Client(REMOTE_ADDR=PROXY, enforce_csrf_checks=True)
    page = client.get("/accounts/login/", **HTTPS)
    token = page.cookies["csrftoken"].value
    assert page.cookies["csrftoken"]["secure"]
    response = client.post(
        "/accounts/login/",
        {"username": "pat", "password": "a-long-staff-password", "csrfmiddlewaretoken": token},
        HTTP_ORIGIN="https://care.example.org",
        HTTP_REFERER="https://care.example.org/accounts/login/",
        **HTTPS,
    )
    assert response.status_code == 302, response.content.decode()[:500]
    assert response.cookies["sessionid"]["secure"]
    # A forged origin is refused.
    forged = Client(REMOTE_ADDR=PROXY, enforce_csrf_checks=True)
    forged.get("/accounts/login/", **HTTPS)
    refused = forged.post(
        "/accounts/login/",
        {
            "username": "pat",
            "password": "a-long-staff-password",
            "csrfmiddlewaretoken": forged.cookies["csrftoken"].value,
        },
        HTTP_ORIGIN="https://evil.example.net",
        **HTTPS,
    )
    assert refused.status_code == 403


def test_the_client_address_is_forgotten_even_from_the_proxy(production_like) -> None:
    from django.http import HttpResponse

    from walkthetalk.site.privacy_guards import ForgetClientMiddleware
    from walkthetalk.site.proxy import TrustedProxyMiddleware

    seen = {}

    def view(request):  # type: ignore[no-untyped-def]
        seen.update(request.META)
        return HttpResponse()

    from django.test import RequestFactory

    request = RequestFactory().get(
        "/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.23", **HTTPS
    )
    TrustedProxyMiddleware(ForgetClientMiddleware(view))(request)
    assert seen["wsgi.url_scheme"] == "https" and seen["HTTP_HOST"] == "care.example.org"
    assert "198.51.100.23" not in str(seen) and PROXY not in str(seen)


@pytest.mark.parametrize("address", [PROXY, "203.0.113.9", "::1", "", "not an address"])
def test_no_proxy_configured_trusts_no_address(settings, address: str) -> None:
    from walkthetalk.site.proxy import honour_forwarded, is_trusted_proxy

    settings.TRUSTED_PROXIES = []
    assert is_trusted_proxy(address) is False
    meta = {"REMOTE_ADDR": address, "HTTP_X_FORWARDED_FOR": "198.51.100.23", **HTTPS}
    honour_forwarded(meta)
    # Nothing believed, every forwarded header dropped.
    assert meta == {"REMOTE_ADDR": address}


def test_a_configured_proxy_is_trusted_by_address_and_network(settings) -> None:
    from walkthetalk.site.proxy import is_trusted_proxy

    settings.TRUSTED_PROXIES = [PROXY, "192.0.2.0/24", "2001:db8::/32"]
    assert is_trusted_proxy(PROXY)
    assert is_trusted_proxy("192.0.2.200")
    assert is_trusted_proxy("2001:db8::7")
    assert not is_trusted_proxy("10.0.0.8")
    assert not is_trusted_proxy("2001:db9::7")
    assert not is_trusted_proxy("")
    assert not is_trusted_proxy("not an address")
