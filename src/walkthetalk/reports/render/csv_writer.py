"""The one CSV writer: every cell that a spreadsheet could read as a formula is made text.

A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed with an
apostrophe (OWASP's advice on CSV injection), whatever wrote it: a participant's statement, a
unit's name or a wave's title. Numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """The value, or its text behind an apostrophe when a spreadsheet would run it."""
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return "'" + value
    return "" if value is None else value


def write_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """CSV text with a header line, every cell passed through :func:`safe_cell`."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return out.getvalue()
