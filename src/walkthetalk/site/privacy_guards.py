"""Small guards that keep identifying request details out of storage and logs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse


def no_client_ip(request: HttpRequest) -> None:
    """Used by django-axes instead of reading the client's address: none is ever stored."""
    return None


IDENTIFYING_HEADERS = (
    "HTTP_USER_AGENT",
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_REAL_IP",
    "HTTP_FORWARDED",
)


def forget_client(meta: dict[str, Any]) -> None:
    """Drop the client's address and user agent from ``meta`` (a request's META)."""
    for header in IDENTIFYING_HEADERS:
        meta.pop(header, None)
    meta["REMOTE_ADDR"] = ""


class ForgetClientMiddleware:
    """First in the chain: drops the client's address and user agent from every request, so
    no view, library or log line after it can store them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        forget_client(request.META)
        return self.get_response(request)
