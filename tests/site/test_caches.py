"""The two shared caches (settings ``CACHES``): security state apart from computed figures.

Django's database cache deletes a third of its entries once it holds ``MAX_ENTRIES``, smallest
keys first. Lockout delays and receipt-lookup rate limits share the "default" cache with
nothing bulky, and its bound is far above what a flood can write, so anyone sending made-up
receipt codes by the thousand cannot push a lockout delay, or the rate limit on someone else's
code, out of it. Figures, charts and PDFs go to the "figures" cache only.
"""

from __future__ import annotations

import datetime as dt
import itertools
import string
from types import SimpleNamespace

import pytest
from django.core.cache import caches
from django.db import connection

from walkthetalk.messenger.ratelimit import PREFIX_LIMIT, RateLimited, check_lookup
from walkthetalk.reports import figure_cache
from walkthetalk.site import lockout
from walkthetalk.site.tasks import drop_expired_cache_entries

pytestmark = pytest.mark.django_db

NOW = 1_800_000_000.0
PAST = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
FUTURE = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)
FLOOD = 1_000  # over Django's default bound of 300 entries, the one this project replaced


def _flood() -> None:
    """One lookup each for made-up codes with FLOOD different prefixes (none refused)."""
    letters = string.ascii_uppercase[1:]  # prefixes after "A…" in key order, as a real flood's
    for prefix in itertools.islice(itertools.product(letters, repeat=5), FLOOD):
        check_lookup("".join(prefix), now=NOW)


def _rows(table: str, like: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table} WHERE cache_key LIKE %s", [like])  # noqa: S608
        return int(cursor.fetchone()[0])


def test_a_flood_of_receipt_lookups_keeps_a_lockout_delay() -> None:
    request = SimpleNamespace(axes_failures_since_start=1)
    lockout.record_pause(None, request, "steward")  # type: ignore[arg-type]
    lockout.record_pause(None, request, "steward")  # type: ignore[arg-type]
    assert lockout.pauses("steward") == 2
    _flood()
    assert lockout.pauses("steward") == 2


def test_a_flood_of_other_prefixes_keeps_a_used_up_rate_limit() -> None:
    for _ in range(PREFIX_LIMIT):
        check_lookup("AAAAA", now=NOW)
    with pytest.raises(RateLimited):
        check_lookup("AAAAA", now=NOW)
    _flood()
    with pytest.raises(RateLimited):
        check_lookup("AAAAA", now=NOW)


def test_figures_are_kept_apart_from_the_security_state() -> None:
    figure_cache.keep("caches-test:figure", b"%PDF-1.7 " + b"x" * 100_000)
    assert figure_cache.get("caches-test:figure") is not None
    assert caches["default"].get("caches-test:figure") is None
    assert _rows("walkthetalk_figures", "%caches-test:figure") == 1
    assert _rows("walkthetalk_cache", "%caches-test:figure") == 0


def test_the_clock_drops_expired_entries_of_both_caches_and_keeps_the_rest() -> None:
    caches["default"].set("caches-test:spent", 1, timeout=1)
    caches["default"].set("caches-test:live", 1, timeout=3600)
    caches["figures"].set("caches-test:old-figure", 1, timeout=1)
    with connection.cursor() as cursor:  # their time is up (as an hour later)
        for table in ("walkthetalk_cache", "walkthetalk_figures"):
            cursor.execute(
                f"UPDATE {table} SET expires = %s WHERE cache_key LIKE %s",  # noqa: S608
                [connection.ops.adapt_datetimefield_value(PAST), "%caches-test:%"],
            )
        cursor.execute(
            "UPDATE walkthetalk_cache SET expires = %s WHERE cache_key LIKE %s",
            [connection.ops.adapt_datetimefield_value(FUTURE), "%caches-test:live"],
        )
    assert drop_expired_cache_entries() == 2
    assert _rows("walkthetalk_cache", "%caches-test:%") == 1
    assert caches["default"].get("caches-test:live") == 1
    assert _rows("walkthetalk_figures", "%caches-test:%") == 0
