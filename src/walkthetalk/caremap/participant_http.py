"""Carrying a participant pass in a signed, HTTP-only cookie (no account, no server session);
and the key of the invitation batch a steward just made, so its links show again on reload.

:func:`set_participant_cookie` is the one place that sets the flags of a cookie given to a
participant's browser (the pass here, the pulse answer draft in :mod:`walkthetalk.pulse.drafts`).
"""

from __future__ import annotations

from dataclasses import dataclass

import segno
from django.conf import settings
from django.core import signing
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language

from walkthetalk.caremap.passes import PASS_COOKIE, PASS_MAX_AGE, ParticipantPass
from walkthetalk.caremap.tokens import derived_token
from walkthetalk.reports.render.csv_writer import write_csv


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


# --- a batch of invitations just made, shown again from its key (post/redirect/get) -------

BATCH_COOKIE = "wtt_batch"
BATCH_SALT = "walkthetalk.invitation-batch"
BATCH_MAX_AGE = 12 * 60 * 60
SHEET_PAGE_SIZE = 60


@dataclass(frozen=True)
class KeptBatch:
    """The batch a steward just made, as their browser keeps it: the key its codes are drawn
    from, how many, and the sheet's name (neither stored on the server)."""

    key: str
    count: int
    label: str

    @property
    def tokens(self) -> list[str]:
        return [derived_token(self.key, i) for i in range(self.count)]


def keep_batch(response: HttpResponse, path: str, batch: KeptBatch) -> HttpResponse:
    """Keep the batch's key on the steward's browser, sent back only under ``path`` (the page
    that made it, its sheet and its CSV)."""
    value = signing.dumps(
        {"key": batch.key, "count": batch.count, "label": batch.label},
        salt=BATCH_SALT,
        compress=True,
    )
    set_participant_cookie(response, BATCH_COOKIE, value, max_age=BATCH_MAX_AGE, path=path)
    return response


def kept_batch(request: HttpRequest) -> KeptBatch | None:
    raw = request.COOKIES.get(BATCH_COOKIE)
    if not raw:
        return None
    try:
        data = signing.loads(raw, salt=BATCH_SALT, max_age=BATCH_MAX_AGE)
        return KeptBatch(str(data["key"]), int(data["count"]), str(data.get("label", "")))
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


def forget_batch(response: HttpResponse, path: str) -> HttpResponse:
    response.delete_cookie(BATCH_COOKIE, path=path, samesite="Lax")
    return response


def invitation_sheet(
    request: HttpRequest, kept: KeptBatch, context: dict[str, object]
) -> HttpResponse:
    """The batch as printable slips, a page of :data:`SHEET_PAGE_SIZE` at a time: a QR code
    and the short code on each (``context`` adds the care system and the way back)."""
    page = Paginator(kept.tokens, SHEET_PAGE_SIZE).get_page(request.GET.get("page"))
    links = invitation_links(request, list(page.object_list))
    slips = [(code, qr_code(link)) for code, link in zip(page.object_list, links, strict=True)]
    return render(
        request,
        "caremap/invitation_sheet.html",
        {
            **context,
            "kept": kept,
            "slips": slips,
            "page": page,
            "join_url": request.build_absolute_uri(reverse("caremap:join")),
            "slip_language": slip_language(request),
            "slip_languages": settings.LANGUAGES,
        },
    )


def slip_language(request: HttpRequest) -> str:
    """The language the slips are printed in: the one asked for (``?lang=es``), else the
    language the steward reads the site in."""
    asked = request.GET.get("lang", "")
    known = {code for code, _ in settings.LANGUAGES}
    if asked in known:
        return asked
    current = (get_language() or "").split("-")[0]
    return current if current in known else settings.LANGUAGE_CODE


def invitation_csv(request: HttpRequest, kept: KeptBatch, filename: str) -> HttpResponse:
    """The batch as a CSV of codes and links (for a mail merge)."""
    tokens = kept.tokens
    body = write_csv(["code", "link"], zip(tokens, invitation_links(request, tokens), strict=True))
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def qr_code(link: str) -> str:
    """The link as a QR code, an SVG data URI (the page's CSP allows data: images only)."""
    return str(segno.make(link, error="m", micro=False).svg_data_uri(scale=3, border=2))
