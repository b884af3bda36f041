"""Statements about the participant rather than about the topic.

Pol.is conversations often carry demographic or circumstance questions ("I am 30 or younger",
"I live in a city", "My ethnicity is ...") so that groups can be described. Agreeing with them
is a fact about a person, not an opinion, so they are never listed as common ground, divides or
areas of uncertainty, nor as what sets a group apart (which would also say who is in a group).
They stay in the projection, as in Pol.is. Statements the moderator marked ``is-meta`` are out
of the analysis altogether (Pol.is zeroes them); these patterns catch the unmarked ones.

The patterns are deliberately narrow (first-person facts: age, gender, descent, where one lives
or works, household, how one voted): "I am worried about ..." is an opinion and stays.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import numpy as np

_PATTERNS = [
    # age: "I am 30 or younger", "I am under 30 years of age", "I am 55 years old or older"
    r"^(i am|i'm)\s+(aged?\s+)?(under|over|between|\d)",
    r"^(i am|i'm)\b.*\b\d+\s*(years|yrs)\b.*\b(old|age)\b",
    r"^(i am|i'm)\b.*\b\d+\s+or\s+(younger|older)\b",
    r"^are you (aged?\s+)?(under|over|between|\d)",
    # gender, descent, identity
    r"^(i am|i'm)\s+(a\s+)?(male|female|man|woman|non-binary|nonbinary|transgender)\b",
    r"^(i am|i'm)\s+of\s+[\w\s-]+\s+descent\b",
    r"^i identify as\b",
    r"^my (ethnicity|gender|age|sex|race|religion|household|household income|income)\b",
    # circumstance: where one lives or works, household, occupation, how one voted
    r"^i (live|reside|rent|own|drive)\b",
    r"^i work (in|at|for|as|on)\b",
    r"^(i am|i'm)\s+(currently\s+)?(employed|unemployed|retired|self[- ]employed|a student"
    r"|working|receiving|a parent|a farmer|a resident|a member|a homeowner|a renter|a teacher"
    r"|an? (employee|owner|retired|volunteer))",
    r"^i have (dependents|children|kids|a disability|lived|been living)\b",
    r"^i voted (to|for)\b",
]
_REGEX = re.compile("|".join(f"(?:{p})" for p in _PATTERNS), re.IGNORECASE)


def is_about_participant(text: str) -> bool:
    """True when ``text`` states a fact about the participant (age, where they live, ...)."""
    return bool(_REGEX.search(" ".join(text.split())))


def about_participant_mask(
    statement_ids: Iterable[str], text: Mapping[str, str] | None
) -> np.ndarray:
    """Boolean mask over ``statement_ids``: statements about the participant."""
    ids = list(statement_ids)
    if not text:
        return np.zeros(len(ids), dtype=np.bool_)
    return np.array([is_about_participant(text.get(s, "")) for s in ids], dtype=np.bool_)
