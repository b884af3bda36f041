"""The one clock of the apps: today's date in the site's time zone.

Dates are all the apps store about time (never finer than a day), and every service asks here,
so tests and the demo can move one clock.

A vote asks for today's date on every request; the date is worked out once per second of the
wall clock and time zone, per process: the second and the date come from the same reading of
the clock, so no memo outlives its midnight.
"""

from __future__ import annotations

import datetime as dt
import time

from django.utils import timezone

_memo: tuple[int, dt.tzinfo, dt.date] | None = None


def today() -> dt.date:
    """Today's date in the site's time zone (the current one, as ``timezone.localdate()``)."""
    global _memo
    second = int(time.time())
    zone = timezone.get_current_timezone()
    memo = _memo
    if memo is not None and memo[0] == second and memo[1] is zone:
        return memo[2]
    day = dt.datetime.fromtimestamp(second, tz=zone).date()
    _memo = (second, zone, day)
    return day
