"""The vote round trip's common case, answered without Django's middleware chain.

A phone voting asks for ``/conversations/<id>/vote/`` (GET) and sends its vote there (POST, or
the htmx POST answered with the next card) hundreds of times. Django spends more on carrying
such a request through its handler — a dozen middleware layers each wrapped in exception
handling, the URL resolver, ``never_cache`` and the view's decorators — than the view spends
answering it. :class:`VoteFastPath` answers the *common case* of that round trip directly:

- the request is ``GET`` or ``POST`` on exactly ``/conversations/<id>/vote/``, no query string,
  a participant pass cookie, no session cookie (nobody signed in), no flash message waiting,
  a known language cookie or none, a form body (``application/x-www-form-urlencoded``) of at
  most :data:`MAX_BODY` bytes without a ``next`` field;
- it then runs *the same code* the full chain runs, in the same order, on a real
  :class:`~django.core.handlers.wsgi.WSGIRequest`: bad bytes refused
  (:func:`~walkthetalk.site.faults.request_has_bad_bytes`), the trusted proxy's headers
  (:func:`~walkthetalk.site.proxy.honour_forwarded`), the client forgotten
  (:func:`~walkthetalk.site.privacy_guards.forget_client`), then the request and view hooks of
  the middleware in :data:`HOOKED_MIDDLEWARE` (security and HTTPS redirect, CSP, language, host
  check, CSRF with Django's own token check, messages, no framing), the vote view itself (found
  by Django's URL resolver once per conversation), and the response hooks in reverse order;
- it keeps the answer only when it is the common one: the page (200) for a GET; for a POST,
  a vote counted — the redirect to this very page, or with htmx the next card (200) — with the
  "last vote" cookie set and no flash message queued.

**Anything else falls through** to the site's Django handler with the request exactly as it
came (its body handed over again): no or invalid pass, a missing or wrong CSRF token, a refused
vote, a message to flash, a session cookie, another method (``HEAD`` too), a query string, an
oversize or non-form body, bad bytes, an unknown language, a database locked or full (any
exception), a redirect to join or to the agreements. Every guarantee is thus still given by
one piece of code; the fast path only skips the layers around it. Nothing it does logs or
stores anything the full chain does not. ``settings.VOTE_FAST_PATH``
(``WALKTHETALK_VOTE_FAST_PATH=0``) turns it off.

``tests/site/test_vote_fast_path.py`` proves it differentially: for generated requests, the
site with and without the fast path give the same status, headers, body and stored rows.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.conf.urls.i18n import is_language_prefix_patterns_used
from django.contrib.messages.storage.cookie import CookieStorage
from django.core import signals
from django.core.handlers.wsgi import WSGIRequest, get_script_name
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponseBase
from django.middleware.locale import LocaleMiddleware
from django.urls import ResolverMatch, resolve, set_script_prefix, set_urlconf
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.module_loading import import_string
from django_htmx.middleware import HtmxDetails

from walkthetalk.caremap.passes import PASS_COOKIE
from walkthetalk.conversations.participant_http import LAST_VOTE_COOKIE
from walkthetalk.site.faults import request_has_bad_bytes
from walkthetalk.site.privacy_guards import forget_client
from walkthetalk.site.proxy import honour_forwarded

VOTE_PATH = re.compile(r"/conversations/[A-Za-z0-9_-]{1,40}/vote/\Z")
FORM = "application/x-www-form-urlencoded"
MAX_BODY = 4096
# settings.PARTICIPANT_MIDDLEWARE without the layers applied here as functions (bad bytes,
# proxy, forget the client), the one that acts only on exceptions (ServiceErrorMiddleware: an
# exception falls through) and htmx's (request.htmx is set directly); a test checks the list.
HOOKED_MIDDLEWARE = (
    "django.middleware.security.SecurityMiddleware",
    "walkthetalk.site.content_policy.ContentSecurityPolicyMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
)
_MAX_MATCHES = 1024


def _not_called(request: HttpRequest) -> HttpResponseBase:
    raise AssertionError("the fast path calls the middleware's hooks, never its chain")


def is_candidate(environ: dict[str, Any]) -> bool:
    """What the WSGI environ alone says: a GET or form POST of a vote page carrying a pass and
    neither a session nor a flash message (cookie names are checked loosely: a header merely
    containing one falls through, which is always correct)."""
    method = environ.get("REQUEST_METHOD")
    if method not in ("GET", "POST") or environ.get("QUERY_STRING"):
        return False
    if VOTE_PATH.match(environ.get("PATH_INFO", "")) is None:
        return False
    cookie = environ.get("HTTP_COOKIE", "")
    if (
        PASS_COOKIE not in cookie
        or settings.SESSION_COOKIE_NAME in cookie
        or CookieStorage.cookie_name in cookie
    ):
        return False
    if method == "GET":
        return not environ.get("CONTENT_LENGTH") or environ["CONTENT_LENGTH"] == "0"
    if environ.get("CONTENT_TYPE", "").lower() != FORM:
        return False
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return 0 < length <= MAX_BODY


class VoteFastPath:
    """Answers a candidate request (:func:`is_candidate`) or returns None, having changed
    nothing stored; built once per process, like Django's handler."""

    def __init__(self) -> None:
        hooks = [import_string(path)(_not_called) for path in HOOKED_MIDDLEWARE]
        hooks = [_Language(h) if isinstance(h, LocaleMiddleware) else h for h in hooks]
        self._process_request = [h.process_request for h in hooks if hasattr(h, "process_request")]
        self._process_view = [h.process_view for h in hooks if hasattr(h, "process_view")]
        self._process_response = [
            h.process_response for h in reversed(hooks) if hasattr(h, "process_response")
        ]
        self._matches: dict[str, ResolverMatch] = {}

    def _match(self, path_info: str) -> ResolverMatch | None:
        match = self._matches.get(path_info)
        if match is None:
            match = resolve(path_info)
            if match.view_name != "conversations:vote":
                return None
            if len(self._matches) >= _MAX_MATCHES:
                self._matches.clear()
            self._matches[path_info] = match
        return match

    def answer(self, environ: dict[str, Any]) -> HttpResponseBase | None:
        """The response to ``environ`` (a copy the fast path may change), or None."""
        try:
            return self._answer(environ)
        except Exception:  # noqa: BLE001 — any fault: the full chain answers (and reports) it
            return None

    def _answer(self, environ: dict[str, Any]) -> HttpResponseBase | None:
        set_script_prefix(get_script_name(environ))
        signals.request_started.send(sender=self.__class__, environ=environ)
        request = WSGIRequest(environ)
        match = self._prepare(request)
        if match is None:
            return None
        for process_view in self._process_view:
            if process_view(request, match.func, match.args, match.kwargs) is not None:
                return None
        # The view draws the card from the global random state; a fall-through puts it back,
        # so the full chain draws the same card the site without the fast path would.
        drawn_from = random.getstate()
        response: HttpResponseBase = match.func(request, *match.args, **match.kwargs)
        if not _common(request, response):
            random.setstate(drawn_from)
            return None
        for process_response in self._process_response:
            response = process_response(request, response)
        response._resource_closers.append(request.close)  # type: ignore[attr-defined]
        return response

    def _prepare(self, request: WSGIRequest) -> ResolverMatch | None:
        """What the layers before the view do to ``request``; None when one of them would
        answer instead (or the request is not the common case)."""
        if request_has_bad_bytes(request):
            return None
        honour_forwarded(request.META)
        forget_client(request.META)
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language is not None and language not in dict(settings.LANGUAGES):
            return None
        if request.method == "POST" and "next" in request.POST:
            return None
        set_urlconf(settings.ROOT_URLCONF)
        match = self._match(request.path_info)
        if match is None:
            return None
        for process_request in self._process_request:
            if process_request(request) is not None:
                return None
        request.resolver_match = match
        request.htmx = HtmxDetails(request)  # type: ignore[attr-defined]
        return match


_CHOSEN: dict[tuple[str | None, str | None], str] = {}


@receiver(setting_changed)
def _forget_languages(setting: str, **kwargs: Any) -> None:
    if setting.startswith("LANGUAGE"):
        _CHOSEN.clear()


class _Language:
    """LocaleMiddleware's hooks for a site without language prefixes in its URLs (with them,
    LocaleMiddleware's own): the language from the cookie or the browser's Accept-Language, as
    Django's ``get_language_from_request`` chooses it, remembered per distinct pair."""

    def __init__(self, locale: LocaleMiddleware) -> None:
        self.locale = locale

    def process_request(self, request: HttpRequest) -> None:
        if is_language_prefix_patterns_used(settings.ROOT_URLCONF)[0]:
            self.locale.process_request(request)
            return
        key = (
            request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME),
            request.META.get("HTTP_ACCEPT_LANGUAGE"),
        )
        language = _CHOSEN.get(key)
        if language is None:
            language = translation.get_language_from_request(request)
            if len(_CHOSEN) >= _MAX_MATCHES:
                _CHOSEN.clear()
            _CHOSEN[key] = language
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if is_language_prefix_patterns_used(settings.ROOT_URLCONF)[0]:
            return self.locale.process_response(request, response)
        patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", translation.get_language())
        return response


def _common(request: HttpRequest, response: HttpResponseBase) -> bool:
    """The answer of the common case: the page, or a vote counted (redirect to this page or,
    with htmx, the next card), no flash message."""
    if len(request._messages):  # type: ignore[attr-defined]
        return False
    if request.method == "GET":
        return response.status_code == 200
    if LAST_VOTE_COOKIE not in response.cookies:
        return False
    if request.META.get("HTTP_HX_REQUEST") == "true":
        return response.status_code == 200
    return response.status_code == 302 and response.get("Location") == request.path


def wsgi_answer(
    response: HttpResponseBase,
    handler_class: type,
    start_response: Callable[..., Any],
    plain: Any = None,
    environ: dict[str, Any] | None = None,
) -> HttpResponseBase:
    """Start ``response`` as Django's WSGI handler does (same status line, headers, cookies);
    ``plain`` (a :class:`~walkthetalk.site.vote_plain.PlainVote`) learns them for ``environ``."""
    response._handler_class = handler_class  # type: ignore[attr-defined]
    status = f"{response.status_code} {response.reason_phrase}"
    headers = [
        *response.items(),
        *(("Set-Cookie", c.output(header="")) for c in response.cookies.values()),
    ]
    if plain is not None and environ is not None:
        plain.learn(environ, status, headers)
    start_response(status, headers)
    return response
