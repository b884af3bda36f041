"""Summaries a pulse dashboard shows, over groups that have already been released.

Pure numpy: means shown only for groups of at least the minimum size, unit estimates shrunk
toward each unit's parent (one depth of the unit tree at a time), and level profiles. (Which
rules mirror between levels is decided by the calibrated test in :mod:`.mirroring_claims`.)
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from .shrinkage import UnitEstimate, unit_estimates


def mean_if_enough(values: np.ndarray, min_size: int) -> float | None:
    """The mean of the answered values, or ``None`` when fewer than ``min_size`` answered."""
    answered = values[~np.isnan(values)]
    return float(answered.mean()) if answered.size >= min_size else None


@dataclass(frozen=True)
class UnitGroup:
    """A released unit group: its key, its rows, its parent's key ('' at the top), its depth."""

    key: str
    rows: tuple[int, ...]
    parent: str
    depth: int


def shrunken_unit_estimates(
    values: np.ndarray, units: Sequence[UnitGroup], overall: float | None, min_size: int
) -> dict[str, UnitEstimate]:
    """Each unit's estimate, shrunk toward its parent's mean (or ``overall`` at the top).

    Units are compared with the others at their depth; a depth with fewer than two units with a
    mean is left out (shrinkage needs two to estimate how much units differ), and so is
    everything when ``overall`` is not shown.
    """
    means = {u.key: mean_if_enough(values[list(u.rows)], min_size) for u in units}
    by_depth: dict[int, list[UnitGroup]] = {}
    for u in units:
        if means[u.key] is not None:
            by_depth.setdefault(u.depth, []).append(u)
    estimates: dict[str, UnitEstimate] = {}
    if overall is None:
        return estimates
    for same_depth in by_depth.values():
        if len(same_depth) < 2:
            continue
        vals: list[float] = []
        labels: list[str] = []
        parents: dict[Hashable, float] = {}
        for u in same_depth:
            vals.extend(float(values[i]) for i in u.rows)
            labels.extend(u.key for _ in u.rows)
            parent_mean = means.get(u.parent)
            parents[u.key] = parent_mean if parent_mean is not None else overall
        arr = np.asarray(vals, dtype=float)
        ok = ~np.isnan(arr)
        kept = [labels[i] for i in np.flatnonzero(ok)]
        for est in unit_estimates(arr[ok], kept, parent_mean=parents):
            estimates[str(est.unit)] = est
    return estimates


def level_profiles(
    level_names: Sequence[str], rule_cells: Mapping[str, Sequence[float | None]], min_rules: int = 3
) -> tuple[dict[str, dict[str, float]], dict[str, str]]:
    """Each level's profile over the rules it shows, and each level's nearest shown level above.

    ``rule_cells[rule][i]`` is the mean of level ``level_names[i]`` (``None`` when hidden); a
    level is compared only when at least ``min_rules`` of its rule means are shown.
    """
    profiles: dict[str, dict[str, float]] = {}
    for i, name in enumerate(level_names):
        profile = {rule: cells[i] for rule, cells in rule_cells.items() if cells[i] is not None}
        if len(profile) >= min_rules:
            profiles[name] = {k: float(v) for k, v in profile.items() if v is not None}
    ordered = [name for name in level_names if name in profiles]
    parent_of = {below: above for above, below in zip(ordered, ordered[1:], strict=False)}
    return profiles, parent_of
