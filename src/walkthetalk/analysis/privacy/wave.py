"""Planning a pulse wave's figures: counts per group, and each scale's answers per group.

Groups (the whole wave, levels, units with everything below them, sectors — any family of
sets, in priority order) are released in the namespace :data:`RESPONSES` ("took part"), then
each scale in its own namespace over the people *who answered that scale* — so a scale mean
over a different set of people than the group's count (item non-response) is held to the same
rule. Figures may be partial: a group's figure describes the atoms inside it, and people not yet
in an atom (fewer than ``k`` new since the last release) wait, so figures move in steps of at
least ``k`` people.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .atoms import Codes, Planner, Reason, ReleaseLedger

RESPONSES = "responses"

Rows = NDArray[np.int64]


def scale_namespace(scale_id: str) -> str:
    return f"scale:{scale_id}"


@dataclass(frozen=True, eq=False)
class Figure:
    """One group's released rows (positions in the wave's responses) and why."""

    key: str
    rows: Rows
    reason: Reason

    @property
    def n(self) -> int:
        return int(self.rows.size)

    @property
    def shown(self) -> bool:
        """True if the figure describes anyone (an empty group is shown as no answers)."""
        return self.rows.size > 0 or self.reason is Reason.RELEASED


@dataclass(frozen=True, eq=False)
class WaveRelease:
    """Released rows per group (``responses``) and per scale and group (``scales``)."""

    responses: dict[str, Figure]
    scales: dict[str, dict[str, Figure]]
    ledger: ReleaseLedger
    min_size: int


def plan_wave(
    codes: Codes,
    groups: Sequence[tuple[str, Rows]],
    answered: Mapping[str, NDArray[np.bool_]],
    *,
    min_size: int,
    ledger: ReleaseLedger | None = None,
) -> WaveRelease:
    """Release a wave's figures against its ledger; save ``.ledger`` before showing any.

    ``codes`` are the responses' contributor codes (row order), ``groups`` the candidate groups
    as row positions in priority order (broadest first), ``answered[scale]`` marks the rows that
    answered each scale. A scale's figure for a group is planned over the group's released rows
    that answered the scale.
    """
    codes = np.asarray(codes, dtype=np.int64)
    n = codes.size
    planner = Planner(ledger, min_size)
    space = planner.namespace(RESPONSES, codes)
    responses: dict[str, Figure] = {}
    for key, rows in groups:
        got, reason = space.take(np.asarray(rows, dtype=np.int64), partial=True)
        responses[key] = Figure(key, got, reason)
    scale_ids = list(answered)
    masks = []
    for scale_id in scale_ids:
        mask = np.asarray(answered[scale_id], dtype=bool)
        if mask.shape != (n,):
            raise ValueError(f"scale {scale_id!r}: answered mask has the wrong length")
        masks.append(mask)
    # Every scale is its own namespace; one group's figures in all scales are served together.
    idx = [np.flatnonzero(m) for m in masks]
    batch = planner.namespaces(
        [(scale_namespace(s), codes[i]) for s, i in zip(scale_ids, idx, strict=True)]
    )
    position = np.full((len(scale_ids), n), -1, dtype=np.int64)
    for j, i in enumerate(idx):
        position[j, i] = batch.offsets[j] + np.arange(i.size)
    scales: dict[str, dict[str, Figure]] = {s: {} for s in scale_ids}
    for key, _ in groups:
        base = responses[key].rows
        pos = position[:, base].ravel()
        pos = pos[pos >= 0]
        keep, reasons = batch.take_many(pos, partial=True)
        got = pos[keep]
        cuts = np.searchsorted(got, batch.offsets)  # got is sorted by namespace
        for j, s in enumerate(scale_ids):
            mine = got[cuts[j] : cuts[j + 1]] - batch.offsets[j]
            reason = reasons[j] if base.size else responses[key].reason
            scales[s][key] = Figure(key, idx[j][mine], reason)
    return WaveRelease(responses, scales, planner.ledger(), planner.k)
