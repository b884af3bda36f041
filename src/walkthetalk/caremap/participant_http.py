"""Carrying a participant pass in a signed, HTTP-only cookie (no account, no server session).

:func:`set_participant_cookie` is the one place that sets the flags of a cookie given to a
participant's browser (the pass here, the pulse answer draft in :mod:`walkthetalk.pulse.drafts`).
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from walkthetalk.caremap.passes import PASS_COOKIE, PASS_MAX_AGE, ParticipantPass


def current_pass(request: HttpRequest) -> ParticipantPass | None:
    value = request.COOKIES.get(PASS_COOKIE)
    return ParticipantPass.from_signed(value) if value else None


def may_be_signed_in(request: HttpRequest) -> bool:
    """False when the request carries no session cookie: Django keeps who is signed in only in
    the session, so without one the user is anonymous and need not be looked up (participants
    never get a session)."""
    return settings.SESSION_COOKIE_NAME in request.COOKIES


def set_participant_cookie(
    response: HttpResponse, name: str, value: str, *, max_age: int, path: str = "/"
) -> None:
    """Set a cookie on a participant's browser: HTTP-only, same-site (Lax), and sent only
    over HTTPS whenever the session cookie is (``SESSION_COOKIE_SECURE``)."""
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=path,
        httponly=True,
        samesite="Lax",
        secure=bool(getattr(settings, "SESSION_COOKIE_SECURE", False)),
    )


def give_pass(response: HttpResponse, participant_pass: ParticipantPass) -> HttpResponse:
    set_participant_cookie(response, PASS_COOKIE, participant_pass.sign(), max_age=PASS_MAX_AGE)
    return response


def invitation_links(request: HttpRequest, tokens: list[str]) -> list[str]:
    """Full one-time links for fresh invitation tokens (shown once, never stored)."""
    base = request.build_absolute_uri(reverse("caremap:join"))
    return [f"{base}?t={token}" for token in tokens]
