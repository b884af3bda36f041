"""Carrying a receipt code between pages on the sender's own browser (post/redirect/get).

Two short-lived, signed, HTTP-only cookies, each limited to the pages that need it:

- from the send form to the receipt page (:func:`keep_receipt`), so a reload of that page shows
  the fresh code again and Back never re-sends the concern; "I have kept my code" clears it;
- from the read form to the thread and its write-back form (:func:`keep_opened`), so a reload
  of the thread neither asks to re-send the form nor counts as another lookup, and a reply is
  answered by a redirect back to the thread; "Close" clears it.

The code is never in a URL (so never in a history or a log) and never stored on the server;
each cookie lapses after :data:`RECEIPT_MAX_AGE`.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from walkthetalk.caremap.participant_http import set_participant_cookie

RECEIPT_COOKIE = "wtt_receipt"
RECEIPT_SALT = "walkthetalk.messenger-receipt"
RECEIPT_MAX_AGE = 30 * 60


@dataclass(frozen=True)
class ShownReceipt:
    """What the receipt page shows: the code and the role it went to."""

    code: str
    role_title: str

    @property
    def groups(self) -> list[str]:
        """The code's groups, so a page can keep each group on one line."""
        return self.code.split("-")


def _path() -> str:
    return reverse("messenger:receipt")


def keep_receipt(response: HttpResponse, code: str, role_title: str) -> HttpResponse:
    value = signing.dumps({"code": code, "role": role_title}, salt=RECEIPT_SALT, compress=True)
    set_participant_cookie(response, RECEIPT_COOKIE, value, max_age=RECEIPT_MAX_AGE, path=_path())
    return response


def shown_receipt(request: HttpRequest) -> ShownReceipt | None:
    """The receipt in the request's cookie; None when missing, lapsed or tampered with."""
    raw = request.COOKIES.get(RECEIPT_COOKIE)
    if not raw:
        return None
    try:
        data = signing.loads(raw, salt=RECEIPT_SALT, max_age=RECEIPT_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("code"), str):
        return None
    return ShownReceipt(data["code"], str(data.get("role", "")))


def forget_receipt(response: HttpResponse) -> HttpResponse:
    response.delete_cookie(RECEIPT_COOKIE, path=_path(), samesite="Lax")
    return response


OPENED_COOKIE = "wtt_opened"
OPENED_SALT = "walkthetalk.messenger-opened"


def _read_path() -> str:
    return reverse("messenger:read")  # the read form, the thread and write-back live under it


def keep_opened(response: HttpResponse, code: str) -> HttpResponse:
    """Keep a code a counted lookup has just opened, for the thread pages under /read/."""
    value = signing.dumps(code, salt=OPENED_SALT, compress=True)
    set_participant_cookie(
        response, OPENED_COOKIE, value, max_age=RECEIPT_MAX_AGE, path=_read_path()
    )
    return response


def opened_code(request: HttpRequest) -> str | None:
    """The code kept by :func:`keep_opened`; None when missing, lapsed or tampered with."""
    raw = request.COOKIES.get(OPENED_COOKIE)
    if not raw:
        return None
    try:
        code = signing.loads(raw, salt=OPENED_SALT, max_age=RECEIPT_MAX_AGE)
    except signing.BadSignature:
        return None
    return code if isinstance(code, str) else None


def forget_opened(response: HttpResponse) -> HttpResponse:
    response.delete_cookie(OPENED_COOKIE, path=_read_path(), samesite="Lax")
    return response
