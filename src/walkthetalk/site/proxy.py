"""Believing a TLS proxy's forwarded headers only when the request comes from that proxy.

``WALKTHETALK_TRUSTED_PROXY`` names the proxy's addresses (or networks, e.g. ``10.0.0.0/24``).
A request whose connection comes from one of them has its ``X-Forwarded-Proto`` (the scheme:
HTTPS redirects, secure cookies, HSTS and CSRF checks follow it), ``X-Forwarded-Host`` (the host,
still checked against the allowed hosts) and ``X-Forwarded-For`` (the client's address, which
:class:`~walkthetalk.site.privacy_guards.ForgetClientMiddleware` then drops) honoured. From
anywhere else those headers are removed before anything can read them.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse

FORWARDED_HEADERS = (
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_FORWARDED",
)
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(trusted: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(a, strict=False) for a in trusted)


def is_trusted_proxy(address: str) -> bool:
    trusted = settings.TRUSTED_PROXIES
    if not trusted:  # no proxy configured (the usual test and direct set-up): nothing to parse
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in _networks(tuple(trusted)))


def _last(value: str) -> str:
    """The value the nearest proxy added (the last of a comma-separated list)."""
    return value.split(",")[-1].strip()


def honour_forwarded(meta: dict[str, Any]) -> None:
    """Apply the trusted proxy's forwarded headers to ``meta`` (a request's META / WSGI
    environ), then drop every forwarded header."""
    if is_trusted_proxy(meta.get("REMOTE_ADDR", "")):
        proto = _last(meta.get("HTTP_X_FORWARDED_PROTO", "")).lower()
        if proto in ("http", "https"):
            meta["wsgi.url_scheme"] = proto
        host = _last(meta.get("HTTP_X_FORWARDED_HOST", ""))
        if host:
            meta["HTTP_HOST"] = host
            meta.pop("SERVER_PORT", None)
        client = _last(meta.get("HTTP_X_FORWARDED_FOR", ""))
        if client:
            meta["REMOTE_ADDR"] = client
    for header in FORWARDED_HEADERS:
        meta.pop(header, None)


class TrustedProxyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        honour_forwarded(request.META)
        return self.get_response(request)
