"""Security headers on every kind of page: CSP without inline script, framing, sniffing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db
TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "walkthetalk"


def _directives(header: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


@pytest.mark.parametrize("path", ["/", "/welcome/", "/accounts/login/", "/no-such-page/"])
def test_pages_send_a_strict_content_security_policy(path: str) -> None:
    response = Client().get(path)
    csp = _directives(response["Content-Security-Policy"])
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"] and csp["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_no_template_has_inline_script_or_style() -> None:
    offenders = []
    for template in TEMPLATES.rglob("templates/**/*.html"):
        text = template.read_text()
        for match in re.finditer(r"<script\b[^>]*>", text):
            if "src=" not in match.group(0):
                offenders.append(f"{template}: {match.group(0)}")
        if re.search(r"<style\b|\sstyle=|\son[a-z]+=|hx-on", text):
            offenders.append(f"{template}: inline style or handler")
    assert not offenders, offenders
