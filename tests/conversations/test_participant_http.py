"""The vote just cast, kept on the voter's browser (participant_http): read back as written,
never from a cookie this site did not sign, and never put in a URL."""

from __future__ import annotations

import pytest
from django.core import signing
from django.http import HttpResponse
from django.test import RequestFactory

from walkthetalk.conversations.participant_http import (
    LAST_VOTE_COOKIE,
    LAST_VOTE_SALT,
    keep_last_vote,
    last_vote,
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
