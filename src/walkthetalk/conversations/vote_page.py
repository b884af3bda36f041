"""The vote page and vote card, the pages participants ask for by the hundred, rendered fast.

Each is a :class:`~walkthetalk.conversations.template_memo.TemplateMemo`: the template is
rendered once per shape (conversation wording and state, which branches show, the released
common ground, the value of the vote just cast, htmx or not, the language) and later answers
only fill in the statement, the progress and how many are left, the vote form's key and the
CSRF token. Anything unusual — no statement to show (the end screen), a vote being changed, an
error, a flash message waiting, a session cookie (perhaps a signed-in staff member), a query
string, a statement id that is not URL-safe — is rendered by the template engine as usual.
``tests/conversations/test_vote_page.py`` checks both give the same page.
"""

from __future__ import annotations

import functools
import hmac
import os
import re
import secrets
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from django.contrib.messages import get_messages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import (  # type: ignore[attr-defined]
    CSRF_ALLOWED_CHARS,
    CSRF_SECRET_LENGTH,
    CSRF_TOKEN_LENGTH,
    _add_new_csrf_cookie,
)
from django.shortcuts import render
from django.utils.autoreload import file_changed
from django.utils.cache import add_never_cache_headers
from django.utils.http import http_date
from django.utils.translation import get_language, ngettext

from walkthetalk.caremap.participant_http import may_be_signed_in
from walkthetalk.conversations.selectors import CardStatement
from walkthetalk.conversations.template_memo import TemplateMemo

PAGE = "conversations/vote.html"
CARD = "conversations/partials/vote_card.html"
FIELDS = ("csrf", "key", "statement", "text", "clarification", "number", "total", "left")
_MEMOS = {name: TemplateMemo(name, FIELDS) for name in (PAGE, CARD)}
_URL_SAFE = re.compile(r"[A-Za-z0-9_-]+\Z")


_CHARS = CSRF_ALLOWED_CHARS
_UNBIASED = 256 - 256 % len(_CHARS)  # bytes below this map evenly onto the 62 characters
# A random byte below _UNBIASED becomes the character _CHARS[byte % 62]; the others are dropped.
_BYTE_CHARS = bytes(ord(_CHARS[b % len(_CHARS)]) if b < _UNBIASED else 0 for b in range(256))
_DROPPED = bytes(range(_UNBIASED, 256))
# Django's _mask_cipher_secret adds each mask character's index in _CHARS to the secret's, mod
# 62, and _unmask_cipher_token subtracts it. Done here on whole strings at once: each string's
# bytes become their indices (_INDEX; 255 for a byte that is no character of _CHARS), read as
# one big-endian integer. Indices are below 62, so adding two (or 62 plus one minus another)
# stays below 124 in every byte — no carry or borrow crosses a byte — and _MOD62 turns each
# byte of the result back into the character of its value mod 62.
_INDEX = bytes(_CHARS.index(chr(b)) if chr(b) in _CHARS else 255 for b in range(256))
_SIXTY_TWOS = int.from_bytes(bytes([len(_CHARS)]) * CSRF_SECRET_LENGTH, "big")
_MOD62 = bytes(ord(_CHARS[b % len(_CHARS)]) if b < 2 * len(_CHARS) else 0 for b in range(256))


def _indices(text: str) -> int:
    """``text``'s characters' indices in _CHARS, as one integer; ValueError for any other
    character (as Django's ``str.index``)."""
    raw = text.encode().translate(_INDEX)
    if b"\xff" in raw:
        raise ValueError("not a CSRF character")
    return int.from_bytes(raw, "big")


def _characters(value: int, length: int) -> str:
    return value.to_bytes(length, "big").translate(_MOD62).decode("ascii")


def _random_chars(count: int) -> str:
    """``count`` characters of :data:`_CHARS`, uniform and from ``os.urandom`` (as Django's
    ``get_random_string``, one system call instead of one per character)."""
    drawn = b""
    while len(drawn) < count:
        drawn += os.urandom(2 * count).translate(_BYTE_CHARS, _DROPPED)
    return drawn[:count].decode("ascii")


def csrf_token(request: HttpRequest) -> str:
    """Django's ``get_token``: the request's CSRF secret (a new one if it has none), masked
    as Django's ``_mask_cipher_secret`` masks it, the cookie flagged to be sent; the mask is
    drawn by :func:`_random_chars`. Django's CSRF check unmasks it (test_vote_page.py)."""
    if "CSRF_COOKIE" in request.META:
        secret = request.META["CSRF_COOKIE"]
        request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True
    else:
        secret = _add_new_csrf_cookie(request)
    return masked_token(secret)


def masked_token(secret: str) -> str:
    """A CSRF secret masked as Django's ``_mask_cipher_secret`` masks it, the mask drawn by
    :func:`_random_chars`."""
    mask = _random_chars(len(secret))
    return mask + _characters(_indices(secret) + _indices(mask), len(secret))


def token_matches(token: str, secret: str) -> bool:
    """Django's ``_does_token_match``: whether ``token`` (checked by Django's
    ``_check_token_format``: a masked token or a bare secret of Django's characters) is the CSRF
    ``secret``, unmasked (a masked one) as :data:`_INDEX` says and compared in constant time."""
    if len(token) == CSRF_TOKEN_LENGTH:
        mask, cipher = _indices(token[:CSRF_SECRET_LENGTH]), _indices(token[CSRF_SECRET_LENGTH:])
        token = _characters(cipher + _SIXTY_TWOS - mask, CSRF_SECRET_LENGTH)
    if len(token) != CSRF_SECRET_LENGTH:
        raise AssertionError("a CSRF token of the wrong length")  # as Django's assert
    return hmac.compare_digest(token.encode(), secret.encode())


def new_request_key() -> str:
    """The vote form's random key (what makes a retried vote change nothing)."""
    return secrets.token_urlsafe(16)


# left_text's answers per (language, count): text of the translation catalogs only, dropped
# whenever Django drops its catalogs (a setting changed, a .mo file changed under the
# autoreloader), with the rendered shapes of _MEMOS.
_LEFT: dict[tuple[str, int], str] = {}
MAX_LEFT = 4096


def left_text(remaining: int, language: str | None = None) -> str:
    """ "3 statements left", in the active language (``language``: the caller's
    ``get_language()``, read already)."""
    key = (language or get_language(), remaining)
    found = _LEFT.get(key)
    if found is None:
        found = ngettext("%(counter)s statement left", "%(counter)s statements left", remaining) % {
            "counter": remaining
        }
        if len(_LEFT) >= MAX_LEFT:
            _LEFT.clear()
        _LEFT[key] = found
    return found


@receiver(setting_changed)
def _forget_texts(**kwargs: Any) -> None:
    _LEFT.clear()


@receiver(file_changed)
def _forget_translated(file_path: Any, **kwargs: Any) -> None:
    """Django's own receiver drops its catalogs when a .mo file changes (and keeps the
    process): drop what was translated with them."""
    if getattr(file_path, "suffix", None) == ".mo":
        _LEFT.clear()
        for memo in _MEMOS.values():
            memo.forget()


NEVER_CACHE = "max-age=0, no-cache, no-store, must-revalidate, private"


def never_cache(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Django's ``never_cache`` for the vote page: the headers Django's
    ``add_never_cache_headers`` gives a response that has neither ``Expires`` nor
    ``Cache-Control`` written directly (the page's case; its parsing and patching cost more
    than the rest of the page's headers together), any other response left to Django."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if "Expires" in response or "Cache-Control" in response:
            add_never_cache_headers(response)
        else:
            response.headers["Expires"] = http_date(time.time())
            response.headers["Cache-Control"] = NEVER_CACHE
        return response

    return wrapper


@dataclass(frozen=True)
class _Progress:
    number: str
    total: str


def _shape(request: HttpRequest, context: dict[str, Any], htmx: bool) -> Hashable | None:
    """What decides the page's markup besides the filled-in values; None if the page must be
    rendered as usual."""
    statement = context["statement"]
    if (
        statement is None
        or context.get("changing") is not None
        or context["error"]
        or request.META.get("QUERY_STRING")
        or not _URL_SAFE.match(statement.public_id)
        or may_be_signed_in(request)
        or len(get_messages(request))
    ):
        return None
    conversation = context["conversation"]
    last = context["last"]
    try:
        common_ground = tuple((e.get("text"), e.get("agree")) for e in context["common_ground"])
        return shape_of(
            request.path,
            htmx,
            {
                "id": conversation.pk,
                "public_id": conversation.public_id,
                "title": conversation.title,
                "question": conversation.question,
                "status": conversation.status,
            },
            statement,
            last.value if last is not None else None,
            common_ground,
        )
    except (AttributeError, TypeError):
        return None


def shape_of(
    path: str,
    htmx: bool,
    conversation: dict[str, Any],
    statement: CardStatement,
    last_value: int | None,
    common_ground: tuple[Any, ...],
) -> Hashable:
    """The memo's shape from plain values (``conversation``: id, public id, title, question,
    status); TypeError if one is not hashable."""
    shape = (
        path,
        htmx,
        conversation["id"],
        conversation["public_id"],
        conversation["title"],
        conversation["question"],
        conversation["status"],
        bool(statement.clarification),
        last_value,
        common_ground,
    )
    hash(shape)
    return shape


def has_page(shape: Hashable, *, card: bool = False, language: str | None = None) -> bool:
    """Whether the vote page (``card``: the htmx card) of ``shape`` in the active language
    (``language``: the caller's ``get_language()``, read already) is rendered already."""
    return _MEMOS[CARD if card else PAGE].has(shape, language)


def filled_page(
    shape: Hashable, values: dict[str, Any], *, card: bool = False, language: str | None = None
) -> str | None:
    """The vote page (``card``: the htmx card alone) of ``shape`` in the active language
    (``language``: as for :func:`has_page`) with ``values`` (:data:`FIELDS`) filled in; None
    when that shape has not been rendered yet."""
    return _MEMOS[CARD if card else PAGE].filled(shape, values, language)


def render_vote(request: HttpRequest, context: dict[str, Any], htmx: bool) -> HttpResponse:
    """The vote page (or, with ``htmx``, the vote card alone) for ``context``."""
    name = CARD if htmx else PAGE
    shape = _shape(request, context, htmx)
    if shape is None:
        return render(request, name, context)
    memo = _MEMOS[name]
    marker = memo.markers
    statement: CardStatement = context["statement"]
    progress = context["progress"]

    def with_markers() -> dict[str, Any]:
        return {
            **context,
            "statement": CardStatement(
                0,
                marker["statement"],
                marker["text"],
                marker["clarification"] if statement.clarification else "",
            ),
            "progress": _Progress(marker["number"], marker["total"]),
            "left": marker["left"],
            "request_key": marker["key"],
            "csrf_token": marker["csrf"],
        }

    values = {
        "csrf": csrf_token(request),
        "key": context["request_key"],
        "statement": statement.public_id,
        "text": statement.text,
        "clarification": statement.clarification,
        "number": progress.number,
        "total": progress.total,
        "left": context["left"],
    }
    return HttpResponse(memo.render(request, shape, with_markers, values))
