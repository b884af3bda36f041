"""The vote just cast, kept on the voter's own browser for "your vote is counted — undo".

Each vote's answer sets a short-lived, signed, HTTP-only cookie limited to that conversation's
vote page (:func:`keep_last_vote`), holding the statement's public id and the value. The vote
page reads it (:func:`last_vote`) to thank the voter for that vote and to offer to undo it:
the undo link is always ``?change=last``, so which statement it was is never in a URL (never
in an access log or a history) and never stored on the server. A vote page without JavaScript
is answered by a redirect to itself, so the same cookie serves it too, and the page stays one
the vote page's memo can fill in (:mod:`walkthetalk.conversations.vote_page`).
"""

from __future__ import annotations

import re

from django.http import HttpRequest, HttpResponse

from walkthetalk.caremap import signatures
from walkthetalk.caremap.participant_http import set_participant_cookie
from walkthetalk.conversations.services import VoteOutcome

LAST_VOTE_COOKIE = "wtt_last_vote"
LAST_VOTE_SALT = "walkthetalk.conversations-last-vote"
LAST_VOTE_MAX_AGE = 60 * 60
_STATEMENT_ID = re.compile(r"[A-Za-z0-9_-]{1,40}\Z")


def keep_last_vote(response: HttpResponse, vote_path: str, outcome: VoteOutcome) -> HttpResponse:
    """Remember ``outcome`` on the voter's browser, for the vote page at ``vote_path`` only."""
    set_participant_cookie(
        response,
        LAST_VOTE_COOKIE,
        last_vote_value(outcome.statement_id, outcome.value),
        max_age=LAST_VOTE_MAX_AGE,
        path=vote_path,
    )
    return response


def last_vote_value(statement_id: str, value: int) -> str:
    """The cookie's value: the statement's public id and the vote, signed (as Django's
    ``signing.dumps`` signs, :mod:`~walkthetalk.caremap.signatures`). The JSON of the usual
    pair — a URL-safe id (nothing to escape) and an integer — is written directly."""
    if type(value) is int and _STATEMENT_ID.match(statement_id):
        return signatures.dumps_json(f'["{statement_id}",{value}]', salt=LAST_VOTE_SALT)
    return signatures.dumps([statement_id, value], salt=LAST_VOTE_SALT)


def last_vote(request: HttpRequest) -> VoteOutcome | None:
    """The vote kept by :func:`keep_last_vote`; None when missing, lapsed or tampered with."""
    return last_vote_of(request.COOKIES.get(LAST_VOTE_COOKIE))


def last_vote_of(raw: str | None) -> VoteOutcome | None:
    """:func:`last_vote` from the cookie's value."""
    if not raw:
        return None
    try:
        data = signatures.loads(raw, salt=LAST_VOTE_SALT, max_age=LAST_VOTE_MAX_AGE)
    except signatures.BadSignature:
        return None
    if not (isinstance(data, list) and len(data) == 2):
        return None
    statement_id, value = data
    if not isinstance(statement_id, str) or not _STATEMENT_ID.match(statement_id):
        return None
    if value not in (-1, 0, 1):
        return None
    return VoteOutcome(statement_id, value, replayed=True)
