"""The site's WSGI application: vote requests without a session take the lean middleware chain
and keep every guarantee; staff and every other path keep the full chain."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection
from django.db.backends.utils import CursorWrapper
from django.test.utils import CaptureQueriesContext

from walkthetalk.caremap.passes import PASS_COOKIE
from walkthetalk.conversations.models import Conversation, Vote
from walkthetalk.site.participant_handler import (
    ParticipantHandler,
    SiteApplication,
    is_participant_request,
)

from ..caremap.factories import small_system
from ..conversations.factories import conversation, facilitator_client, joined, lock_votes

pytestmark = pytest.mark.django_db

APP = SiteApplication()


@contextmanager
def _test_transaction_kept() -> Iterator[None]:
    """As Django's test client does: a request must not close the test's connection."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


class Answer:
    def __init__(self, status: str, headers: list[tuple[str, str]], body: bytes) -> None:
        self.status = int(status.split()[0])
        self.headers = headers
        self.body = body.decode()

    def header(self, name: str) -> str:
        return next(v for k, v in self.headers if k.lower() == name.lower())

    def cookies(self) -> dict[str, str]:
        found = {}
        for k, v in self.headers:
            if k.lower() == "set-cookie":
                name, value = v.split(";")[0].split("=", 1)
                found[name.strip()] = value
        return found


def call(
    path: str,
    cookies: dict[str, str],
    form: dict[str, str] | bytes | None = None,
    **extra: str,
) -> Answer:
    body = form if isinstance(form, bytes) else urlencode(form or {}).encode()
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "POST" if form is not None else "GET",
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "testserver",
        "HTTP_COOKIE": "; ".join(f"{k}={v}" for k, v in cookies.items()),
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
        **extra,
    }
    if form is not None:
        environ["CONTENT_TYPE"] = "application/x-www-form-urlencoded"
        environ["CONTENT_LENGTH"] = str(len(body))
    started: list[Any] = []
    with _test_transaction_kept():
        chunks = APP(environ, lambda status, headers, exc=None: started.append((status, headers)))
        try:
            body_out = b"".join(chunks)
        finally:
            getattr(chunks, "close", lambda: None)()
    return Answer(started[0][0], started[0][1], body_out)


def _phone(conv: Conversation) -> dict[str, str]:
    return {PASS_COOKIE: joined(conv).sign()}


def _form(page: str, choice: str = "agree") -> dict[str, str]:
    fields = ("statement", "key", "csrfmiddlewaretoken")
    found = {n: re.search(rf'name="{n}" value="([^"]+)"', page) for n in fields}
    assert all(found.values()), page
    return {**{n: m.group(1) for n, m in found.items() if m}, "choice": choice}


def _vote_url(conv: Conversation) -> str:
    return f"/conversations/{conv.public_id}/vote/"


def test_the_participant_chain_is_the_full_chain_without_sessions_users_or_static_files() -> None:
    lean, full = settings.PARTICIPANT_MIDDLEWARE, settings.MIDDLEWARE
    assert [m for m in full if m in lean] == lean  # same order, nothing new
    skipped = set(full) - set(lean)
    assert skipped == {
        "whitenoise.middleware.WhiteNoiseMiddleware",
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "django_otp.middleware.OTPMiddleware",
        "walkthetalk.site.two_factor.TwoFactorMiddleware",
        "axes.middleware.AxesMiddleware",
    }
    handler = ParticipantHandler()
    assert len(handler._exception_middleware) == 1  # the kind page for a refused request


@pytest.mark.parametrize(
    ("path", "cookie", "lean"),
    [
        ("/conversations/AbC123/vote/", "wtt_pass=x; csrftoken=y", True),
        ("/conversations/AbC123/vote/", "", True),
        ("/conversations/AbC123/vote/", "wtt_pass=x; sessionid=z", False),
        ("/conversations/AbC123/vote/", "sessionid =z", False),
        ("/conversations/AbC123/vote/x", "", False),
        ("/conversations/AbC123/write/", "wtt_pass=x", True),
        ("/conversations/AbC123/write/similar/", "wtt_pass=x; csrftoken=y", True),
        ("/conversations/AbC123/write/", "wtt_pass=x; sessionid=z", False),
        ("/conversations/AbC123/write/x/", "", False),
        ("/conversations/AbC123/mine/", "", False),
        ("/conversations/", "", False),
        ("/accounts/login/", "", False),
        ("/static/walkthetalk/site.css", "", False),
    ],
)
def test_only_vote_requests_without_a_session_cookie_take_the_lean_chain(
    path: str, cookie: str, lean: bool
) -> None:
    assert is_participant_request({"PATH_INFO": path, "HTTP_COOKIE": cookie}) is lean


def test_writing_a_statement_through_the_lean_chain_keeps_every_guarantee() -> None:
    conv = conversation(small_system())
    phone = _phone(conv)
    write = f"/conversations/{conv.public_id}/write/"
    page = call(write, phone)
    assert page.status == 200 and "frame-ancestors 'none'" in page.header("Content-Security-Policy")
    given = page.cookies()
    assert settings.SESSION_COOKIE_NAME not in given and "csrftoken" in given
    phone["csrftoken"] = given["csrftoken"]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.body)
    assert token is not None
    text = "We hardly ever talk openly about our mistakes."
    form = {"csrfmiddlewaretoken": token.group(1), "text": text}
    refused = call(write + "similar/", phone, {**form, "csrfmiddlewaretoken": "x" * 64})
    assert refused.status == 403
    shown = call(write + "similar/", phone, form, HTTP_HX_REQUEST="true")
    assert shown.status == 200 and "We rarely talk openly about mistakes." in shown.body
    before = conv.statements.count()
    assert call(write, phone, {**form, "csrfmiddlewaretoken": "x" * 64}).status == 403
    assert conv.statements.count() == before  # refused: nothing stored
    done = call(write, phone, {**form, "anyway": "1"})
    assert done.status == 302 and conv.statements.filter(text=text).exists()
    assert "messages" in done.cookies() and settings.SESSION_COOKIE_NAME not in done.cookies()


def test_a_vote_through_the_lean_chain_keeps_every_guarantee() -> None:
    conv = conversation(small_system())
    phone = _phone(conv)
    with CaptureQueriesContext(connection) as get_queries:
        page = call(_vote_url(conv), phone)
    assert page.status == 200 and "Statement 1 of" in page.body
    csp = page.header("Content-Security-Policy")
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "'unsafe-inline'" not in csp
    assert page.header("X-Frame-Options") == "DENY"
    assert page.header("X-Content-Type-Options") == "nosniff"
    assert page.header("Referrer-Policy") == "same-origin"
    assert "no-store" in page.header("Cache-Control")
    given = page.cookies()
    assert settings.SESSION_COOKIE_NAME not in given and "csrftoken" in given
    phone["csrftoken"] = given["csrftoken"]
    form = _form(page.body)

    refused = call(_vote_url(conv), phone, {**form, "csrfmiddlewaretoken": "x" * 64})
    assert refused.status == 403 and Vote.objects.count() == 0

    # As most votes find it: the results already flagged for the worker by an earlier vote
    # (the first vote after a refresh reads the flag and then sets it: one query more).
    Conversation.objects.filter(pk=conv.pk).update(refresh_pending=True)
    with CaptureQueriesContext(connection) as post_queries:
        voted = call(_vote_url(conv), phone, form)
    assert voted.status == 302 and voted.header("Location") == _vote_url(conv)
    assert len(get_queries) + len(post_queries) <= 6, (len(get_queries), len(post_queries))
    assert settings.SESSION_COOKIE_NAME not in voted.cookies()
    again = call(_vote_url(conv), phone, form)  # the same form sent twice: counted once
    assert again.status == 302 and Vote.objects.count() == 1
    # The flash message of a refused vote (in its cookie) reaches the next page.
    bad = call(_vote_url(conv), phone, {**form, "key": "k" * 22, "choice": "maybe"})
    assert bad.status == 302 and "messages" in bad.cookies()
    shown = call(_vote_url(conv), {**phone, "messages": bad.cookies()["messages"]})
    assert shown.status == 200 and 'class="messages"' in shown.body
    assert Vote.objects.count() == 1


def test_the_htmx_vote_answers_with_the_next_card_in_spanish_from_the_language_cookie() -> None:
    conv = conversation(small_system())
    phone = {**_phone(conv), settings.LANGUAGE_COOKIE_NAME: "es"}
    page = call(_vote_url(conv), phone)
    assert "Afirmación 1 de" in page.body and 'lang="es"' in page.body
    phone["csrftoken"] = page.cookies()["csrftoken"]
    card = call(_vote_url(conv), phone, _form(page.body), HTTP_HX_REQUEST="true")
    assert card.status == 200 and "Afirmación 2 de" in card.body
    assert "<html" not in card.body and Vote.objects.count() == 1


def test_bad_bytes_are_refused_before_the_vote(monkeypatch: pytest.MonkeyPatch) -> None:
    conv = conversation(small_system())
    phone = _phone(conv)
    page = call(_vote_url(conv), phone)
    phone["csrftoken"] = page.cookies()["csrftoken"]
    form = _form(page.body)
    body = urlencode(form).replace("choice=agree", "choice=agr%00ee").encode()
    refused = call(_vote_url(conv), phone, body)
    assert refused.status == 400 and "not ordinary text" in refused.body
    nul_path = call(f"/conversations/{conv.public_id}\x00/vote/", phone)
    assert nul_path.status == 400
    assert Vote.objects.count() == 0


@pytest.mark.parametrize("message", ["database is locked", "database or disk is full"])
def test_a_locked_database_answers_503_on_the_lean_chain(
    monkeypatch: pytest.MonkeyPatch, message: str
) -> None:
    conv = conversation(small_system())
    phone = _phone(conv)
    page = call(_vote_url(conv), phone)
    phone["csrftoken"] = page.cookies()["csrftoken"]
    form = _form(page.body)
    original = CursorWrapper._execute

    def execute(self, sql, params, *ignored):  # type: ignore[no-untyped-def]
        if "conversations_vote" in sql and sql.lstrip().upper().startswith("INSERT"):
            with self.db.wrap_database_errors:
                raise self.db.Database.OperationalError(message)
        return original(self, sql, params, *ignored)

    with monkeypatch.context() as patch:
        patch.setattr(CursorWrapper, "_execute", execute)  # Django's cursors
        lock_votes(patch, message)  # vote_queries' own cursor
        busy = call(_vote_url(conv), phone, form)
    assert busy.status == 503 and busy.header("Retry-After") == "30"
    assert "try again" in busy.body and message not in busy.body
    assert Vote.objects.count() == 0
    assert call(_vote_url(conv), phone, form).status == 302
    assert Vote.objects.count() == 1


def test_staff_keep_the_full_chain_on_the_vote_page_and_elsewhere() -> None:
    conv = conversation(small_system())
    staff = facilitator_client(conv)
    session = {settings.SESSION_COOKIE_NAME: staff.cookies[settings.SESSION_COOKIE_NAME].value}
    # Signed in, with a pass too: the vote page knows who is signed in (full chain).
    page = call(_vote_url(conv), {**session, **_phone(conv)})
    assert page.status == 200 and "Sign out" in page.body
    listing = call("/conversations/", session)
    assert listing.status == 200 and conv.title in listing.body
    assert call("/conversations/", {}).status == 302  # not signed in: to the sign-in page
    assert "Sign out" not in call(_vote_url(conv), _phone(conv)).body
