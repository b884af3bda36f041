"""Faults met kindly: bad bytes are refused, a busy or full database answers 503, errors are styled.

- :class:`RefuseBadBytesMiddleware` (first in the chain) answers 400 to a NUL byte or invalid
  UTF-8 anywhere in the path, the query string or a form/JSON body, before anything reads them,
  so nothing is stored as garbage and PostgreSQL never sees a NUL.
- :func:`server_error` is the site's 500 handler. When the error is the database being locked
  (SQLite past its timeout, a PostgreSQL lock or lost connection) or the disk being full, it
  answers 503 with ``Retry-After`` and a page saying nothing was lost; every write runs in one
  transaction (services), so a failed request leaves stored data exactly as it was.
- Error pages render without touching the database or the session.
"""

from __future__ import annotations

import errno
import logging
import re
import sys
from collections.abc import Callable
from urllib.parse import unquote_to_bytes

from django.db import DatabaseError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

RETRY_AFTER_SECONDS = 30
MAX_CHECKED_BODY = 10 * 1024 * 1024  # Django refuses larger form bodies anyway
log = logging.getLogger("walkthetalk.faults")


def _page(template: str, status: int) -> HttpResponse:
    return HttpResponse(render_to_string(template), status=status)


# --- bad bytes -----------------------------------------------------------------------------

_JSON_NUL = re.compile(rb"\\u0000", re.IGNORECASE)


def _bad_bytes(raw: bytes) -> bool:
    if b"\x00" in raw:
        return True
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def _bad_urlencoded(raw: bytes) -> bool:
    for part in raw.split(b"&"):
        for piece in part.split(b"=", 1):
            if _bad_bytes(unquote_to_bytes(piece.replace(b"+", b" "))):
                return True
    return False


def _bad_multipart(request: HttpRequest) -> bool:
    # Django decodes multipart fields with replacement characters; a NUL or a U+FFFD there
    # means the browser sent bytes that were not text.
    return any(
        "\x00" in value or "\ufffd" in value
        for key in request.POST
        for value in [key, *request.POST.getlist(key)]
    )


def request_has_bad_bytes(request: HttpRequest) -> bool:
    meta = request.META
    # WSGI hands the path over as bytes decoded as latin-1.
    raw_path = meta.get("PATH_INFO", "").encode("latin-1", "replace")
    if _bad_bytes(unquote_to_bytes(raw_path)):
        return True
    raw_query = meta.get("QUERY_STRING", "").encode("latin-1", "replace")
    if raw_query and _bad_urlencoded(raw_query):
        return True
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return False
    content_type = meta.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
    if content_type == "multipart/form-data":
        return _bad_multipart(request)
    try:
        length = int(meta.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return True
    if length <= 0 or length > MAX_CHECKED_BODY:
        return False  # no body, or one Django itself refuses as too large
    body = request.body
    if content_type == "application/x-www-form-urlencoded":
        return _bad_urlencoded(body)
    if content_type == "application/json" and _JSON_NUL.search(body):
        return True
    return _bad_bytes(body)


class RefuseBadBytesMiddleware:
    """First in the chain: 400 for NUL bytes or invalid UTF-8 in the URL, query or body."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request_has_bad_bytes(request):
            return _page("400.html", 400)
        return self.get_response(request)


# --- 503 for a busy or full database, styled 404 and 500 -----------------------------------


def is_temporary_fault(exc: BaseException | None) -> bool:
    """A locked or unreachable database or a full disk: trying again later will work."""
    while exc is not None:
        if isinstance(exc, OperationalError):
            return True
        if isinstance(exc, DatabaseError) and "full" in str(exc).lower():
            return True
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        exc = exc.__cause__
    return False


def busy_response() -> HttpResponse:
    response = _page("503.html", 503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 handler: 503 with Retry-After for temporary faults, a kind 500 page otherwise."""
    exc = sys.exc_info()[1]
    if is_temporary_fault(exc):
        log.warning("temporary fault, answered 503: %s", type(exc).__name__)
        return busy_response()
    return _page("500.html", 500)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _page("404.html", 404)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    return _page("400.html", 400)
