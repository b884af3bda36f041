"""How a survey is laid out for one participant: its parts, in order.

An instrument with ``item_order: by_scale`` (version 1.0) is shown one scale per part under the
scale's name. An instrument with ``item_order: interleaved`` (1.1) is shown without scale
headings — a heading such as "We talk openly" primes the healthy answer — and in a random order
drawn for each participant (from ``seed``), so no item always follows the same neighbour and
order effects average out over a wave. Items are drawn so that two items of one scale rarely
stand next to each other (never, when no scale holds more than half the items). Items of a
scale with its own answers (how often something happened) follow in parts of their own, so
the answer choices do not change from one statement to the next within a part.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .instrument import Instrument, Scale

DEFAULT_PART_SIZE = 6


@dataclass(frozen=True)
class SurveyPart:
    """One page of the survey: its items in order, and a heading only in the 1.0 layout."""

    item_ids: tuple[str, ...]
    heading: str | None = None
    own_answers: bool = False  # the items use their scale's own answers (how often)


def _interleave(scales: list[Scale], rng: np.random.Generator) -> list[str]:
    pools = {s.id: [i.id for i in s.items] for s in scales}
    for pool in pools.values():
        rng.shuffle(pool)
    order: list[str] = []
    previous: str | None = None
    while any(pools.values()):
        left = {k: len(v) for k, v in pools.items() if v}
        choices = [k for k in left if k != previous] or list(left)
        most = max(left[k] for k in choices)
        # the fullest scales first (so none is left to bunch up at the end), ties at random
        fullest = [k for k in choices if left[k] == most]
        pick = fullest[int(rng.integers(len(fullest)))]
        order.append(pools[pick].pop())
        previous = pick
    return order


def survey_parts(
    instrument: Instrument, seed: int, part_size: int = DEFAULT_PART_SIZE
) -> tuple[SurveyPart, ...]:
    """The parts one participant sees, in order (deterministic given ``seed``)."""
    if part_size < 1:
        raise ValueError("a part needs at least one item")
    if instrument.item_order == "by_scale":
        return tuple(SurveyPart(s.item_ids, heading=s.name) for s in instrument.scales)
    rng = np.random.default_rng(seed)
    shared = [s for s in instrument.scales if s.response_options is None]
    own = [s for s in instrument.scales if s.response_options is not None]
    parts: list[SurveyPart] = []
    order = _interleave(shared, rng)
    n_parts = max(1, -(-len(order) // part_size))
    bounds = np.linspace(0, len(order), n_parts + 1).round().astype(int)
    for a, b in zip(bounds, bounds[1:], strict=False):
        parts.append(SurveyPart(tuple(order[a:b])))
    for scale in own:
        ids = [i.id for i in scale.items]
        rng.shuffle(ids)
        parts.append(SurveyPart(tuple(ids), own_answers=True))
    return tuple(parts)
