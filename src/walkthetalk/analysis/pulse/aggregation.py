"""Evidence that a unit's (or level's) mean may be read as a shared climate, per scale.

A mean over a unit's answers describes a *climate* only when people in the unit agree and
units differ (Bliese 2000; LeBreton & Senter 2008). Per scale we report:

- **rwg(j)** within each unit (uniform null; see :mod:`.agreement`): the mean over units with its
  95% percentile-bootstrap interval over units, and the share of units at or above 0.70;
- **ICC(1)**, the share of answer variance between units, and **ICC(2)**, the reliability of
  unit means, from a one-way ANOVA (see :mod:`.icc`), each with the 95% interval from the F
  distribution (Shrout & Fleiss 1979; McGraw & Wong 1996, case 1 — with unequal unit sizes the
  mean unit size is used, an approximation).

Plain-language ``flags`` name what does not hold, with the conventional cut-offs: mean rwg(j)
below 0.70 (LeBreton & Senter 2008), an ICC(1) interval that reaches 0 (units may not differ at
all), ICC(2) below 0.70 (unit means not reliable enough to rank units; Klein et al. 2000).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from .agreement import rwg_j_by_unit, uniform_null_variance
from .icc import one_way_anova

RWG_CUTOFF = 0.70
ICC2_CUTOFF = 0.70
DEFAULT_BOOTSTRAP = 2000


@dataclass(frozen=True)
class AggregationEvidence:
    """Within-unit agreement and between-unit differences for one scale."""

    n_units: int
    n_answers: int
    rwg_j_mean: float
    rwg_j_low: float
    rwg_j_high: float
    share_rwg_ok: float
    icc1: float
    icc1_low: float
    icc1_high: float
    icc2: float
    icc2_low: float
    icc2_high: float
    flags: tuple[str, ...]

    @property
    def supports_climate(self) -> bool:
        """Agreement and reliability both reach the cut-offs (no flag raised)."""
        return not self.flags


def icc_intervals(
    ms_between: float, ms_within: float, df_between: int, df_within: int, mean_size: float
) -> tuple[tuple[float, float], tuple[float, float]]:
    """95% intervals of ICC(1) and ICC(2) from the F ratio of a one-way ANOVA."""
    if ms_within <= 0:
        return (float("nan"), float("nan")), (float("nan"), float("nan"))
    f = ms_between / ms_within
    f_low = f / stats.f.ppf(0.975, df_between, df_within)
    f_high = f * stats.f.ppf(0.975, df_within, df_between)
    k = mean_size

    def icc1(x: float) -> float:
        return (x - 1.0) / (x + k - 1.0)

    def icc2(x: float) -> float:
        return 1.0 - 1.0 / x if x > 0 else float("-inf")

    return (icc1(f_low), icc1(f_high)), (icc2(f_low), icc2(f_high))


def aggregation_evidence(
    items: ArrayLike,
    units: ArrayLike | Sequence[Hashable],
    n_options: int,
    *,
    n_bootstrap: int = DEFAULT_BOOTSTRAP,
    seed: int = 0,
    unit_word: str = "unit",
) -> AggregationEvidence:
    """Evidence for one scale from its keyed items (responses × items) and each answer's unit.

    Scale scores for the ICCs are the row means of answered items; rows with no answer are
    dropped. Needs at least 2 units with 2 or more answers each.
    """
    x = np.asarray(items, dtype=float)
    if x.ndim != 2:
        raise ValueError("items must be a responses × items matrix")
    labels = list(np.asarray(units, dtype=object).ravel())
    if len(labels) != x.shape[0]:
        raise ValueError(f"{x.shape[0]} rows but {len(labels)} unit labels")
    answered = ~np.isnan(x).all(axis=1)
    with np.errstate(invalid="ignore"):
        score = np.where(answered, np.nanmean(np.where(answered[:, None], x, 0.0), axis=1), np.nan)
    agreement = [
        a
        for a in rwg_j_by_unit(x, labels, uniform_null_variance(n_options))
        if not np.isnan(a.value)
    ]
    anova = one_way_anova(score, labels)
    (i1_lo, i1_hi), (i2_lo, i2_hi) = icc_intervals(
        anova.ms_between,
        anova.ms_within,
        anova.n_units - 1,
        anova.n_total - anova.n_units,
        anova.mean_unit_size,
    )
    values = np.array([a.value for a in agreement])
    if values.size:
        rng = np.random.default_rng(seed)
        boots = values[rng.integers(0, values.size, size=(n_bootstrap, values.size))].mean(axis=1)
        rwg_mean = float(values.mean())
        rwg_lo, rwg_hi = (float(v) for v in np.quantile(boots, [0.025, 0.975]))
        share_ok = float((values >= RWG_CUTOFF).mean())
    else:
        rwg_mean = rwg_lo = rwg_hi = share_ok = float("nan")
    flags = []
    if not np.isnan(rwg_mean) and rwg_mean < RWG_CUTOFF:
        flags.append(
            f"People in the same {unit_word} see this quite differently (agreement "
            f"{rwg_mean:.2f}, below {RWG_CUTOFF:.2f}), so a {unit_word}'s mean is an average "
            "of different experiences rather than a shared climate."
        )
    if not i1_lo > 0:
        flags.append(
            f"{unit_word.capitalize()}s may not differ on this at all: the interval for the "
            "share of differences lying between them reaches zero."
        )
    if anova.icc2 < ICC2_CUTOFF:
        flags.append(
            f"A {unit_word}'s mean is not yet reliable enough to tell {unit_word}s apart "
            f"(reliability {max(anova.icc2, 0.0):.2f}, below {ICC2_CUTOFF:.2f})."
        )
    return AggregationEvidence(
        n_units=anova.n_units,
        n_answers=anova.n_total,
        rwg_j_mean=rwg_mean,
        rwg_j_low=rwg_lo,
        rwg_j_high=rwg_hi,
        share_rwg_ok=share_ok,
        icc1=anova.icc1,
        icc1_low=i1_lo,
        icc1_high=i1_hi,
        icc2=anova.icc2,
        icc2_low=i2_lo,
        icc2_high=i2_hi,
        flags=tuple(flags),
    )
