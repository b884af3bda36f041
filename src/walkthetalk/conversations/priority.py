"""Which statement a participant sees next: Pol.is's comment priority.

Pol.is (math/src/polismath/math/conversation.clj) scores each statement by

    importance = (1 - p) * (E + 1) * a,   p = (P + 1) / (S + 2),   a = (A + 1) / (S + 2)
    priority   = (importance * (1 + 8 * 2 ** (-S / 5))) ** 2

with A agrees, P passes, S votes seen and E the statement's extremity (how far apart the
opinion groups stand on it). Statements with few votes get the novelty boost, statements
people pass on sink, and statements that tell groups apart rise. The next statement is drawn
at random with these weights, so participants do not all see the same order.

As in Pol.is, the priority is not scored per request: the worker stores it on each statement
with every results refresh (:mod:`walkthetalk.conversations.tallies`), and a new statement
starts at :data:`NEW_STATEMENT_PRIORITY`, the priority of a statement nobody has seen yet.
A request only draws among the stored weights.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar


@dataclass(frozen=True)
class Candidate:
    key: int
    n_agree: int
    n_disagree: int
    n_pass: int
    extremity: float = 0.0


def priority(c: Candidate) -> float:
    seen = c.n_agree + c.n_disagree + c.n_pass
    p = (c.n_pass + 1) / (seen + 2)
    a = (c.n_agree + 1) / (seen + 2)
    importance = (1 - p) * (max(c.extremity, 0.0) + 1) * a
    return float((importance * (1 + 8 * 2 ** (-seen / 5))) ** 2)


NEW_STATEMENT_PRIORITY = priority(Candidate(0, 0, 0, 0))
"""A statement nobody has voted on yet (5.0625): the full novelty boost."""

T = TypeVar("T")


def draw(
    items: Sequence[T], weights: Sequence[float], rng: random.Random | None = None
) -> T | None:
    """One item drawn with probability proportional to its (stored) priority."""
    if not items:
        return None
    if not any(w > 0 for w in weights):
        weights = [1.0] * len(items)
    return (rng or random).choices(list(items), weights=weights, k=1)[0]


def choose(candidates: Sequence[Candidate], rng: random.Random | None = None) -> Candidate | None:
    """One candidate drawn with probability proportional to its priority."""
    return draw(candidates, [priority(c) for c in candidates], rng)
