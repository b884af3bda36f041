"""Rate limits for receipt-code lookups, kept in Django's cache and never by client address.

No IP address is ever known here (the site strips it before any view runs), so lookups are
limited in two ways that need none:

- **per code prefix** — at most :data:`PREFIX_LIMIT` lookups in a window for codes that start
  with the same :data:`PREFIX_LENGTH` characters (25 bits). Someone hammering at one concern's
  code (a known first group, say) is stopped quickly; someone reading their replies a few times
  is not. The prefix lives only as part of a short-lived cache key, never in the database.
- **globally** — at most :data:`GLOBAL_LIMIT` lookups in a window across the whole site, which
  bounds blind guessing over all codes (on top of the 100 bits each code carries).

Windows are fixed buckets of :data:`WINDOW_SECONDS`. A limited lookup is refused before any
database or hashing work, with a kind message.
"""

from __future__ import annotations

import time

from django.core.cache import cache

WINDOW_SECONDS = 15 * 60
PREFIX_LENGTH = 5
PREFIX_LIMIT = 10
GLOBAL_LIMIT = 300
LIMITED_MESSAGE = (
    "There have been a lot of tries to open concerns just now, so we have paused lookups for a "
    "little while to keep everyone's concerns safe. Please try again in about 15 minutes — "
    "your concern and its replies are still here."
)


class RateLimited(Exception):
    """Too many lookups in this window; the message is kind and says when to try again."""

    def __init__(self) -> None:
        super().__init__(LIMITED_MESSAGE)


def _bucket(now: float | None = None) -> int:
    return int((time.time() if now is None else now) // WINDOW_SECONDS)


def _hit(key: str) -> int:
    cache.add(key, 0, timeout=WINDOW_SECONDS * 2)
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=WINDOW_SECONDS * 2)
        return 1


def check_lookup(normalised_prefix: str, now: float | None = None) -> None:
    """Count one lookup; raise :class:`RateLimited` if this window's limits are used up."""
    bucket = _bucket(now)
    global_key = f"messenger:lookups:all:{bucket}"
    prefix_key = f"messenger:lookups:prefix:{normalised_prefix[:PREFIX_LENGTH]}:{bucket}"
    if (cache.get(global_key) or 0) >= GLOBAL_LIMIT or (cache.get(prefix_key) or 0) >= PREFIX_LIMIT:
        raise RateLimited()
    _hit(global_key)
    _hit(prefix_key)
