"""Intraclass correlations from a one-way ANOVA, as R's ``multilevel::ICC1`` / ``ICC2``.

- ICC(1) = (MSB - MSW) / (MSB + (k̄ - 1)·MSW): the share of variance in individual answers that
  lies between units; k̄ = N / G is the mean unit size (as in ``multilevel``; Bliese 2000).
- ICC(2) = (MSB - MSW) / MSB: the reliability of unit means at the data's unit sizes.
- :func:`unit_mean_reliability` is Spearman–Brown applied to ICC(1) for a unit of size n:
  n·ICC(1) / (1 + (n - 1)·ICC(1)); at n = k̄ it equals ICC(2).

Responses with a missing value are dropped first.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from .grouping import as_labels


@dataclass(frozen=True)
class OneWayAnova:
    """One-way ANOVA of answers by unit."""

    n_total: int
    n_units: int
    mean_unit_size: float
    grand_mean: float
    ms_between: float
    ms_within: float

    @property
    def icc1(self) -> float:
        msb, msw, k = self.ms_between, self.ms_within, self.mean_unit_size
        denom = msb + (k - 1.0) * msw
        return (msb - msw) / denom if denom > 0 else float("nan")

    @property
    def icc2(self) -> float:
        """As R's ``multilevel::ICC2``: -inf when the unit means do not differ at all
        (MSB = 0) while answers within units do (the limit of 1 - MSW/MSB, and the bound
        :func:`~walkthetalk.analysis.pulse.aggregation.icc_intervals` gives then); NaN when
        no answer differs from another."""
        msb, msw = self.ms_between, self.ms_within
        if msb > 0:
            return (msb - msw) / msb
        return float("-inf") if msw > 0 else float("nan")


def one_way_anova(values: ArrayLike, units: ArrayLike | Sequence[Hashable]) -> OneWayAnova:
    """Between- and within-unit mean squares (needs 2+ units and more answers than units)."""
    y = np.asarray(values, dtype=float).ravel()
    labels = as_labels(units)
    if y.size != len(labels):
        raise ValueError(f"{y.size} values but {len(labels)} unit labels")
    keep = ~np.isnan(y)
    y = y[keep]
    kept = [g for g, k in zip(labels, keep, strict=True) if k]
    codes: dict[Hashable, int] = {}
    inv = np.asarray([codes.setdefault(g, len(codes)) for g in kept], dtype=int)
    g = len(codes)
    n = y.size
    if g < 2 or n <= g:
        raise ValueError(f"need at least 2 units and more answers than units (got {g}, {n})")
    sizes = np.bincount(inv, minlength=g)
    means = np.bincount(inv, weights=y, minlength=g) / sizes
    grand = float(y.mean())
    ssb = float(np.sum(sizes * (means - grand) ** 2))
    ssw = float(np.sum((y - means[inv]) ** 2))
    return OneWayAnova(
        n_total=int(n),
        n_units=g,
        mean_unit_size=n / g,
        grand_mean=grand,
        ms_between=ssb / (g - 1),
        ms_within=ssw / (n - g),
    )


def icc1(values: ArrayLike, units: ArrayLike | Sequence[Hashable]) -> float:
    """ICC(1) from a one-way ANOVA (``multilevel::ICC1``)."""
    return one_way_anova(values, units).icc1


def icc2(values: ArrayLike, units: ArrayLike | Sequence[Hashable]) -> float:
    """ICC(2) from a one-way ANOVA (``multilevel::ICC2``)."""
    return one_way_anova(values, units).icc2


def unit_mean_reliability(n: int | float, icc_1: float) -> float:
    """Reliability of a unit mean of ``n`` answers given ICC(1) (Spearman–Brown); ICC(1)<0 → 0."""
    rho = max(float(icc_1), 0.0)
    if n <= 0:
        return 0.0
    return n * rho / (1.0 + (n - 1.0) * rho)
