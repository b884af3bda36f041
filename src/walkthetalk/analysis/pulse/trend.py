"""Change between waves, with uncertainty.

Waves are anonymous, so answers cannot be paired across waves: the change in a unit's mean is
estimated as a difference of two independent means with Welch's standard error and a
t-interval on Welch–Satterthwaite degrees of freedom. With fewer than ``min_size`` answers in
either wave no difference is given (privacy, and too little data).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats


@dataclass(frozen=True)
class WaveChange:
    """Difference current - previous of one score's mean (``None`` when not shown)."""

    n_previous: int
    n_current: int
    mean_previous: float | None
    mean_current: float | None
    difference: float | None
    se: float | None
    ci_low: float | None
    ci_high: float | None
    df: float | None


def wave_change(
    previous: ArrayLike, current: ArrayLike, *, confidence: float = 0.95, min_size: int = 5
) -> WaveChange:
    """Welch difference of means between two waves of answers (NaN answers dropped)."""
    a = np.asarray(previous, dtype=float).ravel()
    b = np.asarray(current, dtype=float).ravel()
    a, b = a[~np.isnan(a)], b[~np.isnan(b)]
    na, nb = int(a.size), int(b.size)
    if na < max(min_size, 2) or nb < max(min_size, 2):
        return WaveChange(na, nb, None, None, None, None, None, None, None)
    va, vb = float(a.var(ddof=1)) / na, float(b.var(ddof=1)) / nb
    se = float(np.sqrt(va + vb))
    diff = float(b.mean() - a.mean())
    if se > 0:
        df = (va + vb) ** 2 / (va**2 / (na - 1) + vb**2 / (nb - 1))
        half = float(stats.t.ppf(0.5 + confidence / 2, df)) * se
    else:
        df, half = float(na + nb - 2), 0.0
    return WaveChange(
        na, nb, float(a.mean()), float(b.mean()), diff, se, diff - half, diff + half, float(df)
    )


def wave_changes(
    previous: Mapping[str, ArrayLike],
    current: Mapping[str, ArrayLike],
    *,
    confidence: float = 0.95,
    min_size: int = 5,
) -> dict[str, WaveChange]:
    """:func:`wave_change` for every scale present in both waves."""
    return {
        k: wave_change(previous[k], current[k], confidence=confidence, min_size=min_size)
        for k in current
        if k in previous
    }
