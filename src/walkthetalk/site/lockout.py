"""Sign-in lockout that slows guessing down but cannot be turned against a staff member.

django-axes counts failed sign-ins per user name (never per address: none is stored). After
:data:`FAILURE_LIMIT` failures the name pauses for a cool-off that grows with every pause
(2, 4, 8 … minutes, at most 12 hours), remembered in the shared cache — a growing delay, never a
hard lock.

Someone who only knows a staff member's user name could keep that name paused. So a browser
where the person has fully signed in before (password, and their second factor if they have
one) carries a signed *device cookie* naming them; sign-ins from that browser are not held by
the name's pause (:func:`trusted_device`), only by their own small allowance of failures
(:data:`DEVICE_FAILURE_LIMIT` per cool-off), so the owner keeps signing in while a stranger is
slowed down. A steward can lift a pause for their care systems' staff (the "Sign-in pauses"
page) and an administrator can with ``walkthetalk unlock USERNAME``.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

BASE_COOL_OFF = dt.timedelta(minutes=2)
MAX_COOL_OFF = dt.timedelta(hours=12)
DEVICE_FAILURE_LIMIT = 5
DEVICE_COOKIE = "wtt_device"
DEVICE_SALT = "walkthetalk.site.lockout.device"
DEVICE_MAX_AGE = 180 * 24 * 3600
_PAUSES_KEY = "lockout:pauses:{}"
_DEVICE_FAILURES_KEY = "lockout:device:{}"


def _username(request: HttpRequest | None, credentials: dict[str, Any] | None = None) -> str:
    if credentials and credentials.get("username"):
        return str(credentials["username"])
    if request is None:
        return ""
    creds = getattr(request, "axes_credentials", None) or {}
    return str(creds.get("username") or request.POST.get("username") or "")


def pauses(username: str) -> int:
    return int(cache.get(_PAUSES_KEY.format(username)) or 0)


def cool_off_for(count: int) -> dt.timedelta:
    """The pause after the ``count``-th lockout: doubles each time, at most :data:`MAX_COOL_OFF`."""
    if count <= 1:
        return BASE_COOL_OFF
    return min(MAX_COOL_OFF, BASE_COOL_OFF * 2 ** min(count - 1, 20))


def cool_off(request: HttpRequest | None) -> dt.timedelta:
    """``AXES_COOLOFF_TIME``: the current pause for the user name in this request."""
    return cool_off_for(pauses(_username(request)))


def record_pause(sender: Any, request: HttpRequest, username: str, **kwargs: Any) -> None:
    """On a new lockout (not on refused tries during one), the next pause grows."""
    if getattr(request, "axes_failures_since_start", None) is None or not username:
        return
    key = _PAUSES_KEY.format(username)
    cache.add(key, 0, timeout=int(MAX_COOL_OFF.total_seconds()) * 2)
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=int(MAX_COOL_OFF.total_seconds()) * 2)


def forget_pauses(username: str) -> None:
    cache.delete(_PAUSES_KEY.format(username))


# --- trusted devices -----------------------------------------------------------------------


def remember_device(response: HttpResponse, username: str) -> None:
    """Mark this browser as one where ``username`` has fully signed in."""
    value = signing.dumps({"u": username, "d": secrets.token_urlsafe(12)}, salt=DEVICE_SALT)
    response.set_cookie(
        DEVICE_COOKIE,
        value,
        max_age=DEVICE_MAX_AGE,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def _device(request: HttpRequest) -> dict[str, str] | None:
    raw = request.COOKIES.get(DEVICE_COOKIE)
    if not raw:
        return None
    try:
        value = signing.loads(raw, salt=DEVICE_SALT, max_age=DEVICE_MAX_AGE)
    except signing.BadSignature:
        return None
    return value if isinstance(value, dict) else None


def _device_failures(device_id: str) -> int:
    return int(cache.get(_DEVICE_FAILURES_KEY.format(device_id)) or 0)


def trusted_device(request: HttpRequest, credentials: dict[str, Any] | None = None) -> bool:
    """``AXES_WHITELIST_CALLABLE``: this browser has signed in as this user name before and has
    not used up its own allowance of failures."""
    device = _device(request)
    if device is None or device.get("u") != _username(request, credentials):
        return False
    return _device_failures(device["d"]) < DEVICE_FAILURE_LIMIT


def count_device_failure(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    """A failed sign-in from a trusted browser uses up that browser's own allowance."""
    if request is None:
        return
    device = _device(request)
    if device is None or device.get("u") != _username(request, credentials):
        return
    key = _DEVICE_FAILURES_KEY.format(device["d"])
    timeout = int(cool_off_for(1).total_seconds())
    cache.add(key, 0, timeout=timeout)
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=timeout)


# --- lifting a pause -----------------------------------------------------------------------


def paused_usernames(usernames: list[str]) -> list[str]:
    """Which of these user names are paused right now."""
    from axes.models import AccessAttempt
    from django.utils import timezone

    now = timezone.now()
    paused = []
    for attempt in AccessAttempt.objects.filter(
        username__in=usernames, failures_since_start__gte=settings.AXES_FAILURE_LIMIT
    ).order_by("username"):
        if attempt.username and attempt.attempt_time >= now - cool_off_for(
            pauses(attempt.username)
        ):
            paused.append(attempt.username)
    return sorted(set(paused))


def unlock(username: str) -> int:
    """Lift the pause on a user name and forget its growing delay; returns attempts cleared."""
    from axes.utils import reset

    cleared = int(reset(username=username) or 0)
    forget_pauses(username)
    return cleared
