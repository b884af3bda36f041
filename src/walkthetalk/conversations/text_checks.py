"""Plain checks on a statement a participant writes: length, one idea, no personal details.

These are guard rails, not a filter that catches everything: the page also asks, in plain
words, to leave out names and anything about a particular patient or client, and a
facilitator can take down any statement.
"""

from __future__ import annotations

import re

from walkthetalk.conversations.models import STATEMENT_MAX_LENGTH

STATEMENT_MIN_LENGTH = 10

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
_PHONE = re.compile(r"(?:\+?\d[\s().-]*){7,}")
_DATE = re.compile(r"\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b")
_RECORD_WORDS = re.compile(
    r"\b(?:DOB|MRN|date of birth|medical record|case number|case no|chart number|SSN|"
    r"social security)\b",
    re.IGNORECASE,
)
_TITLED_NAME = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr)\.?\s+[A-Z][a-z]+")
_NAMED_PERSON = re.compile(
    r"\b(?:patient|client|resident|consumer|person served|participant)\s+(?:named\s+)?"
    r"[A-Z][a-z]+\s+[A-Z][a-z]+"
)
_SENTENCE_END = re.compile(r"[.!?]+(?:\s+|$)")

PERSONAL_DETAILS_MESSAGE = (
    "This looks like it may include personal details ({what}). Please take out names, "
    "contact details and anything about a particular patient, client or colleague, "
    "then try again."
)


def personal_details(text: str) -> list[str]:
    """What kinds of personal detail ``text`` seems to hold (empty when none found)."""
    found = []
    if _EMAIL.search(text):
        found.append("an email address")
    if _PHONE.search(text):
        found.append("a phone or record number")
    if _DATE.search(text):
        found.append("a date that could be a birth date")
    if _RECORD_WORDS.search(text):
        found.append("a record or identity number")
    if _TITLED_NAME.search(text) or _NAMED_PERSON.search(text):
        found.append("a person's name")
    return found


def sentence_count(text: str) -> int:
    return len([part for part in _SENTENCE_END.split(text.strip()) if part.strip()])


def statement_problems(text: str) -> list[str]:
    """Kind, plain reasons a statement cannot be added as written (empty when it can)."""
    text = " ".join(text.split())
    problems = []
    if len(text) < STATEMENT_MIN_LENGTH:
        problems.append(
            f"A statement needs at least {STATEMENT_MIN_LENGTH} characters — say a little more."
        )
    if len(text) > STATEMENT_MAX_LENGTH:
        problems.append(
            f"Please keep a statement to {STATEMENT_MAX_LENGTH} characters "
            f"(this one has {len(text)}). Short statements are easier for everyone to vote on."
        )
    if sentence_count(text) > 2:
        problems.append(
            "Please keep to one idea per statement. If you have more than one, "
            "write them as separate statements."
        )
    details = personal_details(text)
    if details:
        problems.append(PERSONAL_DETAILS_MESSAGE.format(what=", ".join(details)))
    return problems


def normalise(text: str) -> str:
    return " ".join(text.split())
