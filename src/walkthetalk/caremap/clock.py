"""The one clock of the apps: today's date in the site's time zone.

Dates are all the apps store about time (never finer than a day), and every service asks here,
so tests and the demo can move one clock.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def today() -> dt.date:
    """Today's date in the site's time zone."""
    return timezone.localdate()
