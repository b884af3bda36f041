"""The commonest vote requests answered with plain values: the vote page, a form POST of a
vote and an htmx POST of a vote.

:class:`~walkthetalk.site.vote_fast_path.VoteFastPath` answers the vote round trip's common
case with Django's request and response objects; building them, and running each middleware's
hooks on them, costs more than the vote. :class:`PlainVote` answers the commonest request of
all — a vote sent by a form POST, answered by the redirect to the same page with the "last
vote" cookie — from the WSGI environ, with plain values, doing the same checks in the same
order as the full chain, each with the function the full chain uses:

- the form body parsed with :func:`urllib.parse.parse_qsl` (strict); only the vote form's
  fields, each once, each a URL-safe token (anything else falls through, so the parse is
  Django's), no ``next``;
- bad bytes (the path, the body: tokens only; the cookie header through Django's
  ``parse_cookie``), the trusted proxy's headers (:func:`~walkthetalk.site.proxy.honour_forwarded`),
  the client forgotten (:func:`~walkthetalk.site.privacy_guards.forget_client`);
- the HTTPS redirect (falls through when it would redirect), the language (only one the full
  chain has already chosen for this cookie and Accept-Language pair), the host check (Django's
  ``validate_host`` on ``ALLOWED_HOSTS``), CSRF (Django's ``_check_token_format``, then
  :func:`~walkthetalk.conversations.vote_page.token_matches`, Django's ``_does_token_match``
  table-driven; an ``Origin`` must be this site's own; over https without ``Origin``
  Django's Referer rules apply, so that falls through);
- the pass (:meth:`~walkthetalk.caremap.passes.ParticipantPass.from_signed`, as the view), the
  participant and conversation (:func:`~walkthetalk.conversations.selectors.voter_row`), the
  vote's rule (:func:`~walkthetalk.conversations.services.vote_value`) and its storing
  (:func:`~walkthetalk.conversations.services.record_vote`), the cookie's value
  (:func:`~walkthetalk.conversations.participant_http.last_vote_value`);
- with htmx, the next card: the same memo as the page's (``vote_page``, the card's template),
  every card that may be drawn after the vote checked as rendered *before* the vote is stored,
  the card rows read before the vote with the statement just voted on marked voted, the CSRF
  cookie sent again as Django's ``get_token`` makes the full chain send it;
- the answer's headers: those the full chain gave the same *shape* of answer (this page, this
  language, http or https), learnt from the first such answer
  (:meth:`PlainVote.learn`), with only the per-request values put in: the ``Expires`` date,
  the cookie's value and its expiry date, formatted as Django formats them.

Anything else — no shape learnt yet, a vote that changed nothing (retried, outdated, refused),
any exception — returns None *before* anything is stored or after a vote that changed nothing,
and the request goes on to the fast path and the full chain unchanged. A vote stored and then
an exception: the full chain receives the same form, which changes nothing (the upsert keeps
the stored request key) and answers as for a retried vote. Nothing is logged or stored that
the full chain would not; the process keeps only the learnt header lists (per vote page and
shape, at most :data:`MAX_SHAPES`). ``tests/site/test_vote_fast_path.py`` proves the answers
equal to the full chain's.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any, NamedTuple
from urllib.parse import parse_qsl

from django.conf import settings
from django.core.handlers.wsgi import get_script_name
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http.cookie import parse_cookie
from django.http.request import split_domain_port, validate_host
from django.middleware.csrf import (  # type: ignore[attr-defined]
    CSRF_ALLOWED_CHARS,
    CSRF_SECRET_LENGTH,
    InvalidTokenFormat,
    _check_token_format,
)
from django.urls import set_script_prefix
from django.utils import translation
from django.utils.http import http_date

from walkthetalk.caremap.passes import PASS_COOKIE, ParticipantPass
from walkthetalk.conversations import selectors, services, vote_page
from walkthetalk.conversations.models import Conversation
from walkthetalk.conversations.participant_http import (
    LAST_VOTE_COOKIE,
    LAST_VOTE_MAX_AGE,
    last_vote_of,
    last_vote_value,
)
from walkthetalk.site import request_upkeep
from walkthetalk.site.privacy_guards import forget_client
from walkthetalk.site.proxy import honour_forwarded
from walkthetalk.site.vote_fast_path import _CHOSEN

FIELDS = frozenset({"csrfmiddlewaretoken", "statement", "key", "replaces", "choice"})
_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,128}\Z")
_TOKENS = re.compile(r"[A-Za-z0-9_-]{1,128}(?: [A-Za-z0-9_-]{1,128})*\Z")  # _TOKEN's, spaced
# A form body of up to len(FIELDS) fields, each a lower-case name and a _TOKEN or nothing.
_PLAIN_BODY = re.compile(r"[a-z]+=[A-Za-z0-9_-]{0,128}(?:&[a-z]+=[A-Za-z0-9_-]{0,128}){0,4}\Z")
_SECRET = re.compile(f"[{re.escape(CSRF_ALLOWED_CHARS)}]{{{CSRF_SECRET_LENGTH}}}\\Z")

MAX_SHAPES = 1024

# A learnt header list: literal (name, value) pairs, or a slot name for a per-request value
# ("Expires", "Content-Length", or a cookie's name).
_Headers = list[tuple[str, str] | str]
# A learnt cookie: the text before its value, between value and expiry date, and after it.
_Cookie = tuple[str, str, str]
# (method, path, language, https, htmx)
_Shape = tuple[str, str, str, bool, bool]


class _Settings(NamedTuple):
    """The settings a plain answer reads, read once per configuration."""

    ssl_redirect: bool
    language_cookie: str
    csrf_cookie: str
    csrf_age: int
    csrf_header: str
    csrf_sessions: bool
    host_falls_through: bool  # USE_X_FORWARDED_HOST, PREPEND_WWW or DISALLOWED_USER_AGENTS
    allowed_hosts: tuple[str, ...]  # ALLOWED_HOSTS, or Django's own when DEBUG and it is empty


_READ = frozenset(
    {
        "SECURE_SSL_REDIRECT",
        "LANGUAGE_COOKIE_NAME",
        "CSRF_COOKIE_NAME",
        "CSRF_COOKIE_AGE",
        "CSRF_HEADER_NAME",
        "CSRF_USE_SESSIONS",
        "USE_X_FORWARDED_HOST",
        "PREPEND_WWW",
        "DISALLOWED_USER_AGENTS",
        "ALLOWED_HOSTS",
        "DEBUG",
    }
)
_read: _Settings | None = None


def _settings() -> _Settings:
    """The settings of :data:`_READ`, read the first time after start-up or a change."""
    global _read
    found = _read
    if found is None:
        allowed = settings.ALLOWED_HOSTS
        if settings.DEBUG and not allowed:
            allowed = [".localhost", "127.0.0.1", "[::1]"]
        found = _read = _Settings(
            bool(settings.SECURE_SSL_REDIRECT),
            settings.LANGUAGE_COOKIE_NAME,
            settings.CSRF_COOKIE_NAME,
            settings.CSRF_COOKIE_AGE,
            settings.CSRF_HEADER_NAME,
            bool(settings.CSRF_USE_SESSIONS),
            bool(
                settings.USE_X_FORWARDED_HOST
                or settings.PREPEND_WWW
                or settings.DISALLOWED_USER_AGENTS
            ),
            tuple(allowed),
        )
    return found


@receiver(setting_changed)
def _forget_settings(setting: str, **kwargs: Any) -> None:
    global _read
    if setting in _READ:
        _read = None


def _cookie_re(name: str) -> re.Pattern[str]:
    return re.compile(rf"( ?{re.escape(name)}=)[^;]*(; expires=)[^;]*(;.*)\Z")


class _Answered(list[bytes]):
    """The answer's body; closing it ends the request as Django's responses do."""

    def __init__(self, handler_class: type, body: bytes = b"") -> None:
        super().__init__([body])
        self.handler_class = handler_class

    def close(self) -> None:
        request_upkeep.finished(self.handler_class)


class PlainVote:
    """Built once per process; :meth:`answer` answers or returns None, :meth:`learn` keeps the
    full chain's headers of a shape."""

    def __init__(self, handler_class: type) -> None:
        self.handler_class = handler_class
        self._shapes: dict[_Shape, tuple[_Headers, dict[str, _Cookie]]] = {}

    # --- what the request is ---------------------------------------------------------------

    def _shape(
        self, environ: dict[str, Any], cookies: dict[str, str] | None = None
    ) -> _Shape | None:
        """(method, path, language, https, htmx) of a page GET or a POST of a vote (a form's
        or htmx's), on ``environ`` after the proxy's headers (``cookies``: its cookies, parsed
        already); None when the full chain must see it."""
        method = environ.get("REQUEST_METHOD", "")
        htmx = "HTTP_HX_REQUEST" in environ
        if method not in ("GET", "POST") or (
            htmx and (method != "POST" or environ["HTTP_HX_REQUEST"] != "true")
        ):
            return None
        secure = environ.get("wsgi.url_scheme") == "https"
        read = _settings()
        if read.ssl_redirect and not secure:
            return None
        if cookies is None:
            cookies = parse_cookie(environ.get("HTTP_COOKIE", ""))
        language = _CHOSEN.get(
            (cookies.get(read.language_cookie), environ.get("HTTP_ACCEPT_LANGUAGE"))
        )
        if language is None:
            return None
        return method, environ["PATH_INFO"], language, secure, htmx

    def learn(self, environ: dict[str, Any], status: str, headers: list[tuple[str, str]]) -> None:
        """Keep the headers the fast path gave this shape of request — the page (200, the
        CSRF cookie sent again), a form's vote (the redirect with the last-vote cookie) or an
        htmx vote (the next card, 200, with the last-vote cookie and the CSRF cookie sent
        again), no other cookie — with slots for the per-request values."""
        meta = dict(environ)
        honour_forwarded(meta)
        shape = self._shape(meta)
        if shape is None:
            return
        method, htmx = shape[0], shape[4]
        if status != ("302 Found" if method == "POST" and not htmx else "200 OK"):
            return
        expected = set()
        if method == "POST":
            expected.add(LAST_VOTE_COOKIE)
        if method == "GET" or htmx:
            expected.add(_settings().csrf_cookie)
        learnt = _learnt(headers, expected, shape[1])
        if learnt is None:
            return
        if len(self._shapes) >= MAX_SHAPES:
            self._shapes.clear()
        self._shapes[shape] = learnt

    # --- the answer --------------------------------------------------------------------------

    def answer(
        self, environ: dict[str, Any], body: bytes, start_response: Callable[..., Any]
    ) -> _Answered | None:
        method = environ.get("REQUEST_METHOD")
        if method not in ("GET", "POST"):
            return None
        try:
            if method == "GET":
                return self._page(dict(environ), start_response)
            return self._answer(dict(environ), body, start_response)
        except Exception:  # noqa: BLE001 — any fault: the fast path and full chain answer it
            return None

    def _known(
        self, meta: dict[str, Any]
    ) -> tuple[_Shape, tuple[_Headers, dict[str, _Cookie]], dict[str, str]] | None:
        """The first steps of every plain answer, on ``meta`` (changed as the full chain
        changes it): the trusted proxy's headers, the client forgotten, the request's shape
        with the headers learnt for it, the host check; then its cookies. None: fall through."""
        honour_forwarded(meta)
        forget_client(meta)
        cookies = parse_cookie(meta.get("HTTP_COOKIE", ""))
        shape = self._shape(meta, cookies)
        learnt = self._shapes.get(shape) if shape is not None else None
        if shape is None or learnt is None or not _host_allowed(meta):
            return None
        return shape, learnt, cookies

    def _answer(
        self, meta: dict[str, Any], body: bytes, start_response: Callable[..., Any]
    ) -> _Answered | None:
        form = _form(body)
        if form is None:
            return None
        known = self._known(meta)
        if known is None:
            return None
        shape, learnt, cookies = known
        if not _csrf_passes(meta, cookies, form, secure=shape[3]):
            return None
        htmx = shape[4]
        participant_pass = ParticipantPass.from_signed(cookies.get(PASS_COOKIE, ""))
        statement = form.get("statement", "")
        if participant_pass is None or len(statement) > 40:
            return None
        public_id = shape[1].split("/")[2]
        set_script_prefix(get_script_name(meta))
        request_upkeep.started(self.handler_class, meta)
        found = selectors.voter_row(public_id, participant_pass, cards=htmx)
        if found is None or not found.accepted:
            return None
        key, replaces = form.get("key", ""), form.get("replaces", "")
        try:
            value = services.vote_value(
                found.conversation["status"], form.get("choice", ""), key, replaces
            )
        except services.ConversationError:
            return None  # refused: the full chain says why, kindly
        # With htmx, the next card: every statement that may be drawn after the vote must
        # have its card's shape rendered already, checked before anything is stored.
        ready = _cards_ready(shape, found.conversation, found, value) if htmx else ([], "")
        if ready is None or not services.record_vote(
            found.conversation_pk, found.participant_pk, statement, value, key, replaces
        ):
            return None  # nothing changed: the full chain says how the vote stands
        slots = {LAST_VOTE_COOKIE: (last_vote_value(statement, value), LAST_VOTE_MAX_AGE)}
        if not htmx:
            start_response("302 Found", _headers(*learnt, slots, 0))
            return _Answered(self.handler_class)
        # The statement just voted on is voted on now; the rest is as read before the vote.
        rows, language = ready
        rows = [(*row[:5], True) if row[1] == statement else row for row in rows]
        read = _settings()
        secret = cookies[read.csrf_cookie]
        card = self._filled(shape, found.conversation, rows, secret, value, language, card=True)
        if card is None:
            return None  # stored: the full chain answers the same form as a retried vote
        slots[read.csrf_cookie] = (secret, read.csrf_age)
        start_response("200 OK", _headers(*learnt, slots, len(card)))
        return _Answered(self.handler_class, card)

    def _filled(
        self,
        shape: _Shape,
        conversation: dict[str, Any],
        rows: list[tuple[Any, ...]],
        secret: str,
        last_value: int | None,
        language: str,
        *,
        card: bool,
    ) -> bytes | None:
        """The page (``card``: the htmx card) with the statement drawn from ``rows``, in the
        active ``language`` (``get_language()``, read already); None when there is none left
        (the end screen is the template's)."""
        drawn = selectors.card_of_rows(rows)
        statement = drawn.statement
        if statement is None:
            return None
        page_shape = vote_page.shape_of(shape[1], card, conversation, statement, last_value, ())
        html = vote_page.filled_page(
            page_shape,
            {
                "csrf": vote_page.masked_token(secret),
                "key": vote_page.new_request_key(),
                "statement": statement.public_id,
                "text": statement.text,
                "clarification": statement.clarification,
                "number": drawn.progress.number,
                "total": drawn.progress.total,
                "left": vote_page.left_text(drawn.progress.remaining, language),
            },
            card=card,
            language=language,
        )
        return None if html is None else html.encode()

    def _page(self, meta: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        """The vote page (GET) for a participant with a CSRF cookie: nothing is stored, so
        any step may fall through."""
        if meta.get("CONTENT_LENGTH") not in (None, "", "0"):
            return None
        known = self._known(meta)
        if known is None:
            return None
        shape, learnt, cookies = known
        read = _settings()
        secret = cookies.get(read.csrf_cookie, "")
        if read.csrf_sessions or not _SECRET.match(secret):
            return None  # Django would make a new secret
        participant_pass = ParticipantPass.from_signed(cookies.get(PASS_COOKIE, ""))
        if participant_pass is None:
            return None
        path = shape[1]
        set_script_prefix(get_script_name(meta))
        request_upkeep.started(self.handler_class, meta)
        found = selectors.voter_row(path.split("/")[2], participant_pass, cards=True)
        if (
            found is None
            or not found.accepted
            or found.conversation["status"] != Conversation.Status.OPEN
        ):
            return None
        last = last_vote_of(cookies.get(LAST_VOTE_COOKIE))
        last_value = last.value if last else None
        rows = selectors.voter_card_rows(found)
        translation.activate(shape[2])
        language = translation.get_language()
        # Every statement that may be drawn must have its page's shape rendered already and
        # a URL-safe id: the draw is then made only when this answer will be given (the full
        # chain's draw is the same one, from the same random state).
        if not _pages_ready(path, found.conversation, rows, last_value, language):
            return None
        body = self._filled(
            shape, found.conversation, rows, secret, last_value, language, card=False
        )
        if body is None:
            return None
        slots = {read.csrf_cookie: (secret, read.csrf_age)}
        start_response("200 OK", _headers(*learnt, slots, len(body)))
        return _Answered(self.handler_class, body)


def _learnt(
    headers: list[tuple[str, str]], expected: set[str], path: str
) -> tuple[_Headers, dict[str, _Cookie]] | None:
    """The header list with slots, and the cookies' fixed parts, when the headers set exactly
    the ``expected`` cookies (each once), have ``Expires`` and ``Content-Length`` and any
    ``Location`` is ``path``."""
    patterns = {name: _cookie_re(name) for name in expected}
    learnt: _Headers = []
    cookies: dict[str, _Cookie] = {}
    for name, value in headers:
        if name in ("Expires", "Content-Length"):
            learnt.append(name)
        elif name == "Set-Cookie":
            found = [(c, p.match(value)) for c, p in patterns.items() if c not in cookies]
            match = next(((c, m) for c, m in found if m is not None), None)
            if match is None:
                return None
            cookies[match[0]] = (match[1][1], match[1][2], match[1][3])
            learnt.append(match[0])
        elif name == "Location" and value != path:
            return None
        else:
            learnt.append((name, value))
    if cookies.keys() != expected or "Expires" not in learnt or "Content-Length" not in learnt:
        return None
    return learnt, cookies


def _cards_ready(
    shape: _Shape, conversation: dict[str, Any], found: Any, value: int
) -> tuple[list[tuple[Any, ...]], str] | None:
    """The card rows read before an htmx vote and the language activated (the shape's, as
    ``get_language()`` gives it), when every card that may be drawn after it is rendered
    already in that language; else None."""
    rows = selectors.voter_card_rows(found)
    translation.activate(shape[2])
    language = translation.get_language()
    if not _pages_ready(shape[1], conversation, rows, value, language, card=True):
        return None
    return rows, language


def _pages_ready(
    path: str,
    conversation: dict[str, Any],
    rows: list[tuple[Any, ...]],
    last_value: int | None,
    language: str,
    *,
    card: bool = False,
) -> bool:
    """Whether every statement that may be drawn has a URL-safe id and its page's (``card``:
    card's) shape (which depends on whether it has a clarification) rendered already in the
    active ``language`` (``get_language()``, read already)."""
    candidates = [row for row in rows if not row[5]]
    if not url_safe([row[1] for row in candidates]):
        return False
    for clarified in {bool(row[3]) for row in candidates}:
        statement = selectors.CardStatement(0, "", "", "x" if clarified else "")
        shape = vote_page.shape_of(path, card, conversation, statement, last_value, ())
        if not vote_page.has_page(shape, card=card, language=language):
            return False
    return True


def url_safe(ids: list[str]) -> bool:
    """Whether every one of ``ids`` is a URL-safe token (``_TOKEN``), in one match."""
    joined = " ".join(ids)
    return not ids or (joined.count(" ") == len(ids) - 1 and bool(_TOKENS.match(joined)))


def _headers(
    learnt: _Headers,
    cookies: dict[str, _Cookie],
    values: dict[str, tuple[str, int]],
    length: int,
) -> list[tuple[str, str]]:
    """The learnt headers with the per-request values: ``values`` maps each cookie's name to
    its value and max age. A literal header (a tuple, most of them) is told apart first: a
    tuple compared with a slot's name costs a failed comparison both ways."""
    now = time.time()
    second = int(now)
    out: list[tuple[str, str]] = []
    for item in learnt:
        if isinstance(item, tuple):
            out.append(item)
        elif item == "Expires":
            out.append(("Expires", http_date_at(second)))
        elif item == "Content-Length":
            out.append(("Content-Length", str(length)))
        else:
            cookie = cookies[item]
            value, max_age = values[item]
            expires = (
                http_date_at(second, max_age)
                if isinstance(max_age, int)
                else http_date(now + max_age)
            )
            out.append(("Set-Cookie", f"{cookie[0]}{value}{cookie[1]}{expires}{cookie[2]}"))
    return out


_dates: tuple[int, dict[int, str]] = (-1, {})


def http_date_at(second: int, later: int = 0) -> str:
    """Django's ``http_date(t + later)`` for any ``t`` in the wall clock's ``second`` (the date
    has no finer part; ``later`` is whole seconds), worked out once per second per process."""
    global _dates
    memo = _dates
    if memo[0] != second:
        memo = _dates = (second, {})
    found = memo[1].get(later)
    if found is None:
        found = memo[1][later] = http_date(second + later)
    return found


def _form(body: bytes) -> dict[str, str] | None:
    """The vote form's fields, when every one is known, given once and a URL-safe token.

    A body of at most five ``name=token`` fields (the commonest, a browser's vote form) is
    split directly: with nothing to unquote, that is what ``parse_qsl`` gives (a field with an
    empty value left out as it leaves it out); any other body is parsed by ``parse_qsl``."""
    try:
        text = body.decode("ascii")
    except ValueError:
        return None
    if _PLAIN_BODY.match(text):
        form: dict[str, str] = {}
        for field in text.split("&"):
            name, _, value = field.partition("=")
            if value:
                if name in form:
                    return None
                form[name] = value
        return form if form.keys() <= FIELDS else None
    try:
        pairs = parse_qsl(text, strict_parsing=True, max_num_fields=len(FIELDS))
    except ValueError:
        return None
    form = dict(pairs)
    if len(form) != len(pairs) or not form.keys() <= FIELDS:
        return None
    if not all(_TOKEN.match(v) for v in form.values()):
        return None
    return form


def _host_allowed(meta: dict[str, Any]) -> bool:
    """CommonMiddleware's and Django's host check (``request.get_host()``), without the
    settings this site never uses (those fall through)."""
    read = _settings()
    if read.host_falls_through:
        return False
    host = meta.get("HTTP_HOST")
    if not host:
        return False
    domain, _port = split_domain_port(host)
    return bool(domain) and validate_host(domain, read.allowed_hosts)


def _csrf_passes(
    meta: dict[str, Any], cookies: dict[str, str], form: dict[str, str], *, secure: bool
) -> bool:
    """Django's CSRF check of a POST, for a stored secret of the usual form; anything else
    (Django would refuse, rotate or judge the Referer) falls through."""
    read = _settings()
    if read.csrf_sessions:
        return False
    secret = cookies.get(read.csrf_cookie, "")
    if not _SECRET.match(secret):
        return False
    origin = meta.get("HTTP_ORIGIN")
    if origin is not None:
        if origin != f"{'https' if secure else 'http'}://{meta['HTTP_HOST']}":
            return False
    elif secure:
        return False
    token = form.get("csrfmiddlewaretoken", "") or meta.get(read.csrf_header, "")
    try:
        _check_token_format(token)
    except InvalidTokenFormat:
        return False
    return vote_page.token_matches(token, secret)
