"""Parallel process along the unit tree: does a program's upper level predict its lower level?

For each unit that holds both levels (for example a program, with its supervisors above and
its teams' direct-care staff below) we take the upper level's mean score ``x_j`` and relate it to
each lower-level answer ``y_ij`` with a random-intercept model::

    y_ij = β0 + β1 (x_j − x̄) + u_j + e_ij,    u_j ~ N(0, τ²),  e_ij ~ N(0, σ²)

fitted by restricted maximum likelihood (REML), profiled over the one variance ratio
τ²/σ² so the fit is exact and fast (the tests check it against statsmodels ``MixedLM``).
``β1`` is the cross-level estimate: how much higher, in scale points, the lower level scores
in a unit whose upper level scores one point higher. Its 95% interval is Wald's (β1 ± 1.96·SE).

The estimate is only returned when at least ``min_units`` units hold both levels (default 10;
with fewer level-2 units the slope and especially its standard error are unreliable — Maas &
Hox 2005 found level-2 standard errors biased below about 30 units, fixed effects acceptable
from about 10). Limits worth saying out loud: ``x_j`` is a mean of a few people, so its error
pulls β1 toward zero; the design is cross-sectional, so a positive β1 says the levels move
together across units, not which way influence runs; and units are not randomly assigned.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import optimize

from .grouping import as_labels

DEFAULT_MIN_UNITS = 10
Z95 = 1.959963984540054


@dataclass(frozen=True)
class CrossLevel:
    """The cross-level slope with its interval, and what it rests on."""

    slope: float
    se: float
    ci_low: float
    ci_high: float
    n_units: int
    n_lower: int
    n_upper: int
    between_unit_share: float  # τ² / (τ² + σ²) of the lower level after the slope

    @property
    def interval_excludes_zero(self) -> bool:
        return self.ci_low > 0 or self.ci_high < 0


def cross_level_slope(
    upper_scores: ArrayLike,
    upper_units: ArrayLike | Sequence[Hashable],
    lower_scores: ArrayLike,
    lower_units: ArrayLike | Sequence[Hashable],
    *,
    min_units: int = DEFAULT_MIN_UNITS,
) -> CrossLevel | None:
    """The random-intercept cross-level slope, or ``None`` when too few units hold both levels.

    ``upper_units``/``lower_units`` name the unit (e.g. program) each answer belongs to; answers
    that are NaN are dropped; units with no upper or no lower answer are left out.
    """
    xu = np.asarray(upper_scores, dtype=float).ravel()
    yl = np.asarray(lower_scores, dtype=float).ravel()
    lu, ll = as_labels(upper_units), as_labels(lower_units)
    if xu.size != len(lu) or yl.size != len(ll):
        raise ValueError("each score needs exactly one unit label")
    upper: dict[Hashable, list[float]] = {}
    for v, u in zip(xu, lu, strict=True):
        if not np.isnan(v):
            upper.setdefault(u, []).append(float(v))
    keep = [
        i for i, (v, u) in enumerate(zip(yl, ll, strict=True)) if not np.isnan(v) and u in upper
    ]
    units = list(dict.fromkeys(ll[i] for i in keep))
    if len(units) < max(min_units, 3):
        return None
    upper_mean = {u: float(np.mean(upper[u])) for u in units}
    centre = float(np.mean(list(upper_mean.values())))
    x = np.array([upper_mean[ll[i]] - centre for i in keep])
    if float(np.ptp(x)) == 0.0:
        return None  # every unit's upper level scores the same: no slope to estimate
    y = yl[keep]
    codes = np.array([units.index(ll[i]) for i in keep])
    beta, cov, tau2, sigma2 = random_intercept_reml(y, np.column_stack([np.ones_like(x), x]), codes)
    slope, se = float(beta[1]), float(np.sqrt(cov[1, 1]))
    return CrossLevel(
        slope=slope,
        se=se,
        ci_low=slope - Z95 * se,
        ci_high=slope + Z95 * se,
        n_units=len(units),
        n_lower=int(y.size),
        n_upper=int(sum(len(upper[u]) for u in units)),
        between_unit_share=tau2 / (tau2 + sigma2) if tau2 + sigma2 > 0 else float("nan"),
    )


def random_intercept_reml(
    y: NDArray[np.float64], x: NDArray[np.float64], groups: NDArray[np.int64]
) -> tuple[NDArray[np.float64], NDArray[np.float64], float, float]:
    """REML fit of ``y = xβ + u_group + e``: (β, Cov(β), τ², σ²).

    For a ratio λ = τ²/σ² the GLS solution is closed-form, since within a group
    V⁻¹ ∝ I − λ/(1 + nλ)·11'; −2·REML log-likelihood, profiled over σ², is
    (N − p)·log σ̂² + Σ log(1 + n_j λ) + log|X'WX|, minimised over λ ≥ 0.
    """
    n, p = x.shape
    sizes = np.bincount(groups).astype(float)
    sum_x = np.zeros((sizes.size, p))
    np.add.at(sum_x, groups, x)
    sum_y = np.bincount(groups, weights=y, minlength=sizes.size)
    xx, xy, yy = x.T @ x, x.T @ y, float(y @ y)

    def parts(lam: float) -> tuple[NDArray[np.float64], NDArray[np.float64], float, float]:
        c = lam / (1.0 + sizes * lam)
        xwx = xx - (sum_x * c[:, None]).T @ sum_x
        xwy = xy - (sum_x * c[:, None]).T @ sum_y
        beta = np.asarray(np.linalg.solve(xwx, xwy), dtype=np.float64)
        q = yy - float(np.sum(c * sum_y**2)) - float(beta @ xwy)
        return beta, xwx, float(max(q, 1e-300) / (n - p)), float(np.sum(np.log1p(sizes * lam)))

    def deviance(log_lam: float) -> float:
        _, xwx, s2, logdet_v = parts(float(np.exp(log_lam)))
        return (n - p) * np.log(s2) + logdet_v + float(np.linalg.slogdet(xwx)[1])

    best = optimize.minimize_scalar(deviance, bounds=(-15.0, 10.0), method="bounded")
    lam = float(np.exp(best.x)) if deviance(-15.0) > best.fun else 0.0
    beta, xwx, s2, _ = parts(lam)
    cov = np.asarray(s2 * np.linalg.inv(xwx), dtype=np.float64)
    return np.asarray(beta, dtype=np.float64), cov, lam * s2, s2
