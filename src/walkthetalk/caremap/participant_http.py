"""Carrying a participant pass in a signed, HTTP-only cookie (no account, no server session)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from walkthetalk.caremap.passes import PASS_COOKIE, PASS_MAX_AGE, ParticipantPass


def current_pass(request: HttpRequest) -> ParticipantPass | None:
    value = request.COOKIES.get(PASS_COOKIE)
    return ParticipantPass.from_signed(value) if value else None


def give_pass(response: HttpResponse, participant_pass: ParticipantPass) -> HttpResponse:
    response.set_cookie(
        PASS_COOKIE,
        participant_pass.sign(),
        max_age=PASS_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=bool(getattr(settings, "SESSION_COOKIE_SECURE", False)),
    )
    return response
