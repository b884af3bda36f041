"""The Content-Security-Policy header: django-csp's middleware, the site's policy built once.

django-csp builds the header from the settings for every response (two policy builds, about a
tenth of a millisecond each). The site's policy is the same for every page — no nonce, no
per-view policy — so :class:`ContentSecurityPolicyMiddleware` builds it once per process and
sets that text. A response with a per-view policy or exemption (django-csp's decorators), a
request that asked for a nonce, a policy with excluded URL prefixes, or ``DEBUG`` goes to
django-csp unchanged. Changing the CSP settings (tests) builds it again.
"""

from __future__ import annotations

import functools
from typing import Any

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponseBase

PER_RESPONSE = tuple(
    f"_csp_{part}{ro}" for part in ("config", "update", "replace", "exempt") for ro in ("", "_ro")
)
SETTINGS = ("CONTENT_SECURITY_POLICY", "CONTENT_SECURITY_POLICY_REPORT_ONLY")


@functools.cache
def site_policy() -> tuple[str, str] | None:
    """(header, report-only header) of the site's policy; None when it excludes URL prefixes
    (then each request is judged by django-csp)."""
    for name in SETTINGS:
        if (getattr(settings, name, None) or {}).get("EXCLUDE_URL_PREFIXES"):
            return None
    return build_policy(), build_policy(report_only=True)


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        policy = site_policy()
        if (
            policy is None
            or settings.DEBUG
            or getattr(request, "_csp_nonce", None) is not None
            or any(hasattr(response, attribute) for attribute in PER_RESPONSE)
        ):
            return super().process_response(request, response)
        for header, value in zip((HEADER, HEADER_REPORT_ONLY), policy, strict=True):
            if value and header not in response:
                response[header] = value
        # As django-csp does: a nonce asked for after the header is written is an error.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)  # type: ignore[attr-defined]
        return response


@receiver(setting_changed)
def _rebuild(setting: str, **kwargs: Any) -> None:
    if setting in SETTINGS or setting == "DEBUG":
        site_policy.cache_clear()
