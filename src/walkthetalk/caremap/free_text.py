"""Guard rails on what participants write, shared by every part of the product.

These catch common slips — an email address, a phone or record number, a birth date, a titled
or "client named …" name — not everything: pages also ask, in plain words, to leave out names
and anything about a particular patient or client, and staff can take text down.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext, gettext_noop

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

PERSONAL_DETAILS_MESSAGE = gettext_noop(
    "This looks like it may include personal details ({what}). Please take out names, "
    "contact details and anything about a particular patient, client or colleague, "
    "then try again."
)


def personal_details(text: str) -> list[str]:
    """What kinds of personal detail ``text`` seems to hold (empty when none found)."""
    found = []
    if _EMAIL.search(text):
        found.append(gettext("an email address"))
    if _PHONE.search(text):
        found.append(gettext("a phone or record number"))
    if _DATE.search(text):
        found.append(gettext("a date that could be a birth date"))
    if _RECORD_WORDS.search(text):
        found.append(gettext("a record or identity number"))
    if _TITLED_NAME.search(text) or _NAMED_PERSON.search(text):
        found.append(gettext("a person's name"))
    return found


def personal_details_problem(text: str) -> str | None:
    """A kind message when ``text`` seems to hold personal details, else None."""
    details = personal_details(text)
    return gettext(PERSONAL_DETAILS_MESSAGE).format(what=", ".join(details)) if details else None
