"""Within-unit and between-unit correlations of two scores (WABA-style decomposition).

Each score x is split into its unit mean x̄_u (the between part, one value per response) and the
deviation x - x̄_u (the within part). Then

- r_between is the correlation of the between parts over responses — a correlation of unit
  means in which each unit weighs by its size (as in Dansereau's WABA and ``multilevel::waba``);
- r_within is the correlation of the within parts;
- eta_between_x / eta_between_y are the correlations of each score with its unit means
  (√(SS_between / SS_total)).

The total correlation decomposes as
r_total = eta_bx·eta_by·r_between + eta_wx·eta_wy·r_within.
Responses missing either score are dropped first.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .grouping import as_labels


@dataclass(frozen=True)
class WithinBetween:
    """Correlations of two scores within and between units."""

    n: int
    n_units: int
    r_total: float
    r_within: float
    r_between: float
    eta_between_x: float
    eta_between_y: float


def _corr(a: NDArray[np.float64], b: NDArray[np.float64]) -> float:
    a = a - a.mean()
    b = b - b.mean()
    denom = float(np.sqrt(np.dot(a, a) * np.dot(b, b)))
    return float(np.dot(a, b)) / denom if denom > 0 else float("nan")


def _eta(x: NDArray[np.float64], between: NDArray[np.float64]) -> float:
    sst = float(np.sum((x - x.mean()) ** 2))
    ssb = float(np.sum((between - x.mean()) ** 2))
    return float(np.sqrt(ssb / sst)) if sst > 0 else float("nan")


def within_between(
    x: ArrayLike, y: ArrayLike, units: ArrayLike | Sequence[Hashable]
) -> WithinBetween:
    """Decompose the correlation of ``x`` and ``y`` into within- and between-unit parts."""
    xa = np.asarray(x, dtype=float).ravel()
    ya = np.asarray(y, dtype=float).ravel()
    labels = as_labels(units)
    if not xa.size == ya.size == len(labels):
        raise ValueError("x, y and units must have the same length")
    keep = ~(np.isnan(xa) | np.isnan(ya))
    xa, ya = xa[keep], ya[keep]
    codes: dict[Hashable, int] = {}
    inv = np.asarray(
        [codes.setdefault(g, len(codes)) for g, k in zip(labels, keep, strict=True) if k],
        dtype=int,
    )
    sizes = np.bincount(inv, minlength=len(codes)).astype(float)
    bx = (np.bincount(inv, weights=xa, minlength=len(codes)) / sizes)[inv]
    by = (np.bincount(inv, weights=ya, minlength=len(codes)) / sizes)[inv]
    return WithinBetween(
        n=int(xa.size),
        n_units=len(codes),
        r_total=_corr(xa, ya),
        r_within=_corr(xa - bx, ya - by),
        r_between=_corr(bx, by),
        eta_between_x=_eta(xa, bx),
        eta_between_y=_eta(ya, by),
    )
