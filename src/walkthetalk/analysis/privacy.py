"""Minimum group size and complementary suppression: the one place every released figure passes.

A *figure* (a count, a mean, a score, a heatmap cell) describes a group of contributors. A
contributor is an opaque, anonymous id (for example the id of one anonymous response in a wave;
never a person). We model each figure as a :class:`Cell`: a key plus the set of contributors it
describes. Additive figures (counts, sums, and means once the count is known) can be combined by
subtraction, so the guarantee below is about sets.

**Guarantee.** Let ``S`` be all cells released so far in one wave (earlier releases recorded in a
:class:`ReleaseLedger` plus the cells released now) and ``m`` the minimum group size. Then no
"exposed" set has between 1 and ``m - 1`` contributors, where the exposed sets are

1. every released cell ``A`` itself;
2. every difference ``A - B`` of two released cells, nested or not (conservatively, even when
   ``B`` is not a subset of ``A``; this blocks the "5 released, then 6 released" attack and
   inclusion/exclusion across filters);
3. every total minus released siblings: ``A - (B1 ∪ … ∪ Bk)`` for any pairwise disjoint released
   cells ``Bi`` of one *dimension* contained in ``A`` (the complementary-suppression case).

A cell's ``dimension`` names the breakdown it belongs to ("hierarchy" for system, agency, program
and team cells; "sector"; "program×role"; …). Rules 1 and 2 compare every pair of cells, whatever
their dimension; rule 3 builds sibling families within each dimension (a family may mix depths of
a hierarchy, e.g. one program plus two teams of another). Leave ``dimension`` empty to treat all
cells as one dimension. Families of a tree-shaped (laminar) dimension are checked exactly by a
subset-sum over the tree; crossing families are enumerated, and if that would take more than
:data:`MAX_FAMILIES` steps the cell is suppressed (``too_complex``) rather than risked.

Empty cells (0 contributors) are allowed: they describe nobody. Cells are decided greedily in
the order given (put totals and higher levels first): a cell is released only if adding it keeps
the guarantee; otherwise it is suppressed and the reason is recorded, which is exactly
complementary suppression (a sibling that would let a suppressed sibling be recovered from the
total is suppressed too). The guarantee does not cover arbitrary linear combinations of many
overlapping cells (the general auditing problem); reports should release cells along one
hierarchy and a few filter dimensions, where the three rules above are the attacks that matter.

The minimum size is held by a :class:`MinimumSizePolicy`, which refuses to be lowered once a wave
has opened.

Typical use (for every page, export or API answer about one wave)::

    ledger = ReleaseLedger.from_dict(wave.release_ledger)       # what was shown before
    cells = [Cell.of("system", all_ids, "hierarchy"),
             Cell.of("agency:7", agency_ids, "hierarchy"),
             Cell.of("agency:7/sector:peer", peer_ids, "agency×sector")]
    plan = plan_release(cells, policy, ledger=ledger)           # totals first
    show = set(plan.released_keys)                              # hide every other figure
    wave.release_ledger = ledger.record(plan).to_dict()         # save before showing

For a flat breakdown of counts (sectors of one conversation), :func:`suppress_counts` does the
same in one call.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

DEFAULT_MIN_SIZE = 5
ABSOLUTE_FLOOR = 3
"""No policy may use a minimum group size below this, open wave or not."""

MAX_FAMILIES = 2_000
"""Bound on search steps for crossing sibling families per check; beyond it, suppress."""


class PrivacyError(ValueError):
    """A privacy rule was broken (for example, lowering the minimum size of an open wave)."""


# --------------------------------------------------------------------------- minimum size policy


def validate_min_size(min_size: int) -> int:
    """Return ``min_size`` if it is a whole number of at least :data:`ABSOLUTE_FLOOR`."""
    if isinstance(min_size, bool) or not isinstance(min_size, int):
        raise PrivacyError(f"minimum group size must be a whole number, got {min_size!r}")
    if min_size < ABSOLUTE_FLOOR:
        raise PrivacyError(f"minimum group size must be at least {ABSOLUTE_FLOOR}, got {min_size}")
    return min_size


def check_min_size_change(current: int, proposed: int, *, wave_open: bool) -> int:
    """Return the minimum size to use after a requested change, or raise :class:`PrivacyError`.

    Raising the minimum is always allowed. Lowering it is refused once a wave has opened, because
    figures already released under the higher minimum could then be combined with new, smaller
    ones.
    """
    validate_min_size(current)
    validate_min_size(proposed)
    if wave_open and proposed < current:
        raise PrivacyError(
            f"the minimum group size cannot be lowered from {current} to {proposed} "
            "after a wave has opened; it can only be raised"
        )
    return proposed


@dataclass(frozen=True)
class MinimumSizePolicy:
    """The minimum group size of a care system or wave; ``wave_open`` locks it against lowering."""

    min_size: int = DEFAULT_MIN_SIZE
    wave_open: bool = False

    def __post_init__(self) -> None:
        validate_min_size(self.min_size)

    def open_wave(self) -> MinimumSizePolicy:
        """The same policy, locked: from now on it may only be raised."""
        return replace(self, wave_open=True)

    def with_min_size(self, proposed: int) -> MinimumSizePolicy:
        """A policy with a new minimum; :class:`PrivacyError` if that lowers an open wave's."""
        return replace(
            self, min_size=check_min_size_change(self.min_size, proposed, wave_open=self.wave_open)
        )

    def allows(self, n: int) -> bool:
        """True if a single figure about ``n`` contributors may be shown on its own."""
        return n == 0 or n >= self.min_size


# --------------------------------------------------------------------------- cells and plans


@dataclass(frozen=True)
class Cell:
    """A figure to release: a key and the anonymous contributors it describes."""

    key: str
    contributors: frozenset[Hashable]
    dimension: str = ""

    @classmethod
    def of(cls, key: str, contributors: Iterable[Hashable], dimension: str = "") -> Cell:
        return cls(key, frozenset(contributors), dimension)

    @property
    def n(self) -> int:
        return len(self.contributors)


class Reason(StrEnum):
    """Why a cell was released or suppressed."""

    RELEASED = "released"
    BELOW_MINIMUM = "below_minimum"
    DIFFERENCE = "difference"  # differs from another released cell by 1..m-1 contributors
    COMPLEMENTARY = "complementary"  # a total minus released siblings would expose 1..m-1
    TOO_COMPLEX = "too_complex"


@dataclass(frozen=True)
class CellDecision:
    """The decision for one cell. ``against`` names the released cell(s) involved, if any."""

    key: str
    n: int
    released: bool
    reason: Reason
    against: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReleasePlan:
    """The result of :func:`plan_release`: one decision per candidate cell, in input order."""

    min_size: int
    decisions: tuple[CellDecision, ...]
    cells: tuple[Cell, ...]

    @property
    def released_keys(self) -> tuple[str, ...]:
        return tuple(d.key for d in self.decisions if d.released)

    @property
    def released_cells(self) -> tuple[Cell, ...]:
        keep = set(self.released_keys)
        return tuple(c for c in self.cells if c.key in keep)

    def decision(self, key: str) -> CellDecision:
        for d in self.decisions:
            if d.key == key:
                return d
        raise KeyError(key)

    def is_released(self, key: str) -> bool:
        return self.decision(key).released


@dataclass(frozen=True)
class ReleaseLedger:
    """What has already been released in one wave (plain data; store it with the wave).

    Pass it to :func:`plan_release` so new figures are checked against earlier ones, then keep
    :meth:`record` 's result.
    """

    wave: str
    min_size: int = DEFAULT_MIN_SIZE
    released: tuple[Cell, ...] = field(default=())

    def __post_init__(self) -> None:
        validate_min_size(self.min_size)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready plain data (contributor ids must themselves be JSON values)."""
        return {
            "wave": self.wave,
            "min_size": self.min_size,
            "released": [
                {
                    "key": c.key,
                    "dimension": c.dimension,
                    "contributors": sorted(c.contributors, key=repr),
                }
                for c in self.released
            ],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ReleaseLedger:
        """Rebuild a ledger stored with :meth:`to_dict`."""
        cells = tuple(
            Cell.of(str(c["key"]), c["contributors"], str(c.get("dimension", "")))
            for c in data.get("released", ())
        )
        return cls(wave=str(data["wave"]), min_size=int(data["min_size"]), released=cells)

    def record(self, plan: ReleasePlan) -> ReleaseLedger:
        """A ledger that also holds the cells ``plan`` released."""
        if plan.min_size < self.min_size:
            raise PrivacyError(
                f"plan used minimum size {plan.min_size}, below this wave's {self.min_size}"
            )
        return replace(self, released=self.released + plan.released_cells)


def _exposes(n: int, min_size: int) -> bool:
    return 0 < n < min_size


@dataclass(frozen=True)
class _Entry:
    """A cell as a bitmask over contributor positions (fast set algebra)."""

    key: str
    mask: int
    n: int
    dimension: str


def _sumset(a: int, b: int, cap: int) -> int:
    """Bitset of all sums x + y (x in a, y in b), keeping sums up to ``cap``."""
    out = 0
    limit = (1 << (cap + 1)) - 1
    i = 0
    while a:
        if a & 1:
            out |= (b << i) & limit
        a >>= 1
        i += 1
    return out


def _laminar(masks: Sequence[int]) -> bool:
    for i, a in enumerate(masks):
        for b in masks[i + 1 :]:
            inter = a & b
            if inter and inter != a and inter != b:
                return False
    return True


def _laminar_covered_sizes(children: Sequence[_Entry], cap: int) -> int:
    """Bitset of |union| over all disjoint subfamilies of a laminar (tree-shaped) family."""
    nodes = sorted(children, key=lambda e: e.n, reverse=True)
    container: list[int | None] = []
    for i, e in enumerate(nodes):
        # the smallest earlier (larger or equal) node containing e is its container
        best: int | None = None
        for j in range(i):
            if nodes[j].mask & e.mask == e.mask and (best is None or nodes[j].n <= nodes[best].n):
                best = j
        container.append(best)
    sizes = [1 | (1 << e.n) for e in nodes]  # either leave the node out, or take it whole
    inner = [1] * len(nodes)  # disjoint families strictly inside the node
    for i in range(len(nodes) - 1, -1, -1):  # children before containers
        sizes[i] |= inner[i]
        up = container[i]
        if up is not None:
            inner[up] = _sumset(inner[up], sizes[i], cap)
    top = 1
    for i, up in enumerate(container):
        if up is None:
            top = _sumset(top, sizes[i], cap)
    return top


def _maximal_disjoint_families(masks: Sequence[int], limit: int) -> list[list[int]] | None:
    """All maximal families of pairwise disjoint sets (Bron–Kerbosch on the disjointness graph).

    Returns ``None`` if more than ``limit`` search steps would be needed.
    """
    k = len(masks)
    neighbours = [
        sum(1 << j for j in range(k) if j != i and not masks[i] & masks[j]) for i in range(k)
    ]
    found: list[list[int]] = []
    steps = 0

    def expand(chosen: list[int], candidates: int, excluded: int) -> bool:
        nonlocal steps
        steps += 1
        if steps > limit:
            return False
        if not candidates and not excluded:
            found.append(list(chosen))
            return True
        pool = candidates | excluded
        pivot = max(
            (v for v in range(k) if pool >> v & 1),
            key=lambda v: (neighbours[v] & candidates).bit_count(),
        )
        todo = candidates & ~neighbours[pivot]
        for v in range(k):
            if not todo >> v & 1:
                continue
            if not expand(chosen + [v], candidates & neighbours[v], excluded & neighbours[v]):
                return False
            candidates &= ~(1 << v)
            excluded |= 1 << v
        return True

    if not expand([], (1 << k) - 1, 0):
        return None
    return found


def _residual_breach(parent: _Entry, released: Sequence[_Entry], min_size: int) -> bool | None:
    """True if the parent minus some disjoint released cells of one dimension has 1..m-1.

    ``None`` if the check was too complex to finish (the caller then suppresses).
    """
    by_dimension: dict[str, dict[int, _Entry]] = {}
    for e in released:
        if e.mask and e.mask != parent.mask and e.mask & parent.mask == e.mask:
            by_dimension.setdefault(e.dimension, {}).setdefault(e.mask, e)  # same set once
    # covered sizes that leave 1..m-1 contributors: n-m+1 .. n-1
    window = ((1 << (min_size - 1)) - 1) << (parent.n - min_size + 1) if parent.n >= min_size else 0
    for group in by_dimension.values():
        children = list(group.values())
        if len(children) < 2:
            continue  # a single child is covered by the pairwise difference rule
        if _laminar([c.mask for c in children]):
            covered = _laminar_covered_sizes(children, parent.n)
            if covered & window:
                return True
            continue
        families = _maximal_disjoint_families([c.mask for c in children], MAX_FAMILIES)
        if families is None:
            return None
        for family in families:
            if _exposes(parent.n - sum(children[i].n for i in family), min_size):
                return True
    return False


def _check_candidate(
    cell: _Entry, released: Sequence[_Entry], min_size: int
) -> tuple[Reason, tuple[str, ...]]:
    if _exposes(cell.n, min_size):
        return Reason.BELOW_MINIMUM, ()
    for other in released:
        if _exposes((cell.mask & ~other.mask).bit_count(), min_size) or _exposes(
            (other.mask & ~cell.mask).bit_count(), min_size
        ):
            return Reason.DIFFERENCE, (other.key,)
    together = [*released, cell]
    # The new cell as a total over released cells, and as a sibling inside released totals.
    parents = [cell] + [
        p for p in released if p.mask != cell.mask and p.mask & cell.mask == cell.mask
    ]
    for parent in parents:
        same_dimension = [e for e in together if parent is cell or e.dimension == cell.dimension]
        breach = _residual_breach(parent, same_dimension, min_size)
        if breach is None:
            return Reason.TOO_COMPLEX, (parent.key,)
        if breach:
            return Reason.COMPLEMENTARY, (parent.key,)
    return Reason.RELEASED, ()


def plan_release(
    cells: Sequence[Cell],
    min_size: int | MinimumSizePolicy = DEFAULT_MIN_SIZE,
    *,
    ledger: ReleaseLedger | None = None,
) -> ReleasePlan:
    """Decide which ``cells`` may be shown, in priority order (totals and higher levels first).

    Earlier releases in the same wave (``ledger``) are fixed and count as released. Keys must be
    unique among ``cells``. See the module docstring for the guarantee.
    """
    m = min_size.min_size if isinstance(min_size, MinimumSizePolicy) else min_size
    validate_min_size(m)
    if ledger is not None:
        m = max(m, ledger.min_size)  # never below what the wave already used
    keys = [c.key for c in cells]
    if len(set(keys)) != len(keys):
        dupes = sorted({k for k in keys if keys.count(k) > 1})
        raise PrivacyError(f"cell keys must be unique; repeated: {', '.join(dupes)}")
    position: dict[Hashable, int] = {}

    def entry(c: Cell) -> _Entry:
        mask = 0
        for who in c.contributors:
            mask |= 1 << position.setdefault(who, len(position))
        return _Entry(c.key, mask, c.n, c.dimension)

    released = [entry(c) for c in ledger.released] if ledger is not None else []
    decisions = []
    for cell in cells:
        e = entry(cell)
        reason, against = _check_candidate(e, released, m)
        ok = reason is Reason.RELEASED
        if ok:
            released.append(e)
        decisions.append(CellDecision(cell.key, cell.n, ok, reason, against))
    return ReleasePlan(min_size=m, decisions=tuple(decisions), cells=tuple(cells))


def suppress_counts(
    counts: Mapping[str, int],
    min_size: int = DEFAULT_MIN_SIZE,
    *,
    total_key: str = "total",
) -> dict[str, int | None]:
    """Apply minimum size and complementary suppression to sibling counts and their total.

    ``counts`` maps each sibling (for example a sector) to its count. If it also holds
    ``total_key``, that is the total (it may be larger than the siblings' sum, for people in no
    listed sibling); otherwise the total is taken to be the siblings' sum and is assumed to be
    known to the reader. Returns the same keys, with ``None`` for every suppressed count. The
    total is considered first, then siblings from largest to smallest, so the smallest
    siblings are the ones suppressed as complements.
    """
    for key, value in counts.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise PrivacyError(f"count for {key!r} must be a whole number >= 0, got {value!r}")
    siblings = {k: v for k, v in counts.items() if k != total_key}
    sibling_sum = sum(siblings.values())
    total = counts.get(total_key, sibling_sum)
    if total < sibling_sum:
        raise PrivacyError(f"total {total} is smaller than the sum of the counts ({sibling_sum})")
    sibling_cells = []
    for key, value in siblings.items():
        sibling_cells.append(Cell.of(key, ((key, i) for i in range(value))))
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
