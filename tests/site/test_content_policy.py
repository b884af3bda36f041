"""The CSP header built once per process is django-csp's header, and yields to django-csp
whenever a response or request asks for something of its own."""

from __future__ import annotations

import pytest
from csp.constants import HEADER, HEADER_REPORT_ONLY, NONCE
from csp.decorators import csp_exempt, csp_update
from csp.middleware import CSPMiddleware
from csp.utils import build_policy
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory, override_settings

from walkthetalk.site.content_policy import ContentSecurityPolicyMiddleware, site_policy


def _through(middleware_class: type, view=lambda request: HttpResponse("ok"), nonce=False):  # type: ignore[no-untyped-def]
    middleware = middleware_class(view)
    request = RequestFactory().get("/somewhere/")

    def handle(request: HttpRequest) -> HttpResponse:
        middleware.process_request(request)
        if nonce:
            str(request.csp_nonce)  # a template asked for a nonce
        return middleware.process_response(request, view(request))

    return handle(request), request


def test_the_site_header_is_django_csps_header() -> None:
    ours, _ = _through(ContentSecurityPolicyMiddleware)
    theirs, _ = _through(CSPMiddleware)
    assert ours[HEADER] == theirs[HEADER] == build_policy()
    assert "script-src 'self'" in ours[HEADER]
    assert HEADER_REPORT_ONLY not in ours  # no report-only policy is configured


def test_a_nonce_asked_for_is_in_the_header() -> None:
    policy = {"DIRECTIVES": {"default-src": ["'self'"], "script-src": ["'self'", NONCE]}}
    with override_settings(CONTENT_SECURITY_POLICY=policy):
        response, request = _through(ContentSecurityPolicyMiddleware, nonce=True)
        assert f"'nonce-{request.csp_nonce}'" in response[HEADER]
        without, _ = _through(ContentSecurityPolicyMiddleware)
        assert "nonce" not in without[HEADER]


def test_a_nonce_asked_for_after_the_header_is_an_error() -> None:
    _, request = _through(ContentSecurityPolicyMiddleware)
    with pytest.raises(Exception, match="nonce"):
        str(request.csp_nonce)


def test_per_view_policies_and_exemptions_still_apply() -> None:
    updated, _ = _through(
        ContentSecurityPolicyMiddleware,
        csp_update({"img-src": "https://tiles.example.org"})(lambda r: HttpResponse("ok")),
    )
    assert "https://tiles.example.org" in updated[HEADER]
    exempt, _ = _through(
        ContentSecurityPolicyMiddleware, csp_exempt()(lambda r: HttpResponse("ok"))
    )
    assert HEADER not in exempt


def test_a_header_the_view_set_is_kept() -> None:
    def view(request: HttpRequest) -> HttpResponse:
        response = HttpResponse("ok")
        response[HEADER] = "default-src 'none'"
        return response

    response, _ = _through(ContentSecurityPolicyMiddleware, view)
    assert response[HEADER] == "default-src 'none'"


def test_changed_settings_build_the_header_again() -> None:
    before = site_policy()
    policy = {"DIRECTIVES": {"default-src": ["'self'"], "img-src": ["'self'", "data:"]}}
    with override_settings(CONTENT_SECURITY_POLICY=policy):
        response, _ = _through(ContentSecurityPolicyMiddleware)
        directives = sorted(part.strip() for part in response[HEADER].split(";"))
        assert directives == ["default-src 'self'", "img-src 'self' data:"]
    assert site_policy() == before


def test_excluded_url_prefixes_are_judged_per_request() -> None:
    policy = {"EXCLUDE_URL_PREFIXES": ["/somewhere/"], "DIRECTIVES": {"default-src": ["'self'"]}}
    with override_settings(CONTENT_SECURITY_POLICY=policy):
        assert site_policy() is None
        response, _ = _through(ContentSecurityPolicyMiddleware)
        assert HEADER not in response
