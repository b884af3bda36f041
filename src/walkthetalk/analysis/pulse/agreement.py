"""Within-unit agreement: rwg for one item or score, rwg(j) for a set of J items.

Follows James, Demaree & Wolf (1984) as implemented in R's ``multilevel::rwg`` and
``multilevel::rwg.j``:

- rwg = 1 - s²/σ²_E, with s² the unit's sample variance (``n - 1`` denominator) and σ²_E the
  variance expected if answers were random. For a uniform null over A options,
  σ²_E = (A² - 1)/12 (2.0 for five options; :func:`uniform_null_variance`).
- rwg(j) = J(1 - s̄²/σ²_E) / (J(1 - s̄²/σ²_E) + s̄²/σ²_E), with s̄² the mean of the J item
  variances in the unit.

Out-of-range values: when the observed variance exceeds the null variance (more disagreement
than random answering) rwg would be negative and rwg(j) can fall outside [0, 1]; both are set to
0, so every value lies in [0, 1] (reproduces the multilevel reference means). A unit with fewer
than 2 answers has no agreement (NaN). Missing answers are dropped per item.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from .grouping import split_by_group


def uniform_null_variance(n_options: int) -> float:
    """Variance of a uniform distribution over ``n_options`` equally spaced answers."""
    if n_options < 2:
        raise ValueError("need at least 2 response options")
    return (n_options**2 - 1) / 12.0


def rwg(values: ArrayLike, null_variance: float) -> float:
    """rwg for one unit's answers to one item or score, truncated to [0, 1]."""
    x = np.asarray(values, dtype=float).ravel()
    x = x[~np.isnan(x)]
    if null_variance <= 0:
        raise ValueError("null_variance must be positive")
    if x.size < 2:
        return float("nan")
    out = 1.0 - float(np.var(x, ddof=1)) / null_variance
    return min(max(out, 0.0), 1.0)


def rwg_j(items: ArrayLike, null_variance: float) -> float:
    """rwg(j) for one unit's answers to J parallel items (responses × items), in [0, 1]."""
    x = np.asarray(items, dtype=float)
    if x.ndim != 2:
        raise ValueError("rwg_j needs a responses × items matrix")
    if null_variance <= 0:
        raise ValueError("null_variance must be positive")
    variances = []
    for col in x.T:
        answered = col[~np.isnan(col)]
        if answered.size >= 2:
            variances.append(float(np.var(answered, ddof=1)))
    if not variances:
        return float("nan")
    j = x.shape[1]
    ratio = float(np.mean(variances)) / null_variance
    if ratio >= 1.0:
        return 0.0
    out = j * (1.0 - ratio) / (j * (1.0 - ratio) + ratio)
    return min(max(out, 0.0), 1.0)


@dataclass(frozen=True)
class UnitAgreement:
    """Agreement within one unit."""

    unit: Hashable
    n: int
    value: float


def rwg_by_unit(
    values: ArrayLike, units: ArrayLike | Sequence[Hashable], null_variance: float
) -> list[UnitAgreement]:
    """rwg for each unit (one value per response, grouped by ``units``)."""
    out = []
    for unit, x in split_by_group(values, units).items():
        n = int((~np.isnan(x)).sum())
        out.append(UnitAgreement(unit, n, rwg(x, null_variance)))
    return out


def rwg_j_by_unit(
    items: ArrayLike, units: ArrayLike | Sequence[Hashable], null_variance: float
) -> list[UnitAgreement]:
    """rwg(j) for each unit (responses × items matrix, grouped by ``units``)."""
    out = []
    for unit, x in split_by_group(items, units).items():
        n = int((~np.isnan(x).all(axis=1)).sum())
        out.append(UnitAgreement(unit, n, rwg_j(x, null_variance)))
    return out


def mean_agreement(results: Sequence[UnitAgreement]) -> float:
    """Mean agreement over units that have a value (units with fewer than 2 answers skipped)."""
    vals = [r.value for r in results if not np.isnan(r.value)]
    return float(np.mean(vals)) if vals else float("nan")
