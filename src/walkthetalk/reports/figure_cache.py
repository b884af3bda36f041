"""The one store of computed report output: released figures, chart files and printed PDFs.

Everything the reports compute from a release is kept in the site's "figures" database cache
(settings ``CACHES``; apart from the security state in "default") under a key that names what
it depends on (a digest of the release state: see
:mod:`walkthetalk.reports.pulse_store` for a pulse wave, :mod:`walkthetalk.reports.pdf_store`
for a conversation's report), so a change of what it shows makes a new key and the old entry
is never read again (it expires after :data:`KEEP`).

A value is computed *outside* any write and stored by :func:`keep` in one short
insert-or-ignore: two requests that compute the same entry at once (the worker and a first
view, or two first views) both store it without waiting on each other's computation, and the
second store leaves the first as it was (both computed the same thing from the same state).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.core.cache import caches

KEEP = 60 * 60 * 24 * 30
"""Seconds an entry is kept (a newer state asks for a new entry anyway)."""

T = TypeVar("T")


def get(key: str) -> object | None:
    return caches["figures"].get(key)


def has(key: str) -> bool:
    return bool(caches["figures"].has_key(key))


def keep(key: str, value: object) -> None:
    """Store ``value`` under ``key`` unless something is stored there already (one short
    write; the value was computed before it)."""
    caches["figures"].add(key, value, KEEP)


def point(key: str, value: str) -> None:
    """Set a pointer (which state was stored last): the one entry that is overwritten."""
    caches["figures"].set(key, value, KEEP)


def stored(key: str, compute: Callable[[], T], latest: str | None = None) -> T:
    """What is stored under ``key``, or ``compute()`` stored there now. With ``latest`` (where
    the key last stored for the same thing is kept), the entry it names is dropped when a new
    one is stored: a large value (a PDF) of a past state is never read again."""
    found = get(key)
    if found is not None:
        return found  # type: ignore[return-value]
    value = compute()
    keep(key, value)
    if latest is not None:
        before = get(latest)
        point(latest, key)
        if before and before != key:
            caches["figures"].delete(str(before))
    return value
