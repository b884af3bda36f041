"""The vote page and card rendered once per shape (vote_page): the same page as the template
engine gives, for every shape and for new values in a shape already kept; the unusual cases
rendered as usual."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import (  # type: ignore[attr-defined]
    CSRF_ALLOWED_CHARS,
    CSRF_SECRET_LENGTH,
    CSRF_TOKEN_LENGTH,
    _does_token_match,
    _mask_cipher_secret,
    _unmask_cipher_token,
    get_token,
)
from django.shortcuts import render
from django.test import RequestFactory
from django.utils import translation
from django.views.decorators.cache import never_cache as django_never_cache
from django_htmx.middleware import HtmxDetails
from hypothesis import example, given
from hypothesis import strategies as st

from walkthetalk.caremap.passes import PASS_COOKIE
from walkthetalk.conversations import selectors, services, vote_page
from walkthetalk.conversations.models import Conversation, Vote

from ..caremap.factories import small_system
from .factories import accepted_client, conversation, facilitator_client, vote_form

pytestmark = pytest.mark.django_db

TOKENS = (
    re.compile(r'(name="csrfmiddlewaretoken" value=")([^"]+)(")'),
    re.compile(r'("X-CSRFToken": ")([^"]+)(")'),
)


def _request(htmx: bool, path: str = "/conversations/x/vote/") -> HttpRequest:
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    request = RequestFactory().get(path, **headers)
    request.user = AnonymousUser()
    request._messages = CookieStorage(request)  # type: ignore[attr-defined]
    request.htmx = HtmxDetails(request)  # type: ignore[attr-defined]
    request.META["CSRF_COOKIE"] = "a" * 32
    return request


def _without_tokens(page: str) -> str:
    """The page with each CSRF token replaced by the secret it masks (each render masks anew)."""
    for pattern in TOKENS:
        page = pattern.sub(lambda m: m[1] + _unmask_cipher_token(m[2]) + m[3], page)
    return page


def _context(conv: Conversation, text: str, clarification: str, **extra: Any) -> dict[str, Any]:
    statement = conv.statements.first()
    assert statement is not None
    return {
        "conversation": conv,
        "statement": selectors.CardStatement(
            statement.pk, statement.public_id, text, clarification
        ),
        "progress": selectors.Progress(3, 8),
        "left": "5 statements left",
        "request_key": "K3y-" + text[:3].replace("<", "x"),
        "error": "",
        "last": None,
        "common_ground": [],
        **extra,
    }


TRICKY = [
    ("Plain words about paperwork.", ""),
    ("Tags <b>and</b> & ampersands \"quoted\" 'single'", "A <i>clarification</i> & more"),
    ("Another statement, same shape.", "Another clarification."),
    ("wttmemo0123456789abcdefcsrfz looks like a marker", ""),
]


@pytest.mark.parametrize("htmx", [False, True])
@pytest.mark.parametrize("language", ["en", "es"])
def test_the_kept_shape_gives_the_page_the_template_gives(htmx: bool, language: str) -> None:
    conv = conversation(small_system())
    name = vote_page.CARD if htmx else vote_page.PAGE
    outcome = services.VoteOutcome("x", Vote.Value.AGREE, replayed=False)
    ground = [{"text": "We all want people to thrive & grow.", "agree": 90}, {"text": "No share"}]
    with translation.override(language):
        for extra in ({}, {"last": outcome}, {"common_ground": ground}):
            for text, clarification in TRICKY:  # the first of each shape fills the memo
                context = _context(conv, text, clarification, **extra)
                request = _request(htmx)
                memo = vote_page.render_vote(request, context, htmx).content.decode()
                plain = render(_request(htmx), name, context).content.decode()
                assert _without_tokens(memo) == _without_tokens(plain)
                assert text.split()[0].replace("<", "&lt;") in memo


def test_a_closed_conversation_keeps_its_own_shape() -> None:
    conv = conversation(small_system())
    open_page = vote_page.render_vote(_request(True), _context(conv, "Open now.", ""), True)
    services.set_status(conv, Conversation.Status.CLOSED)
    conv.refresh_from_db()
    context = _context(conv, "Closed now.", "")
    closed = vote_page.render_vote(_request(True), context, True).content.decode()
    plain = render(_request(True), vote_page.CARD, context).content.decode()
    assert "has closed" in closed and "has closed" not in open_page.content.decode()
    assert _without_tokens(closed) == _without_tokens(plain)


def test_the_filled_in_csrf_token_is_accepted_and_a_wrong_one_refused() -> None:
    conv = conversation(small_system())
    client = accepted_client(conv)
    client.handler.enforce_csrf_checks = True  # type: ignore[attr-defined]
    url = f"/conversations/{conv.public_id}/vote/"
    client.get(url)  # the first page of this shape is rendered by the template engine
    page = client.get(url).content.decode()  # this one is filled in
    fields = {
        name: re.search(rf'name="{name}" value="([^"]+)"', page)[1]  # type: ignore[index]
        for name in ("csrfmiddlewaretoken", "statement", "key")
    }
    assert TOKENS[1].search(page)
    wrong = {**fields, "csrfmiddlewaretoken": "x" * 64, "choice": "agree"}
    assert client.post(url, wrong).status_code == 403 and not Vote.objects.exists()
    response = client.post(url, {**fields, "choice": "agree"})
    assert response.status_code == 302 and Vote.objects.get().value == Vote.Value.AGREE


def test_the_csrf_token_is_djangos_get_token_with_a_cheaper_draw_of_its_mask() -> None:
    fresh, django_fresh = HttpRequest(), HttpRequest()
    token = vote_page.csrf_token(fresh)
    get_token(django_fresh)
    assert set(fresh.META) == set(django_fresh.META) == {"CSRF_COOKIE", "CSRF_COOKIE_NEEDS_UPDATE"}
    assert _unmask_cipher_token(token) == fresh.META["CSRF_COOKIE"]
    kept = HttpRequest()
    kept.META["CSRF_COOKIE"] = secret = fresh.META["CSRF_COOKIE"]
    tokens = [vote_page.csrf_token(kept) for _ in range(400)]
    assert kept.META == {"CSRF_COOKIE": secret, "CSRF_COOKIE_NEEDS_UPDATE": True}
    assert all(len(t) == CSRF_TOKEN_LENGTH and _unmask_cipher_token(t) == secret for t in tokens)
    assert len(set(tokens)) == len(tokens)  # a new mask every time
    # The masks are uniform over Django's 62 characters (12,800 draws, ~206 each).
    counts = Counter(c for t in tokens for c in t[:32])
    assert set(counts) == set(CSRF_ALLOWED_CHARS)
    assert all(130 < n < 290 for n in counts.values()), counts


def _chars(length: int) -> st.SearchStrategy[str]:
    return st.text(alphabet=CSRF_ALLOWED_CHARS, min_size=length, max_size=length)


@given(
    secret=_chars(CSRF_SECRET_LENGTH),
    other=_chars(CSRF_SECRET_LENGTH),
    masked=_chars(CSRF_TOKEN_LENGTH),
    near=st.integers(0, CSRF_TOKEN_LENGTH - 1),
)
@example(secret="9" * 32, other="a" * 32, masked="9" * 64, near=0)  # the largest sums
@example(secret="a" * 32, other="9" * 32, masked="a" * 32 + "9" * 32, near=63)
def test_token_matches_is_djangos_does_token_match(
    secret: str, other: str, masked: str, near: int
) -> None:
    """Every kind of token Django's format check lets through — the secret masked (by Django
    and by this module), another secret's, a bare secret, any 64 characters, a masked token
    with one character changed — is accepted or refused exactly as Django does."""
    own = _mask_cipher_secret(secret)
    changed = (
        own[:near] + CSRF_ALLOWED_CHARS[CSRF_ALLOWED_CHARS.index(own[near]) - 1] + own[near + 1 :]
    )
    tokens = [own, vote_page.masked_token(secret), _mask_cipher_secret(other), secret, other]
    tokens += [masked, changed, masked[:near] + own[near:]]
    for token in tokens:
        assert vote_page.token_matches(token, secret) == _does_token_match(token, secret)
    ours = vote_page.masked_token(secret)
    assert _unmask_cipher_token(ours) == secret and ours[:32] != own[:32]
    assert vote_page.token_matches(own, secret) and vote_page.token_matches(secret, secret)
    assert not vote_page.token_matches(changed, secret)


@pytest.mark.parametrize("secret", ["é" + "a" * 31, "-" * 32, "a" * 31 + " "])
def test_a_secret_of_other_characters_is_refused_as_django_refuses_it(secret: str) -> None:
    with pytest.raises(ValueError):
        _mask_cipher_secret(secret)
    with pytest.raises(ValueError):
        vote_page.masked_token(secret)


@pytest.mark.parametrize("own", [{}, {"Cache-Control": "max-age=60"}, {"Expires": "0"}])
def test_never_cache_gives_the_headers_djangos_never_cache_gives(own: dict[str, str]) -> None:
    def page(request: HttpRequest) -> HttpResponse:
        return HttpResponse("a page", headers=own)

    request = RequestFactory().get("/")
    for _ in range(50):  # the same second for both (Expires is the time of the answer)
        ours = vote_page.never_cache(page)(request)
        django = django_never_cache(page)(request)
        if ours["Expires"] == django["Expires"]:
            break
    assert list(ours.items()) == list(django.items())
    assert "no-store" in ours["Cache-Control"]


def test_a_waiting_message_is_shown_on_the_next_page() -> None:
    conv = conversation(small_system())
    client = accepted_client(conv)
    url = f"/conversations/{conv.public_id}/vote/"
    client.get(url)
    client.get(url)
    response = client.post(url, {**vote_form(client, conv), "choice": "maybe"})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "Please choose agree, disagree or pass." in page
    assert "Please choose agree" not in client.get(url).content.decode()


def test_a_signed_in_staff_member_voting_sees_their_own_header() -> None:
    conv = conversation(small_system())
    participant = accepted_client(conv)
    staff = facilitator_client(conv)
    staff.cookies[PASS_COOKIE] = participant.cookies[PASS_COOKIE].value
    url = f"/conversations/{conv.public_id}/vote/"
    participant.get(url)
    assert "Staff sign in" in participant.get(url).content.decode()
    page = staff.get(url).content.decode()
    assert "Sign out" in page and "Staff sign in" not in page


def _ngettext_left(remaining: int) -> str:
    return translation.ngettext(
        "%(counter)s statement left", "%(counter)s statements left", remaining
    ) % {"counter": remaining}


@pytest.mark.parametrize("language", ["en", "es"])
def test_left_text_is_ngettexts_in_the_active_language(language: str) -> None:
    with translation.override(language):
        for remaining in (0, 1, 2, 3, 11, 21, 101):
            for _ in range(2):  # read, then kept
                assert vote_page.left_text(remaining) == _ngettext_left(remaining)
                given_language = translation.get_language()
                assert vote_page.left_text(remaining, given_language) == _ngettext_left(remaining)
    with translation.override("en"):
        english = vote_page.left_text(2)
    with translation.override("es"):
        assert vote_page.left_text(2) != english


def test_the_kept_texts_and_pages_are_dropped_with_djangos_catalogs(tmp_path: Any) -> None:
    """A .mo file changed under the autoreloader (Django drops its catalogs and keeps the
    process) or a setting changed: nothing translated before is answered again."""
    from pathlib import Path

    from django.test import override_settings
    from django.utils.autoreload import file_changed

    memo = vote_page._MEMOS[vote_page.CARD]
    for changed in ("locale/es/LC_MESSAGES/django.mo", "module.py", None):
        with translation.override("en"):
            vote_page._LEFT[("en", 3)] = "stale"
            memo._shapes[("en", "a shape")] = (("stale",), ())
            if changed is None:
                with override_settings(LANGUAGE_CODE="es"):
                    pass
            else:
                file_changed.send(sender=None, file_path=Path(changed))
            stays = changed == "module.py"
            assert (vote_page.left_text(3) == "stale") is stays
            assert memo.has("a shape") is (stays or changed is None)
            memo.forget()
            vote_page._LEFT.clear()
