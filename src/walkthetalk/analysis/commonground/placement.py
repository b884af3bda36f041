"""Placing one participant on an earlier fit: the group behind "where do I stand".

A refresh keeps the projection's fitted state (:class:`PlacementState`: the mean vote per
statement, the two components, which statements are in the analysis, the engine's
``min_votes``). Later, one participant's own votes are projected with that state -- the formula
of :func:`.engine.update` and :func:`.projection.project_rows` -- and given the opinion group
whose centre on the opinion map is nearest.

Nearest *group centre*, not nearest base cluster as :func:`.engine.update` does: a base cluster
may hold a single participant, whose centre is then that person's position, and an answer
drawn from those borders would depend on where single people stand. The group centres are the
marks the opinion map already shows.

The state holds unreleased figures (the mean vote per statement) and the coordinates are a
function of them: neither is meant to leave the process that calls :func:`place`, only the
group it returns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from .matrix import FloatArray
from .projection import N_COMPONENTS, project_rows

FORMAT = 1


@dataclass(frozen=True)
class PlacementState:
    """The fitted projection a participant is placed with (see the module docstring)."""

    statement_ids: tuple[str, ...]
    center: FloatArray
    components: FloatArray  # (2, len(statement_ids))
    active: np.ndarray  # statements in the analysis
    min_votes: int

    def __post_init__(self) -> None:
        m = len(self.statement_ids)
        if self.center.shape != (m,) or self.components.shape != (N_COMPONENTS, m):
            raise ValueError("placement state: arrays do not match the statements")
        if self.active.shape != (m,) or self.min_votes < 1:
            raise ValueError("placement state: bad statement mask or vote threshold")
        if not (np.isfinite(self.center).all() and np.isfinite(self.components).all()):
            raise ValueError("placement state: numbers must be finite")

    @classmethod
    def from_analysis(cls, analysis: Any) -> PlacementState:
        """The state of an :class:`.engine.Analysis` (its own statement order)."""
        ids = tuple(analysis.result.statements.ids)
        m = len(ids)
        components = np.asarray(analysis.components, dtype=np.float64).reshape(N_COMPONENTS, m)
        return cls(
            ids,
            np.asarray(analysis.center, dtype=np.float64).reshape(m),
            components,
            np.asarray(analysis.active, dtype=np.bool_).reshape(m),
            int(analysis.settings.min_votes),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "statements": list(self.statement_ids),
            "center": [float(x) for x in self.center],
            "components": [[float(x) for x in row] for row in self.components],
            "active": [bool(a) for a in self.active],
            "min_votes": self.min_votes,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PlacementState:
        """Read a stored state; ``ValueError`` if it is not one."""
        if data.get("format") != FORMAT:
            raise ValueError("placement state: unknown format")
        try:
            return cls(
                tuple(str(s) for s in data["statements"]),
                np.asarray(data["center"], dtype=np.float64),
                np.asarray(data["components"], dtype=np.float64),
                np.asarray(data["active"], dtype=np.bool_),
                int(data["min_votes"]),
            )
        except (KeyError, TypeError) as exc:
            raise ValueError("placement state: missing or malformed field") from exc

    def _row(self, votes: Mapping[str, int]) -> tuple[sp.csr_matrix, int, bool]:
        """The participant's votes on the fitted statements as one CSR row, how many they
        are (passes included) and whether one agrees or disagrees with a statement in the
        analysis. Votes on statements the fit has not seen are left out."""
        col = {sid: j for j, sid in enumerate(self.statement_ids)}
        pairs = sorted((col[sid], int(v)) for sid, v in votes.items() if sid in col)
        if any(v not in (-1, 0, 1) for _, v in pairs):
            raise ValueError("a vote is -1, 0 or 1")
        cols = np.array([j for j, _ in pairs], dtype=np.int64)
        vals = np.array([v for _, v in pairs], dtype=np.int8)
        row = sp.csr_matrix(
            (vals, cols, np.array([0, cols.size])), shape=(1, len(self.statement_ids))
        )
        expressed = bool(np.any((vals != 0) & self.active[cols])) if cols.size else False
        return row, int(cols.size), expressed

    def votes_needed(self, votes: Mapping[str, int]) -> int:
        """How many more votes (passes count) before these votes can be placed: the engine's
        rule, at least ``min(min_votes, statements)`` votes. 0 when they are enough (placing
        also needs one agree or disagree: see :meth:`coordinates`)."""
        _, n, _ = self._row(votes)
        return max(min(self.min_votes, len(self.statement_ids)) - n, 0)

    def coordinates(self, votes: Mapping[str, int]) -> FloatArray | None:
        """Where these votes fall on the fitted map, or ``None`` when they are too few or
        all passes (the engine would not place them either)."""
        row, n, expressed = self._row(votes)
        if not expressed or n < min(self.min_votes, len(self.statement_ids)):
            return None
        return project_rows(row, self.active, self.center, self.components)[0]


def place(
    state: PlacementState,
    votes: Mapping[str, int],
    centres: Sequence[Sequence[float]],
) -> int | None:
    """The opinion group (index into ``centres``) whose centre is nearest these votes' place,
    or ``None`` when the votes cannot be placed yet or there is no group. Ties go to the
    lower index."""
    point = state.coordinates(votes)
    if point is None or not len(centres):
        return None
    marks = np.asarray(centres, dtype=np.float64).reshape(len(centres), 2)
    return int(np.argmin(((marks - point) ** 2).sum(axis=1)))


__all__ = ["PlacementState", "place"]
