"""Figures as cells: a key and the set of contributors it describes, planned all or nothing.

:func:`plan_release` is the simple way in for a handful of figures (a backlog issue, a sector
table, messenger figures): each cell is released whole or not at all, in the order given (put
totals and broader groups first), against a :class:`ReleaseLedger` of what was released before.
:func:`suppress_counts` does the same for sibling counts and their total.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .atoms import Planner, Reason, ReleaseLedger, code_of
from .policy import DEFAULT_MIN_SIZE, MinimumSizePolicy, PrivacyError, validate_min_size


@dataclass(frozen=True)
class Cell:
    """A figure to release: a key, the anonymous contributors it describes and their namespace.

    Cells of one namespace sum the same kind of value (answers to one scale, votes on one
    statement, "took part"); their contributors must be ids of the same kind.
    """

    key: str
    contributors: frozenset[Hashable]
    namespace: str = ""

    @classmethod
    def of(cls, key: str, contributors: Iterable[Hashable], namespace: str = "") -> Cell:
        return cls(key, frozenset(contributors), namespace)

    @property
    def n(self) -> int:
        return len(self.contributors)


@dataclass(frozen=True)
class CellDecision:
    """The decision for one cell: ``contributors`` are those the released figure may describe
    (all of the cell, or with ``partial=True`` possibly part of it; empty if none)."""

    key: str
    n: int
    released: bool
    reason: Reason
    contributors: frozenset[Hashable] = frozenset()


@dataclass(frozen=True, eq=False)
class ReleasePlan:
    """The result of :func:`plan_release`: one decision per cell, and the ledger after it."""

    min_size: int
    decisions: tuple[CellDecision, ...]
    cells: tuple[Cell, ...]
    ledger: ReleaseLedger
    based_on: ReleaseLedger | None = None

    @property
    def released_keys(self) -> tuple[str, ...]:
        return tuple(d.key for d in self.decisions if d.released)

    @property
    def released_cells(self) -> tuple[Cell, ...]:
        """The released cells, each with the contributors its figure may describe."""
        shown = {d.key: d for d in self.decisions if d.released}
        return tuple(
            Cell(c.key, shown[c.key].contributors, c.namespace)
            for c in self.cells
            if c.key in shown
        )

    def decision(self, key: str) -> CellDecision:
        for d in self.decisions:
            if d.key == key:
                return d
        raise KeyError(key)

    def is_released(self, key: str) -> bool:
        return self.decision(key).released


def plan_release(
    cells: Sequence[Cell],
    min_size: int | MinimumSizePolicy = DEFAULT_MIN_SIZE,
    *,
    ledger: ReleaseLedger | None = None,
    partial: bool = False,
) -> ReleasePlan:
    """Decide which ``cells`` may be shown, in priority order; see the package docstring.

    Keys must be unique. Earlier releases (``ledger``) are fixed. With ``partial=False`` a cell
    is released whole or not at all; with ``partial=True`` it may be released over part of its
    contributors (those in whole atoms), and is then marked released with
    :attr:`Reason.PARTIAL` — compute its figure over ``decision.contributors`` only. Keep
    ``plan.ledger`` (or ``ledger.record(plan)``) before showing anything.
    """
    m = min_size.min_size if isinstance(min_size, MinimumSizePolicy) else min_size
    validate_min_size(m)
    keys = [c.key for c in cells]
    if len(set(keys)) != len(keys):
        dupes = sorted({k for k in keys if keys.count(k) > 1})
        raise PrivacyError(f"cell keys must be unique; repeated: {', '.join(dupes)}")
    planner = Planner(ledger, m)
    rows_of: dict[str, np.ndarray] = {}
    who_of: dict[str, list[Hashable]] = {}
    spaces = {}
    for namespace in dict.fromkeys(c.namespace for c in cells):
        position: dict[int, int] = {}
        mine = [c for c in cells if c.namespace == namespace]
        for c in mine:
            who_of[c.key] = list(c.contributors)
            rows_of[c.key] = np.fromiter(
                (position.setdefault(code_of(x), len(position)) for x in who_of[c.key]),
                dtype=np.int64,
            )
        spaces[namespace] = planner.namespace(
            namespace, np.fromiter(position, dtype=np.int64, count=len(position))
        )
    decisions = []
    for c in cells:
        rows = rows_of[c.key]
        got, reason = spaces[c.namespace].take(rows, partial=partial)
        ok = reason in (Reason.RELEASED, Reason.PARTIAL)
        inside = set(got.tolist())
        shown = frozenset(
            w for w, r in zip(who_of[c.key], rows.tolist(), strict=True) if r in inside
        )
        decisions.append(CellDecision(c.key, c.n, ok, reason, shown))
    return ReleasePlan(planner.k, tuple(decisions), tuple(cells), planner.ledger(), ledger)


def suppress_counts(
    counts: Mapping[str, int],
    min_size: int = DEFAULT_MIN_SIZE,
    *,
    total_key: str = "total",
) -> dict[str, int | None]:
    """Minimum size and complementary suppression for sibling counts and their total.

    ``counts`` maps each sibling (for example a sector) to its count. If it also holds
    ``total_key``, that is the total (it may be larger than the siblings' sum, for people in no
    listed sibling); otherwise the total is the siblings' sum and is taken to be known to the
    reader. Returns the same keys, with ``None`` for every suppressed count. The total is
    considered first, then siblings from largest to smallest, so the smallest are suppressed.
    """
    for key, value in counts.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise PrivacyError(f"count for {key!r} must be a whole number >= 0, got {value!r}")
    siblings = {k: v for k, v in counts.items() if k != total_key}
    sibling_sum = sum(siblings.values())
    total = counts.get(total_key, sibling_sum)
    if total < sibling_sum:
        raise PrivacyError(f"total {total} is smaller than the sum of the counts ({sibling_sum})")
    sibling_cells = [Cell.of(key, ((key, i) for i in range(v))) for key, v in siblings.items()]
    everyone = frozenset().union(*(c.contributors for c in sibling_cells)) | frozenset(
        (total_key, i) for i in range(total - sibling_sum)
    )
    total_cell = Cell(f"\0{total_key}", everyone)
    ordered = sorted(sibling_cells, key=lambda c: -c.n)  # stable: ties keep input order
    plan = plan_release([total_cell, *ordered], min_size)
    result: dict[str, int | None] = {}
    for key, value in counts.items():
        cell_key = f"\0{total_key}" if key == total_key else key
        result[key] = value if plan.is_released(cell_key) else None
    return result
