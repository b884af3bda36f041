"""Unit scores with their uncertainty, and empirical-Bayes shrinkage toward the parent level.

A unit of five people gives a noisy mean. For each unit we report

- ``mean``, ``sd``, ``se = sd/√n`` and a t-based confidence interval;
- ``reliability``: the reliability of the unit mean, λ = n·ICC(1) / (1 + (n-1)·ICC(1))
  (Spearman–Brown; the ICC(2) a unit of this size would have);
- ``shrunken_mean = λ·mean + (1-λ)·parent_mean``: the empirical-Bayes (James–Stein type)
  estimate of the unit's true mean under a one-way random-effects model, pulled toward the
  parent level by as much as the unit mean is unreliable;
- ``shrunken_se = √(λ·σ²_w/n)``: its posterior standard deviation, with σ²_w the pooled
  within-unit variance (MSW).

ICC(1) and σ²_w come from the data (one-way ANOVA over all units given) unless supplied — with
few units it is wiser to pass a steadier ICC(1) from earlier waves or the whole care system.
Negative ICC(1) estimates are treated as 0 (full shrinkage to the parent).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from .grouping import split_by_group
from .icc import one_way_anova, unit_mean_reliability


@dataclass(frozen=True)
class UnitEstimate:
    """A unit's score with uncertainty and its shrunken estimate."""

    unit: Hashable
    n: int
    mean: float
    sd: float
    se: float
    ci_low: float
    ci_high: float
    parent_mean: float
    reliability: float
    shrunken_mean: float
    shrunken_se: float


def unit_estimates(
    values: ArrayLike,
    units: ArrayLike | Sequence[Hashable],
    *,
    parent_mean: float | Mapping[Hashable, float] | None = None,
    icc_1: float | None = None,
    within_variance: float | None = None,
    confidence: float = 0.95,
) -> list[UnitEstimate]:
    """Mean, SE, CI, reliability and shrunken mean per unit (order of first appearance).

    ``parent_mean`` is one number for all units, a mapping unit → its parent level's mean, or
    ``None`` for the mean of all answers given.
    """
    if not 0 < confidence < 1:
        raise ValueError("confidence must be between 0 and 1")
    groups = {u: x[~np.isnan(x)] for u, x in split_by_group(values, units).items()}
    if icc_1 is None or within_variance is None:
        anova = one_way_anova(values, units)
        icc_1 = anova.icc1 if icc_1 is None else icc_1
        within_variance = anova.ms_within if within_variance is None else within_variance
    all_answers = np.concatenate(list(groups.values())) if groups else np.empty(0)
    grand = float(all_answers.mean()) if all_answers.size else float("nan")
    out = []
    for unit, x in groups.items():
        n = int(x.size)
        if isinstance(parent_mean, Mapping):
            parent = float(parent_mean[unit])
        else:
            parent = grand if parent_mean is None else float(parent_mean)
        mean = float(x.mean()) if n else float("nan")
        sd = float(x.std(ddof=1)) if n > 1 else float("nan")
        se = sd / np.sqrt(n) if n > 1 else float("nan")
        half = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * se if n > 1 else float("nan")
        lam = unit_mean_reliability(n, icc_1)
        shrunk = lam * mean + (1.0 - lam) * parent if n else parent
        post_se = float(np.sqrt(lam * within_variance / n)) if n else float("nan")
        out.append(
            UnitEstimate(
                unit=unit,
                n=n,
                mean=mean,
                sd=sd,
                se=float(se),
                ci_low=float(mean - half),
                ci_high=float(mean + half),
                parent_mean=parent,
                reliability=lam,
                shrunken_mean=float(shrunk),
                shrunken_se=post_se,
            )
        )
    return out
