"""The production topology in a real browser: nginx with TLS in front of two `walkthetalk serve`
processes and two workers on PostgreSQL. Started by `.ci/topology.sh` (a step of `.ci/run`),
which passes the address and a browser home whose NSS database trusts the CA it made."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
from django_otp.oath import totp
from playwright.sync_api import Browser, Page, expect, sync_playwright

from ..browser.conftest import CHROMIUM, CHROMIUM_ARGS

URL = os.environ.get("WALKTHETALK_TOPOLOGY_URL", "")
pytestmark = pytest.mark.skipif(
    not URL, reason="needs the running topology: run .ci/topology.sh (a step of .ci/run)"
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    # Chromium reads trusted CAs from $HOME/.pki/nssdb: the CA made by .ci/topology.sh.
    env = {**os.environ, "HOME": os.environ["WALKTHETALK_TOPOLOGY_HOME"]}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, env=env)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    outside: list[str] = []
    page.on(
        "request",
        lambda r: outside.append(r.url) if not r.url.startswith((URL, "data:")) else None,
    )
    yield page
    context.close()
    assert not outside, f"the page talked to another server: {outside}"


def _code_for(secret: str) -> str:
    from base64 import b32decode

    return f"{totp(b32decode(secret.replace(' ', ''))):06d}"


def _assert_secure_headers(headers: dict[str, str]) -> None:
    assert headers["strict-transport-security"].startswith("max-age=31536000")
    csp = headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"


def test_the_certificate_is_trusted_and_plain_http_is_not_served(page: Page) -> None:
    response = page.goto(f"{URL}/")
    assert response is not None and response.ok
    assert response.url.startswith("https://")
    security = response.security_details()
    assert security is not None and security.get("subjectName") == "localhost"
    _assert_secure_headers(response.headers)


def test_a_steward_signs_in_with_two_steps_through_the_proxy(page: Page) -> None:
    page.goto(f"{URL}/accounts/login/")
    page.get_by_label("User name").fill(os.environ["WALKTHETALK_TOPOLOGY_STEWARD"])
    page.get_by_label("Password").fill(os.environ["WALKTHETALK_TOPOLOGY_PASSWORD"])
    page.get_by_role("button", name="Sign in").click()
    # Production: a steward must turn on two-step sign-in before anything else.
    expect(page.get_by_role("heading", level=1)).to_have_text("Two-step sign-in")
    assert page.url == f"{URL}/accounts/two-factor/"
    secret = page.locator("code.secret").inner_text()
    page.get_by_label("Code from your app").fill(_code_for(secret))
    page.get_by_role("button", name="Turn on two-step sign-in").click()
    expect(page.locator(".recovery-codes li")).to_have_count(10)
    response = page.goto(f"{URL}/")
    assert response is not None
    _assert_secure_headers(response.headers)
    expect(page.get_by_text("Riverbend County System of Care").first).to_be_visible()


def test_a_participant_votes_over_https_through_the_proxy(page: Page) -> None:
    conversation = os.environ["WALKTHETALK_TOPOLOGY_CONVERSATION"]
    response = page.goto(f"{URL}/conversations/{conversation}/")
    assert response is not None
    _assert_secure_headers(response.headers)
    page.get_by_label("Treatment").check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("I accept these agreements").check()
    page.get_by_role("button", name="Accept and begin").click()
    for _ in range(3):
        heading = page.locator("#vote-heading").inner_text()
        page.get_by_role("button", name="Agree", exact=True).click()
        expect(page.locator("#vote-heading")).not_to_have_text(heading)
    env = {**os.environ, "WALKTHETALK_ENV": "production"}
    counted = subprocess.run(
        [
            sys.executable,
            "-m",
            "walkthetalk.site.cli",
            "shell",
            "-v",
            "0",
            "-c",
            "from walkthetalk.conversations.models import Vote; print(Vote.objects.count())",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert counted.stdout.strip() == "3"
