"""The vote fast path (walkthetalk.site.vote_fast_path) against the site without it.

The differential test sends generated requests — common ones and every kind the fast path must
leave to Django — to the real WSGI application twice, with and without the fast path, from the
same stored state, and requires the same status, headers and body (apart from the random
tokens each answer draws) and the same stored rows.
"""

from __future__ import annotations

import io
import random
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import (
    close_old_connections,
    connection,
    transaction,
)
from django.middleware.csrf import _get_new_csrf_string, _mask_cipher_secret
from django.test.utils import CaptureQueriesContext
from django.utils.http import http_date
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from walkthetalk.caremap import services as caremap_services
from walkthetalk.caremap.passes import PASS_COOKIE
from walkthetalk.conversations.models import Conversation, Statement, Vote
from walkthetalk.conversations.participant_http import LAST_VOTE_COOKIE
from walkthetalk.site import vote_fast_path, vote_plain
from walkthetalk.site.participant_handler import SiteApplication

from ..caremap.factories import small_system
from ..conversations.factories import conversation, joined, lock_votes

pytestmark = pytest.mark.django_db

APP = SiteApplication()


@contextmanager
def _connection_kept() -> Iterator[None]:
    """As Django's test client does: a request must not close the test's connection."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@dataclass(frozen=True)
class Answer:
    status: str
    headers: list[tuple[str, str]]
    body: str

    def cookies(self) -> dict[str, str]:
        return {
            v.strip().split(";")[0].split("=", 1)[0]: v.strip().split(";")[0].split("=", 1)[1]
            for k, v in self.headers
            if k == "Set-Cookie"
        }


def call(
    path: str,
    cookies: dict[str, str],
    body: bytes | None = None,
    method: str | None = None,
    query: str = "",
    **extra: str,
) -> Answer:
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method or ("POST" if body is not None else "GET"),
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": query,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "testserver",
        "HTTP_USER_AGENT": "Phone/1.0",
        "HTTP_COOKIE": "; ".join(f"{k}={v}" for k, v in cookies.items()),
        "wsgi.input": io.BytesIO(body or b""),
        "wsgi.url_scheme": "http",
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.version": (1, 0),
        **extra,
    }
    if body is not None:
        environ.setdefault("CONTENT_TYPE", "application/x-www-form-urlencoded")
        environ["CONTENT_LENGTH"] = str(len(body))
    started: list[Any] = []
    with _connection_kept():
        chunks = APP(environ, lambda status, headers, exc=None: started.append((status, headers)))
        try:
            out = b"".join(chunks)
        finally:
            getattr(chunks, "close", lambda: None)()
    return Answer(started[0][0], list(started[0][1]), out.decode())


class Log(list[bool]):
    """Per request sent to a candidate: whether a fast path answered it (``plain``: which of
    them were answered with plain values, by vote_plain.PlainVote)."""

    def __init__(self) -> None:
        super().__init__()
        self.plain: list[bool] = []


@contextmanager
def fast_path(on: bool) -> Iterator[Log]:
    """Turn the fast path on or off; yields a :class:`Log`."""
    answered = Log()
    original = vote_fast_path.VoteFastPath.answer
    original_plain = vote_plain.PlainVote.answer

    def answer(self: vote_fast_path.VoteFastPath, environ: dict[str, Any]) -> Any:
        response = original(self, environ)
        answered.append(response is not None)
        answered.plain.append(False)
        return response

    def answer_plain(self: vote_plain.PlainVote, *args: Any) -> Any:
        response = original_plain(self, *args)
        if response is not None:
            answered.append(True)
            answered.plain.append(True)
        return response

    saved = settings.VOTE_FAST_PATH
    settings.VOTE_FAST_PATH = on
    vote_fast_path.VoteFastPath.answer = answer  # type: ignore[method-assign]
    vote_plain.PlainVote.answer = answer_plain  # type: ignore[method-assign]
    try:
        yield answered
    finally:
        settings.VOTE_FAST_PATH = saved
        vote_fast_path.VoteFastPath.answer = original  # type: ignore[method-assign]
        vote_plain.PlainVote.answer = original_plain  # type: ignore[method-assign]


# --- what may differ between two answers: the random tokens each draws ----------------------

_BODY_TOKENS = [
    re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*'),
    re.compile(r'("X-CSRFToken": ")[^"]*'),
    re.compile(r'(name="key" value=")[^"]*'),
]
_EXPIRES = re.compile(r"(expires=)[^;]*", re.IGNORECASE)
# A value signed by Django's TimestampSigner ends ":<time in base 62>:<signature>"; the two
# answers may fall either side of a second, so only the signed payload is compared.
_SIGNED_AT = re.compile(r":[0-9A-Za-z]+:[A-Za-z0-9_-]{43}$")


def _normal(answer: Answer, sent_csrf: str | None) -> tuple[Any, ...]:
    body = answer.body
    for pattern in _BODY_TOKENS:
        body = pattern.sub(r"\1<token>", body)
    headers = []
    for name, value in answer.headers:
        if name == "Expires":
            value = "<date>"
        if name == "Set-Cookie":
            value = _EXPIRES.sub(r"\1<date>", value.strip())
            cookie, _, rest = value.partition(";")
            cookie_name, _, cookie_value = cookie.partition("=")
            if cookie_name == LAST_VOTE_COOKIE or (
                cookie_name == "csrftoken" and cookie_value != sent_csrf
            ):
                cookie_value = "<token>"  # signed with the time / a new random secret
            cookie_value = _SIGNED_AT.sub(":<time>:<signature>", cookie_value)
            value = f"{cookie_name}={cookie_value};{rest}"
        headers.append((name, value))
    return answer.status, sorted(headers), body


def _stored() -> tuple[Any, ...]:
    votes = sorted(
        Vote.objects.values_list("participant_id", "statement_id", "value", "request_key")
    )
    flags = sorted(Conversation.objects.values_list("pk", "refresh_pending"))
    return tuple(map(str, votes)), tuple(flags)


@dataclass(frozen=True)
class Scene:
    conv: Conversation
    passes: dict[str, str]
    statements: list[str]
    last_vote: str


@pytest.fixture
def scene() -> Scene:
    conv = conversation(small_system())
    unaccepted = caremap_services.open_pass(conv.care_system, None)
    passes = {
        "joined": joined(conv).sign(),
        "unaccepted": unaccepted.sign(),
        "forged": joined(conv).sign()[:-3] + "abc",
    }
    statements = list(
        conv.statements.filter(status=Statement.Status.PUBLISHED).values_list(
            "public_id", flat=True
        )
    )
    # A "last vote" cookie as a vote's answer gives it (for "counted — undo").
    phone = {PASS_COOKIE: passes["joined"]}
    page = call(_url(conv), phone)
    phone["csrftoken"] = page.cookies()["csrftoken"]
    sid = transaction.savepoint()
    voted = call(_url(conv), phone, urlencode(_form(page.body)).encode())
    transaction.savepoint_rollback(sid)
    return Scene(conv, passes, statements, voted.cookies()[LAST_VOTE_COOKIE])


def _url(conv: Conversation) -> str:
    return f"/conversations/{conv.public_id}/vote/"


def _form(page: str) -> dict[str, str]:
    found = {
        n: re.search(rf'name="{n}" value="([^"]+)"', page)
        for n in ("statement", "key", "csrfmiddlewaretoken")
    }
    return {**{n: m.group(1) for n, m in found.items() if m}, "choice": "agree"}


@st.composite
def requests(draw: st.DrawFn) -> dict[str, Any]:
    """A request to the vote page, common or not, described by what varies."""
    return {
        "method": draw(st.sampled_from(["GET", "GET", "POST", "POST", "POST", "HEAD", "PUT"])),
        "htmx": draw(st.booleans()),
        "pass": draw(st.sampled_from(["joined", "joined", "joined", "unaccepted", "forged", None])),
        "csrf_cookie": draw(st.sampled_from(["good", "good", "good", None, "short"])),
        "csrf_form": draw(st.sampled_from(["masked", "masked", "plain", "wrong", None])),
        "language": draw(st.sampled_from([None, None, "en", "es", "xx"])),
        "accept_language": draw(st.sampled_from([None, "es-ES,es;q=0.9", "fr, en;q=0.5"])),
        "choice": draw(st.sampled_from(["agree", "disagree", "pass", "maybe"])),
        "key": draw(st.sampled_from(["good", "good", "good", "bad"])),
        "statement": draw(st.sampled_from([0, 1, 2, "unknown"])),
        "next": draw(st.sampled_from([None, None, None, "mine"])),
        "session": draw(st.sampled_from([False, False, False, True])),
        "query": draw(st.sampled_from(["", "", "", "", "change=last", "s=x"])),
        "https": draw(st.sampled_from([False, False, False, True])),
        "origin": draw(st.sampled_from([None, None, "same", "elsewhere"])),
        "nul": draw(st.sampled_from([False, False, False, False, True])),
        "last_vote": draw(st.booleans()),
        "content_type": draw(st.sampled_from([None, None, None, "text/plain"])),
        "path": draw(st.sampled_from(["vote", "vote", "vote", "vote", "other"])),
    }


_SECRET = "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6"


def _cookies(scene: Scene, spec: dict[str, Any]) -> dict[str, str]:
    cookies: dict[str, str] = {}
    if spec["pass"]:
        cookies[PASS_COOKIE] = scene.passes[spec["pass"]]
    csrf = {"good": _SECRET, "short": "abc", None: None}[spec["csrf_cookie"]]
    if csrf:
        cookies["csrftoken"] = csrf
    if spec["language"]:
        cookies[settings.LANGUAGE_COOKIE_NAME] = spec["language"]
    if spec["session"]:
        cookies[settings.SESSION_COOKIE_NAME] = "nosuchsession"
    if spec["last_vote"]:
        cookies[LAST_VOTE_COOKIE] = scene.last_vote
    return cookies


def _body(scene: Scene, spec: dict[str, Any]) -> bytes | None:
    if spec["method"] not in ("POST", "PUT"):
        return None
    token = {
        "masked": _mask_cipher_secret(_SECRET),
        "plain": _SECRET,
        "wrong": _mask_cipher_secret(_get_new_csrf_string()),
        None: None,
    }[spec["csrf_form"]]
    form = {
        "statement": scene.statements[spec["statement"]]
        if spec["statement"] != "unknown"
        else "nosuch",
        "key": "Kk0" * 7 + "x" if spec["key"] == "good" else "not a key",
        "choice": spec["choice"] + ("\x00" if spec["nul"] else ""),
    }
    if token is not None:
        form["csrfmiddlewaretoken"] = token
    if spec["next"]:
        form["next"] = spec["next"]
    return urlencode(form).encode()


def _headers(spec: dict[str, Any]) -> dict[str, str]:
    scheme = "https" if spec["https"] else "http"
    extra = {"wsgi.url_scheme": scheme, "SERVER_PORT": "443" if spec["https"] else "80"}
    if spec["htmx"]:
        extra["HTTP_HX_REQUEST"] = "true"
    if spec["accept_language"]:
        extra["HTTP_ACCEPT_LANGUAGE"] = spec["accept_language"]
    if spec["origin"]:
        host = "testserver" if spec["origin"] == "same" else "elsewhere.example"
        extra["HTTP_ORIGIN"] = f"{scheme}://{host}"
    if spec["content_type"]:
        extra["CONTENT_TYPE"] = spec["content_type"]
    return extra


def _request(scene: Scene, spec: dict[str, Any]) -> dict[str, Any]:
    cookies = _cookies(scene, spec)
    return {
        "path": _url(scene.conv) + ("" if spec["path"] == "vote" else "x/"),
        "cookies": cookies,
        "body": _body(scene, spec),
        "method": spec["method"],
        "query": spec["query"],
        "sent_csrf": cookies.get("csrftoken"),
        **_headers(spec),
    }


def _both_ways(
    request: dict[str, Any], plain: list[bool] | None = None
) -> tuple[tuple[Any, ...], tuple[Any, ...], bool]:
    """(answer, stored rows) with and without the fast path, from the same stored state;
    and whether the fast path answered (``plain`` gets whether it was with plain values)."""
    request = dict(request)
    sent_csrf = request.pop("sent_csrf")
    seen = []
    answered = False
    for on in (True, False):
        sid = transaction.savepoint()
        random.seed(20261203)  # the same statement drawn both times
        with fast_path(on) as log:
            answer = call(**request)
        seen.append((_normal(answer, sent_csrf), _stored()))
        transaction.savepoint_rollback(sid)
        answered = answered or any(log)
        if on and plain is not None:
            plain.append(any(log.plain))
    return seen[0], seen[1], answered


def test_the_fast_path_and_django_answer_every_request_alike(scene: Scene) -> None:
    answered: list[bool] = []

    @hypothesis_settings(
        max_examples=150,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(spec=requests())
    def check(spec: dict[str, Any]) -> None:
        fast, django, used = _both_ways(_request(scene, spec))
        assert fast == django, spec
        answered.append(used)

    check()
    # Both kinds were met: the fast path answered some requests and left others to Django.
    assert any(answered) and not all(answered)


COMMON_VOTE: dict[str, Any] = {
    "method": "POST",
    "htmx": False,
    "pass": "joined",
    "csrf_cookie": "good",
    "csrf_form": "masked",
    "language": None,
    "accept_language": None,
    "choice": "agree",
    "key": "good",
    "statement": 0,
    "next": None,
    "session": False,
    "query": "",
    "https": False,
    "origin": None,
    "nul": False,
    "last_vote": False,
    "content_type": None,
    "path": "vote",
}


@pytest.mark.parametrize(
    "change",
    [
        {},
        {"choice": "disagree", "statement": 1},
        {"choice": "pass", "last_vote": True},
        {"language": "es"},
        {"language": "en", "accept_language": "es-ES,es;q=0.9"},
        {"accept_language": "fr, en;q=0.5"},
        {"csrf_form": "plain"},
        {"origin": "same"},
        {"https": True, "origin": "same"},
        {"https": True, "origin": "same", "language": "es"},
    ],
)
def test_a_vote_sent_by_a_form_is_answered_with_plain_values_as_django_answers(
    scene: Scene, change: dict[str, Any]
) -> None:
    """The first vote of a shape teaches vote_plain the full chain's headers; the next is
    answered with plain values, and both equal the site's answer without fast paths."""
    request = _request(scene, {**COMMON_VOTE, **change})
    plain: list[bool] = []
    for _ in range(2):
        fast, django, used = _both_ways(request, plain)
        assert used and fast == django
    assert plain[-1]
    assert fast[0][0] == "302 Found" and len(fast[1][0]) == 1  # one vote stored


@pytest.mark.parametrize(
    "change",
    [
        {},
        {"choice": "disagree", "statement": 1},
        {"choice": "pass", "last_vote": True},
        {"language": "es"},
        {"accept_language": "es-ES,es;q=0.9"},
        {"csrf_form": "plain"},
        {"https": True, "origin": "same"},
        {"https": True, "origin": "same", "language": "es"},
    ],
)
def test_a_vote_sent_by_htmx_is_answered_with_plain_values_as_django_answers(
    scene: Scene, change: dict[str, Any]
) -> None:
    """The next card (the same memo as the page's, with the card's template), the last-vote
    and CSRF cookies: equal to the site's answer without fast paths, the same card drawn."""
    request = _request(scene, {**COMMON_VOTE, "htmx": True, **change})
    plain: list[bool] = []
    for _ in range(2):
        fast, django, used = _both_ways(request, plain)
        assert used and fast == django
    assert plain[-1]
    assert fast[0][0] == "200 OK" and len(fast[1][0]) == 1  # one vote stored
    assert 'name="csrfmiddlewaretoken"' in fast[0][2] and "<html" not in fast[0][2]
    assert {name for name, _ in fast[0][1]} >= {"Set-Cookie", "Expires", "Content-Length"}


def test_the_last_vote_sent_by_htmx_falls_through_after_it_is_stored(scene: Scene) -> None:
    """No statement left after the vote: the vote is stored by the plain path, and the full
    chain answers the same form as a retried one, with the end card; stored once."""
    phone, form = _phone(scene)
    htmx = {"HTTP_HX_REQUEST": "true"}
    with fast_path(True) as log:
        for _ in range(len(scene.statements) + 1):
            card = call(_url(scene.conv), phone, urlencode(form).encode(), **htmx)
            assert card.status == "200 OK"
            if 'name="statement"' not in card.body:
                break
            form = _form(card.body)
    assert 'name="statement"' not in card.body
    assert log.plain[-1] is False and any(log.plain)
    assert Vote.objects.count() == len(scene.statements)


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"https": True}, "https without an Origin: Django checks the Referer"),
        ({"origin": "elsewhere"}, "another site's Origin"),
        ({"csrf_form": "wrong"}, "a wrong CSRF token"),
        ({"csrf_form": None}, "no CSRF token"),
        ({"csrf_cookie": "short"}, "a malformed CSRF cookie"),
        ({"choice": "maybe"}, "a refused vote"),
        ({"key": "bad"}, "a malformed form key"),
        ({"statement": "unknown"}, "no such statement: nothing stored"),
        ({"next": "mine"}, "a vote from 'my votes'"),
        ({"pass": "forged"}, "a forged pass"),
        ({"pass": "unaccepted"}, "agreements not accepted"),
        ({"nul": True}, "a NUL byte"),
        ({"htmx": True, "next": "mine"}, "htmx from 'my votes'"),
        ({"htmx": True, "choice": "maybe"}, "htmx: a refused vote (the card drawn once)"),
        ({"htmx": True, "csrf_form": "wrong"}, "htmx: a wrong CSRF token"),
    ],
)
def test_plain_values_answer_nothing_unusual(
    scene: Scene, change: dict[str, Any], why: str
) -> None:
    common = _request(scene, {**COMMON_VOTE, "https": True, "origin": "same"})
    for _ in range(2):
        _both_ways(common)  # the shapes (http and https) learnt
    _both_ways(_request(scene, COMMON_VOTE))
    plain: list[bool] = []
    fast, django, _used = _both_ways(_request(scene, {**COMMON_VOTE, **change}), plain)
    assert plain == [False], why
    assert fast == django


@pytest.mark.parametrize(
    "change",
    [
        {},
        {"last_vote": True},
        {"language": "es"},
        {"accept_language": "es-ES,es;q=0.9"},
        {"https": True},
        {"https": True, "language": "es", "last_vote": True},
    ],
)
def test_the_vote_page_is_answered_with_plain_values_as_django_answers(
    scene: Scene, change: dict[str, Any]
) -> None:
    request = _request(scene, {**COMMON_VOTE, "method": "GET", **change})
    plain: list[bool] = []
    for _ in range(2):
        fast, django, used = _both_ways(request, plain)
        assert used and fast == django
    assert plain[-1]
    assert fast[0][0] == "200 OK" and 'name="csrfmiddlewaretoken"' in fast[0][2]


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"csrf_cookie": None}, "no CSRF cookie: Django makes a secret"),
        ({"csrf_cookie": "short"}, "a malformed CSRF cookie"),
        ({"pass": "forged"}, "a forged pass"),
        ({"pass": "unaccepted"}, "agreements not accepted"),
        ({"htmx": True}, "htmx"),
        ({"language": "xx"}, "an unknown language"),
    ],
)
def test_plain_values_answer_no_unusual_page(
    scene: Scene, change: dict[str, Any], why: str
) -> None:
    common = _request(scene, {**COMMON_VOTE, "method": "GET"})
    for _ in range(2):
        _both_ways(common)
    plain: list[bool] = []
    spec = {**COMMON_VOTE, "method": "GET", **change}
    fast, django, _used = _both_ways(_request(scene, spec), plain)
    assert plain == [False], why
    assert fast == django


def test_every_vote_answered_last_page_falls_through(scene: Scene) -> None:
    """No statement left: the end screen is rendered by the template, not the memo."""
    phone, _form_values = _phone(scene)
    with fast_path(True) as log:
        for _ in range(len(scene.statements) + 1):
            page = call(_url(scene.conv), phone)
            if 'name="statement"' not in page.body:
                break
            call(_url(scene.conv), phone, urlencode(_form(page.body)).encode())
    assert page.status == "200 OK" and 'name="statement"' not in page.body
    assert log.plain[-1] is False and any(log.plain)
    assert Vote.objects.count() == len(scene.statements)


def test_a_retried_vote_is_answered_by_the_full_chain_and_stored_once(scene: Scene) -> None:
    phone, form = _phone(scene)
    body = urlencode(form).encode()
    with fast_path(True) as log:
        first = call(_url(scene.conv), phone, body)  # the shape was learnt by scene()
        form2 = _form(call(_url(scene.conv), phone).body)
        second = call(_url(scene.conv), phone, urlencode(form2).encode())
        again = call(_url(scene.conv), phone, urlencode(form2).encode())
    assert first.status == second.status == again.status == "302 Found"
    assert log.plain[0] and log.plain[2] and not log.plain[3]  # again: the full chain
    assert Vote.objects.count() == 2


def _phone(scene: Scene) -> tuple[dict[str, str], dict[str, str]]:
    phone = {PASS_COOKIE: scene.passes["joined"]}
    page = call(_url(scene.conv), phone)
    phone["csrftoken"] = page.cookies()["csrftoken"]
    return phone, _form(page.body)


def test_the_common_round_trip_is_answered_by_the_fast_path(scene: Scene) -> None:
    phone, _ = _phone(scene)
    # As most votes find it: the results already flagged for the worker by an earlier vote
    # (the first vote after a refresh reads the flag and then sets it: one query more).
    Conversation.objects.filter(pk=scene.conv.pk).update(refresh_pending=True)
    with fast_path(True) as log:
        with CaptureQueriesContext(connection) as get_queries:
            page = call(_url(scene.conv), phone)
        with CaptureQueriesContext(connection) as post_queries:
            voted = call(_url(scene.conv), phone, urlencode(_form(page.body)).encode())
        # The next statement is asked for after the vote, so it is never the one just voted on.
        form = _form(call(_url(scene.conv), phone).body)
        card = call(_url(scene.conv), phone, urlencode(form).encode(), HTTP_HX_REQUEST="true")
    assert log == [True, True, True, True]
    assert page.status == "200 OK" and voted.status == "302 Found"
    assert card.status == "200 OK" and "<html" not in card.body
    assert len(get_queries) + len(post_queries) <= 6
    assert Vote.objects.count() == 2


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"pass": None}, "no pass"),
        ({"session": True}, "a session cookie"),
        ({"csrf_form": "wrong"}, "a wrong CSRF token"),
        ({"choice": "maybe"}, "a refused vote"),
        ({"next": "mine"}, "a vote from 'my votes'"),
        ({"method": "HEAD"}, "HEAD"),
        ({"language": "xx"}, "an unknown language"),
        ({"nul": True}, "a NUL byte"),
        ({"query": "change=last"}, "a query string"),
        ({"pass": "unaccepted"}, "agreements not accepted"),
    ],
)
def test_anything_else_falls_through_to_django(
    scene: Scene, change: dict[str, Any], why: str
) -> None:
    spec = {
        "method": "POST",
        "htmx": False,
        "pass": "joined",
        "csrf_cookie": "good",
        "csrf_form": "masked",
        "language": None,
        "accept_language": None,
        "choice": "agree",
        "key": "good",
        "statement": 0,
        "next": None,
        "session": False,
        "query": "",
        "https": False,
        "origin": None,
        "nul": False,
        "last_vote": False,
        "content_type": None,
        "path": "vote",
    }
    fast, django, used = _both_ways(_request(scene, spec))
    assert used and fast == django  # the common vote
    fast, django, used = _both_ways(_request(scene, {**spec, **change}))
    assert not used, why
    assert fast == django


def test_a_locked_database_falls_through_and_answers_503_with_nothing_stored(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db.backends.utils import CursorWrapper

    phone, form = _phone(scene)
    original = CursorWrapper._execute

    def execute(self, sql, params, *ignored):  # type: ignore[no-untyped-def]
        if "conversations_vote" in sql and sql.lstrip().upper().startswith("INSERT"):
            with self.db.wrap_database_errors:
                raise self.db.Database.OperationalError("database is locked")
        return original(self, sql, params, *ignored)

    with monkeypatch.context() as patch, fast_path(True) as log:
        patch.setattr(CursorWrapper, "_execute", execute)  # Django's cursors
        lock_votes(patch)  # vote_queries' own cursor
        busy = call(_url(scene.conv), phone, urlencode(form).encode())
    assert log == [False]
    assert busy.status.startswith("503") and ("Retry-After", "30") in busy.headers
    assert Vote.objects.count() == 0


def test_the_fast_path_hooks_the_participant_middleware_in_order() -> None:
    applied_as_functions = {
        "walkthetalk.site.faults.RefuseBadBytesMiddleware",
        "walkthetalk.site.proxy.TrustedProxyMiddleware",
        "walkthetalk.site.privacy_guards.ForgetClientMiddleware",
        "walkthetalk.site.errors.ServiceErrorMiddleware",
        "django_htmx.middleware.HtmxMiddleware",
    }
    assert list(vote_fast_path.HOOKED_MIDDLEWARE) == [
        m for m in settings.PARTICIPANT_MIDDLEWARE if m not in applied_as_functions
    ]


def test_the_fast_path_can_be_turned_off(scene: Scene) -> None:
    phone, form = _phone(scene)
    with fast_path(False) as log:
        voted = call(_url(scene.conv), phone, urlencode(form).encode())
    assert log == [] and voted.status == "302 Found" and Vote.objects.count() == 1


@given(
    st.integers(min_value=0, max_value=4_000_000_000),
    st.sampled_from([0.0, 0.25, 0.999999]),
    st.integers(min_value=0, max_value=10 * 365 * 86400),
)
def test_the_date_memo_gives_djangos_http_date(second: int, fraction: float, later: int) -> None:
    assert vote_plain.http_date_at(second, later) == http_date(second + fraction + later)
    assert vote_plain.http_date_at(second) == http_date(second + fraction)
    assert vote_plain.http_date_at(second, later) == http_date(second + later)  # the memo


@given(
    st.lists(
        st.one_of(
            st.text(alphabet="aZ09_- \n\x00/%é", max_size=6),
            st.text(alphabet="ab", min_size=127, max_size=130),
        ),
        max_size=5,
    )
)
def test_the_ids_are_checked_url_safe_in_one_match_as_one_by_one(ids: list[str]) -> None:
    one_by_one = all(vote_plain._TOKEN.match(i) for i in ids)
    assert vote_plain.url_safe(ids) == one_by_one
