"""The one CSV writer: every cell that a spreadsheet could read as a formula is made text.

A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed with an
apostrophe (OWASP's advice on CSV injection), whatever wrote it: a participant's statement, a
unit's name or a wave's title. Numbers stay numbers. A file the site reads back (the care map)
takes the apostrophe off again with :func:`read_cell`, so what was written is what is read.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _guarded(text: str) -> bool:
    """Whether a spreadsheet would run ``text`` once its leading apostrophes were taken off
    (text that already starts with apostrophes gets one more, so :func:`read_cell` can always
    take exactly one off)."""
    return text.lstrip("'")[:1] in FORMULA_STARTS and text.lstrip("'") != ""


def safe_cell(value: object) -> object:
    """The value, or its text behind an apostrophe when a spreadsheet would run it."""
    if isinstance(value, str) and _guarded(value):
        return "'" + value
    return "" if value is None else value


def read_cell(text: str) -> str:
    """A cell of a file :func:`write_csv` wrote, as it was before :func:`safe_cell` guarded it."""
    if text[:1] == "'" and _guarded(text[1:]):
        return text[1:]
    return text


def write_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """CSV text with a header line, every cell passed through :func:`safe_cell`."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return out.getvalue()
