"""Rate limits for receipt-code lookups, kept in the shared cache and never by client address.

The cache is the database cache every server process shares (settings ``CACHES``), so a limit
holds across processes.

No IP address is ever known here (the site strips it before any view runs), so lookups are
limited **per code prefix**: at most :data:`PREFIX_LIMIT` lookups in a window for codes that
start with the same :data:`PREFIX_LENGTH` characters (25 bits). Someone hammering at one
concern's code (a known first group, say) is stopped quickly; someone reading their replies a
few times is not. The prefix lives only as part of a short-lived cache key, never in the
database.

Why there is no site-wide limit. A global cap (there was one: 300 lookups per 15 minutes) adds
no security and hands anyone a switch to turn replies off for everybody: 300 made-up,
well-formed codes would lock every sender out of their replies for the whole window. Guessing
is already hopeless without it: each code carries 100 random bits, so even a million guesses a
window finds a given concern with probability about 2**-80. The expensive step is bounded
without a global cap too: Argon2 runs only when a code's HMAC lookup value matches a stored
concern, which a made-up code does not do, so a flood of made-up codes costs one indexed query
each, and the per-prefix limit caps how often any one concern's Argon2 check can be forced.

Why the per-prefix limit cannot be turned against a real holder. Hammering made-up codes that
share a holder's first five characters would pause that holder's lookups for a window, but
only someone who already knows those five characters can do it. They are never stored or
shown anywhere but on the holder's own receipt (the database keeps only an HMAC over all 20
characters and an Argon2 hash), and someone guessing blindly must spend 10 lookups per prefix
across 2**25 prefixes, so each 10 tries pauses a real holder only with a chance of about
(number of open concerns) / 2**25 — never a switch for everyone.
A holder who is paused sees a kind message and can try again in the next window.

Windows are fixed buckets of :data:`WINDOW_SECONDS`. A limited lookup is refused before any
database or hashing work, with a kind message.
"""

from __future__ import annotations

import time

from django.core.cache import cache
from django.utils.translation import gettext_lazy

WINDOW_SECONDS = 15 * 60
PREFIX_LENGTH = 5
PREFIX_LIMIT = 10
LIMITED_MESSAGE = gettext_lazy(
    "There have been a lot of tries to open this concern just now, so we have paused lookups "
    "for it for a little while to keep it safe. Please try again in about 15 minutes — "
    "your concern and its replies are still here."
)


class RateLimited(Exception):
    """Too many lookups in this window; the message is kind and says when to try again."""

    def __init__(self) -> None:
        super().__init__(str(LIMITED_MESSAGE))


def _bucket(now: float | None = None) -> int:
    return int((time.time() if now is None else now) // WINDOW_SECONDS)


def _claim_slot(key: str, limit: int) -> bool:
    """Take one of ``limit`` slots for this key. ``cache.add`` is atomic in the shared database
    cache (a unique key), so two server processes never take the same slot."""
    return any(cache.add(f"{key}:{slot}", 1, timeout=WINDOW_SECONDS * 2) for slot in range(limit))


def check_lookup(normalised_prefix: str, now: float | None = None) -> None:
    """Count one lookup for this code prefix; raise :class:`RateLimited` if it is used up."""
    bucket = _bucket(now)
    prefix_key = f"messenger:lookups:prefix:{normalised_prefix[:PREFIX_LENGTH]}:{bucket}"
    if not _claim_slot(prefix_key, PREFIX_LIMIT):
        raise RateLimited()
