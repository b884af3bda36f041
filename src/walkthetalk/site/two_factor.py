"""Two-factor sign-in for staff: a time-based code (TOTP) with one-time recovery codes.

Built on django-otp (its TOTP and static devices). After the password, someone with a
confirmed device must give a code from their app or a recovery code before any staff page
opens (:class:`TwoFactorMiddleware`). Stewards and superusers must enrol when
``settings.TWO_FACTOR_REQUIRED`` is on (production); anyone else may.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

import segno
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django_otp import login as otp_login
from django_otp import match_token, user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from walkthetalk.caremap.errors import ServiceError
from walkthetalk.caremap.models import StaffRole
from walkthetalk.caremap.participant_http import may_be_signed_in

RECOVERY_CODES = 10
TOTP_NAME = "Authenticator app"
RECOVERY_NAME = "Recovery codes"


def requires_two_factor(user: AbstractBaseUser | AnonymousUser) -> bool:
    if not getattr(settings, "TWO_FACTOR_REQUIRED", False) or not user.is_authenticated:
        return False
    return bool(
        getattr(user, "is_superuser", False)
        or StaffRole.objects.filter(user_id=user.pk, role=StaffRole.Role.STEWARD).exists()
    )


def is_enrolled(user: AbstractBaseUser) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def pending_device(user: AbstractBaseUser) -> TOTPDevice:
    """The TOTP device being enrolled (made once, kept until confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)
    return device


def qr_data_uri(text: str) -> str:
    out = io.BytesIO()
    segno.make(text, error="m").save(out, kind="svg", scale=5, border=2)
    return "data:image/svg+xml;charset=utf-8," + quote(out.getvalue().decode())


def _base32(device: TOTPDevice) -> str:
    from base64 import b32encode

    key = b32encode(device.bin_key).decode()
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


@dataclass(frozen=True)
class Enrolment:
    device: TOTPDevice
    secret: str
    qr: str


def start_enrolment(user: AbstractBaseUser) -> Enrolment:
    device = pending_device(user)
    return Enrolment(device, _base32(device), qr_data_uri(device.config_url))


@transaction.atomic
def new_recovery_codes(user: AbstractBaseUser) -> list[str]:
    """Replace the user's recovery codes with fresh ones, shown once."""
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name=RECOVERY_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    for code in codes:
        device.token_set.create(token=code)
    return codes


class TwoFactorError(ServiceError):
    """A code that did not work, with what to do next."""


@transaction.atomic
def confirm_enrolment(request: HttpRequest, token: str) -> list[str]:
    """Check the first code from the app; confirm the device, mark this sign-in verified and
    return fresh recovery codes."""
    user = request.user
    assert isinstance(user, AbstractBaseUser)
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
    if device is None or not device.verify_token(token.strip().replace(" ", "")):
        raise TwoFactorError(
            "That code did not match. Check the time on your phone and enter the newest code."
        )
    TOTPDevice.objects.filter(user=user, confirmed=True).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    otp_login(request, device)
    return new_recovery_codes(user)


def verify(request: HttpRequest, token: str) -> bool:
    """A code from the app or a recovery code (used up) completes this sign-in."""
    user = request.user
    assert isinstance(user, AbstractBaseUser)
    # App codes are digits; recovery codes are lower-case letters and digits.
    device = match_token(user, token.strip().replace(" ", "").lower())
    if device is None:
        return False
    otp_login(request, device)
    return True


# --- the gate ------------------------------------------------------------------------------

OPEN_PATHS = ("/accounts/logout/", "/accounts/two-factor/", "/static/", "/healthz")


class TwoFactorMiddleware:
    """After django-otp's middleware: a signed-in user with a device must verify this
    session, and someone who must enrol is sent to enrol, before any other page opens."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not may_be_signed_in(request):  # a participant: no user to look up
            return self.get_response(request)
        user = request.user
        if user.is_authenticated and not request.path.startswith(OPEN_PATHS):
            if not user.is_verified():  # type: ignore[attr-defined]
                if user_has_device(user):
                    return HttpResponseRedirect(reverse("two_factor_verify"))
                if requires_two_factor(user):
                    return HttpResponseRedirect(reverse("two_factor"))
        return self.get_response(request)
