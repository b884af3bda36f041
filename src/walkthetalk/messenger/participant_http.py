"""Carrying a fresh receipt code from the send form to the receipt page (post/redirect/get).

The code is never in a URL (so never in a history or a log) and never stored on the server: it
rides for a short while in one signed, HTTP-only cookie limited to the receipt page, so a
reload of that page shows it again and Back never re-sends the concern. "I have kept my code"
clears it at once; otherwise it lapses after :data:`RECEIPT_MAX_AGE`.
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
