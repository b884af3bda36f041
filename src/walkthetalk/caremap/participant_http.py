"""Carrying a participant pass in a signed, HTTP-only cookie (no account, no server session)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

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


def invitation_links(request: HttpRequest, tokens: list[str]) -> list[str]:
    """Full one-time links for fresh invitation tokens (shown once, never stored)."""
    base = request.build_absolute_uri(reverse("caremap:join"))
    return [f"{base}?t={token}" for token in tokens]
