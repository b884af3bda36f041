"""One way to show a day on every page: ``{{ value|day }}`` (a builtin filter, see
``TEMPLATES`` in the settings).

"3 December 2026" in English and "3 de diciembre de 2026" in Spanish — the day, the month in
words and the year, never a weekday or an abbreviated month, and never a time (what this
platform stores about people is at most a day). An empty value shows as nothing.
"""

from __future__ import annotations

import datetime as dt

from django.template import Library
from django.utils.dateformat import format as format_date
from django.utils.translation import get_language

register = Library()

DEFAULT_DAY_FORMAT = "j F Y"
DAY_FORMATS = {"es": r"j \d\e F \d\e Y"}
"""The day's format in each language that says it differently from :data:`DEFAULT_DAY_FORMAT`."""


@register.filter(name="day", expects_localtime=True)
def day(value: dt.date | dt.datetime | None) -> str:
    if value in (None, ""):
        return ""
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        return ""
    language = (get_language() or "en").split("-")[0]
    return format_date(value, DAY_FORMATS.get(language, DEFAULT_DAY_FORMAT))
