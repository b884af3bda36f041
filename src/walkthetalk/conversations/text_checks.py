"""Plain checks on a statement a participant writes: length, one idea, no personal details.

These are guard rails, not a filter that catches everything: the page also asks, in plain
words, to leave out names and anything about a particular patient or client, and a
facilitator can take down any statement.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext

from walkthetalk.caremap.free_text import PERSONAL_DETAILS_MESSAGE, personal_details
from walkthetalk.conversations.models import STATEMENT_MAX_LENGTH

STATEMENT_MIN_LENGTH = 10
_SENTENCE_END = re.compile(r"[.!?]+(?:\s+|$)")


def sentence_count(text: str) -> int:
    return len([part for part in _SENTENCE_END.split(text.strip()) if part.strip()])


def statement_problems(text: str) -> list[str]:
    """Kind, plain reasons a statement cannot be added as written (empty when it can)."""
    text = " ".join(text.split())
    problems = []
    if len(text) < STATEMENT_MIN_LENGTH:
        problems.append(
            gettext("A statement needs at least %(n)s characters — say a little more.")
            % {"n": STATEMENT_MIN_LENGTH}
        )
    if len(text) > STATEMENT_MAX_LENGTH:
        problems.append(
            gettext(
                "Please keep a statement to %(max)s characters (this one has %(n)s). "
                "Short statements are easier for everyone to vote on."
            )
            % {"max": STATEMENT_MAX_LENGTH, "n": len(text)}
        )
    if sentence_count(text) > 2:
        problems.append(
            gettext(
                "Please keep to one idea per statement. If you have more than one, "
                "write them as separate statements."
            )
        )
    details = personal_details(text)
    if details:
        problems.append(gettext(PERSONAL_DETAILS_MESSAGE).format(what=", ".join(details)))
    return problems


def normalise(text: str) -> str:
    return " ".join(text.split())


@dataclass(frozen=True)
class LineProblem:
    """One pasted line that cannot be added as written, with the reasons
    :func:`statement_problems` gives (the same reasons a participant would read)."""

    number: int
    text: str
    problems: tuple[str, ...]

    @property
    def message(self) -> str:
        shown = self.text if len(self.text) <= 40 else self.text[:40] + "…"
        return f"Line {self.number} (“{shown}”): " + " ".join(self.problems)


def check_lines(lines: Iterable[str]) -> tuple[list[str], list[LineProblem]]:
    """Pasted statements, one per line, each checked like a written statement: the lines that
    pass (normalised, blank lines and repeats dropped) and every line that does not."""
    good: list[str] = []
    bad: list[LineProblem] = []
    for number, line in enumerate(lines, start=1):
        text = normalise(line)
        if not text:
            continue
        problems = statement_problems(text)
        if problems:
            bad.append(LineProblem(number, text, tuple(problems)))
        elif text not in good:
            good.append(text)
    return good, bad
