"""The vote just cast, kept on the voter's browser (participant_http): read back as written,
never from a cookie this site did not sign, and never put in a URL."""

from __future__ import annotations

from unittest import mock

import pytest
from django.core import signing
from django.http import HttpResponse
from django.test import RequestFactory
from hypothesis import example, given
from hypothesis import strategies as st

from walkthetalk.conversations.participant_http import (
    LAST_VOTE_COOKIE,
    LAST_VOTE_SALT,
    keep_last_vote,
    last_vote,
    last_vote_value,
)
from walkthetalk.conversations.services import VoteOutcome

from ..caremap.factories import small_system
from .factories import accepted_client, conversation, vote_form


def _read(value: str):  # type: ignore[no-untyped-def]
    request = RequestFactory().get("/conversations/x/vote/")
    request.COOKIES[LAST_VOTE_COOKIE] = value
    return last_vote(request)


def test_the_kept_vote_is_read_back_only_on_its_own_vote_page() -> None:
    response = keep_last_vote(
        HttpResponse(), "/conversations/abc/vote/", VoteOutcome("s1", -1, False)
    )
    cookie = response.cookies[LAST_VOTE_COOKIE]
    assert cookie["path"] == "/conversations/abc/vote/" and cookie["httponly"]
    assert cookie["samesite"] == "Lax" and int(cookie["max-age"]) > 0
    assert _read(cookie.value) == VoteOutcome("s1", -1, replayed=True)


@given(
    statement_id=st.from_regex(r"[A-Za-z0-9_-]{1,40}", fullmatch=True) | st.text(max_size=45),
    value=st.integers() | st.booleans(),
)
@example(statement_id="a" * 40, value=-1)
@example(statement_id="a" * 41, value=1)
@example(statement_id="s1\n", value=0)
@example(statement_id='s"1', value=1)
@example(statement_id="s1", value=True)
def test_the_cookie_value_is_djangos_signing_dumps(statement_id: str, value: int) -> None:
    """Written directly for a URL-safe id and an integer, by the JSON encoder otherwise: the
    same value as Django's ``signing.dumps`` of the pair, at the same second."""
    with mock.patch("time.time", return_value=1_796_000_000.5):
        expected = signing.dumps([statement_id, value], salt=LAST_VOTE_SALT)
        assert last_vote_value(statement_id, value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "",
        "not-signed",
        signing.dumps(["s1", 1], salt="another.salt"),
        signing.dumps(["s1", 7], salt=LAST_VOTE_SALT),
        signing.dumps(["a/b?c", 1], salt=LAST_VOTE_SALT),
        signing.dumps({"s": "s1"}, salt=LAST_VOTE_SALT),
    ],
)
def test_a_forged_tampered_or_odd_cookie_is_ignored(value: str) -> None:
    assert _read(value) is None


@pytest.mark.django_db
def test_a_vote_keeps_itself_for_the_undo_and_the_undo_link_names_no_statement() -> None:
    conv = conversation(small_system())
    client = accepted_client(conv)
    url = f"/conversations/{conv.public_id}/vote/"
    form = vote_form(client, conv)
    response = client.post(url, {**form, "choice": "disagree"})
    assert response.status_code == 302 and response["Location"] == url  # no vote in the URL
    page = client.get(url).content.decode()
    assert "your vote “Disagree” is counted" in page
    assert f'href="{url}?change=last"' in page and form["statement"] not in page.split("Undo")[0]
    change = client.get(url + "?change=last").content.decode()
    assert "Change your last vote" in change and f'value="{form["statement"]}"' in change
    # Without the cookie there is nothing to undo: the next statement as usual.
    client.cookies.pop(LAST_VOTE_COOKIE)
    assert "Change your last vote" not in client.get(url + "?change=last").content.decode()
