"""The site's WSGI application: participants' vote requests through a lean middleware chain.

A phone voting asks for ``/conversations/<id>/vote/`` hundreds of times. Those requests carry a
participant pass, never a session, so sessions, the signed-in user, two-factor checks, sign-in
lockout and static files have nothing to do for them. :class:`SiteApplication` sends a vote
request, or a request of the write page and its near-duplicate check, *without a session
cookie* to a second Django handler whose middleware is
``settings.PARTICIPANT_MIDDLEWARE`` (an ordered subset of ``settings.MIDDLEWARE`` that keeps every
guarantee a participant's request needs: bad bytes refused, the trusted proxy, forgetting the
client, security headers and CSP, the language cookie, host checks, CSRF, flash messages in their
cookie, the kind error pages, no framing, htmx). Every other request, and any request that
carries a session cookie (maybe a signed-in staff member), goes through the full chain in
``settings.MIDDLEWARE``. ``tests/site/test_participant_handler.py`` checks both.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import WSGIHandler
from django.utils.module_loading import import_string

from walkthetalk.site.vote_fast_path import VoteFastPath, is_candidate, wsgi_answer
from walkthetalk.site.vote_plain import PlainVote

LEAN_PATH = re.compile(r"/conversations/[^/]+/(?:vote|write|write/similar)/\Z")
"""The vote page, and writing a statement (the page, its near-duplicate check, the write)."""


class ParticipantHandler(WSGIHandler):
    """Django's WSGI handler with ``settings.PARTICIPANT_MIDDLEWARE`` instead of ``MIDDLEWARE``
    (synchronous middleware only, as the whole site is)."""

    def load_middleware(self, is_async: bool = False) -> None:
        assert not is_async, "the site is served by synchronous WSGI workers"
        self._view_middleware: list[Callable[..., Any]] = []
        self._template_response_middleware: list[Callable[..., Any]] = []
        self._exception_middleware: list[Callable[..., Any]] = []
        handler = convert_exception_to_response(self._get_response)  # type: ignore[attr-defined]
        for middleware_path in reversed(settings.PARTICIPANT_MIDDLEWARE):
            middleware = import_string(middleware_path)
            try:
                instance = middleware(handler)
            except MiddlewareNotUsed:
                continue
            if hasattr(instance, "process_view"):
                self._view_middleware.insert(0, instance.process_view)
            if hasattr(instance, "process_template_response"):
                self._template_response_middleware.append(instance.process_template_response)
            if hasattr(instance, "process_exception"):
                self._exception_middleware.append(instance.process_exception)
            handler = convert_exception_to_response(instance)
        self._middleware_chain = handler


def is_participant_request(environ: dict[str, Any]) -> bool:
    """A vote or write page request that carries no session cookie. A cookie header merely
    containing the session cookie's name sends the request through the full chain (always
    correct)."""
    return LEAN_PATH.match(environ.get("PATH_INFO", "")) is not None and (
        settings.SESSION_COOKIE_NAME not in environ.get("HTTP_COOKIE", "")
    )


class SiteApplication:
    """The WSGI application ``walkthetalk serve`` runs: a vote sent by a form answered by
    :class:`~walkthetalk.site.vote_plain.PlainVote`, the vote round trip's common case
    by :class:`~walkthetalk.site.vote_fast_path.VoteFastPath` (both unless
    ``settings.VOTE_FAST_PATH`` is off), everything else by two Django handlers, one dispatch
    rule."""

    def __init__(self) -> None:
        self.full = WSGIHandler()
        self.participant = ParticipantHandler()
        self.fast = VoteFastPath()
        self.plain = PlainVote(type(self))

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        if settings.VOTE_FAST_PATH and is_candidate(environ):
            body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            plain = self.plain.answer(environ, body, start_response)
            if plain is not None:
                return plain
            response = self.fast.answer({**environ, "wsgi.input": io.BytesIO(body)})
            if response is not None:
                return wsgi_answer(response, type(self), start_response, self.plain, environ)
            environ["wsgi.input"] = io.BytesIO(body)  # the full chain reads the same body
        if is_participant_request(environ):
            return self.participant(environ, start_response)
        return self.full(environ, start_response)
