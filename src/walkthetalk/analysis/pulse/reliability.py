"""Internal consistency: Cronbach's alpha (raw and standardized) and McDonald's omega total.

Input is a responses × items matrix, already reverse keyed (see :mod:`.scoring`), NaN where an
item was not answered.

Missing-data rule (documented, matches ``psych::alpha``'s default ``use="pairwise"``): the item
covariance matrix is estimated from pairwise-complete observations, each entry using the means
of the responses that answered both items and an ``n - 1`` denominator (R's
``cov(x, use = "pairwise")``). ``missing="listwise"`` instead keeps only complete responses.

- raw alpha = k/(k-1) · (1 - tr(C)/ΣC) from the covariance matrix C;
- standardized alpha = k·r̄ / (1 + (k-1)·r̄), r̄ the mean off-diagonal correlation (R = C scaled);
- omega total (McDonald, 1999) from a one-factor model fitted to R by unweighted least squares
  (iterated principal axis factoring, started from squared multiple correlations, communalities
  capped below 1): ω = (Σλ)² / ((Σλ)² + Σψ), with ψ = 1 - λ² the uniquenesses. For a set of
  items that fits one factor with equal loadings, ω equals standardized alpha.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .instrument import Instrument
from .scoring import Responses, keyed_items

FloatArray = NDArray[np.float64]
Missing = Literal["pairwise", "listwise"]


def _matrix(items: ArrayLike) -> FloatArray:
    x = np.asarray(items, dtype=float)
    if x.ndim != 2 or x.shape[1] < 2:
        raise ValueError("reliability needs a responses × items matrix with at least 2 items")
    return x


def pairwise_covariance(items: ArrayLike) -> FloatArray:
    """Covariance matrix from pairwise-complete observations (as R's ``use="pairwise"``)."""
    x = _matrix(items)
    k = x.shape[1]
    present = ~np.isnan(x)
    cov = np.full((k, k), np.nan)
    for i in range(k):
        for j in range(i, k):
            both = present[:, i] & present[:, j]
            n = int(both.sum())
            if n < 2:
                continue
            a = x[both, i]
            b = x[both, j]
            cov[i, j] = cov[j, i] = float(np.dot(a - a.mean(), b - b.mean()) / (n - 1))
    return cov


def item_covariance(items: ArrayLike, missing: Missing = "pairwise") -> FloatArray:
    """The item covariance matrix under the chosen missing-data rule."""
    x = _matrix(items)
    if missing == "pairwise":
        cov = pairwise_covariance(x)
    elif missing == "listwise":
        complete = x[~np.isnan(x).any(axis=1)]
        if complete.shape[0] < 2:
            raise ValueError("fewer than 2 complete responses")
        cov = np.cov(complete, rowvar=False, ddof=1)
    else:
        raise ValueError(f"missing must be 'pairwise' or 'listwise', got {missing!r}")
    if np.isnan(cov).any():
        raise ValueError("some pair of items has fewer than 2 responses in common")
    return np.asarray(cov, dtype=float)


def _correlation(cov: FloatArray) -> FloatArray:
    sd = np.sqrt(np.diag(cov))
    if np.any(sd == 0):
        raise ValueError("an item has no variance; reliability is undefined")
    r = cov / np.outer(sd, sd)
    np.fill_diagonal(r, 1.0)
    return np.asarray(r, dtype=float)


def alpha_from_covariance(cov: ArrayLike) -> float:
    """Cronbach's alpha from a covariance matrix."""
    c = np.asarray(cov, dtype=float)
    k = c.shape[0]
    total = float(c.sum())
    if total <= 0:
        return float("nan")
    return k / (k - 1) * (1.0 - float(np.trace(c)) / total)


def cronbach_alpha(items: ArrayLike, missing: Missing = "pairwise") -> float:
    """Raw Cronbach's alpha (see the module docstring for the missing-data rule)."""
    return alpha_from_covariance(item_covariance(items, missing))


def standardized_alpha(items: ArrayLike, missing: Missing = "pairwise") -> float:
    """Standardized alpha from the mean inter-item correlation."""
    r = _correlation(item_covariance(items, missing))
    k = r.shape[0]
    rbar = (float(r.sum()) - k) / (k * (k - 1))
    return _alpha_from_mean_r(rbar, k)


def _alpha_from_mean_r(rbar: float, k: int) -> float:
    denom = 1 + (k - 1) * rbar
    return k * rbar / denom if denom > 0 else float("nan")


def one_factor_loadings(
    correlation: ArrayLike, *, max_iter: int = 500, tol: float = 1e-9
) -> FloatArray:
    """Loadings of a one-factor ULS fit (iterated principal axis) to a correlation matrix."""
    r = np.asarray(correlation, dtype=float)
    k = r.shape[0]
    try:
        h2 = 1.0 - 1.0 / np.diag(np.linalg.inv(r))
    except np.linalg.LinAlgError:
        h2 = np.max(np.abs(r - np.eye(k)), axis=0)
    h2 = np.clip(h2, 0.005, 0.995)
    loadings = np.sqrt(h2)
    for _ in range(max_iter):
        reduced = r.copy()
        np.fill_diagonal(reduced, h2)
        values, vectors = np.linalg.eigh(reduced)
        top = max(float(values[-1]), 0.0)
        loadings = vectors[:, -1] * np.sqrt(top)
        new_h2 = np.clip(loadings**2, 0.0, 0.995)
        if np.max(np.abs(new_h2 - h2)) < tol:
            h2 = new_h2
            break
        h2 = new_h2
    if loadings.sum() < 0:
        loadings = -loadings
    return np.asarray(np.sign(loadings) * np.sqrt(h2), dtype=float)


def mcdonald_omega(items: ArrayLike, missing: Missing = "pairwise") -> float:
    """McDonald's omega total from a one-factor model (see the module docstring)."""
    r = _correlation(item_covariance(items, missing))
    lam = one_factor_loadings(r)
    common = float(lam.sum()) ** 2
    unique = float(np.sum(1.0 - lam**2))
    return common / (common + unique)


@dataclass(frozen=True)
class ScaleReliability:
    """Reliability figures for one scale."""

    n_items: int
    n_responses: int
    n_complete: int
    alpha: float
    standardized_alpha: float
    omega_total: float
    mean_inter_item_r: float
    missing: str


def scale_reliability(items: ArrayLike, missing: Missing = "pairwise") -> ScaleReliability:
    """Alpha, standardized alpha, omega total and mean inter-item correlation for one scale."""
    x = _matrix(items)
    cov = item_covariance(x, missing)
    r = _correlation(cov)
    k = r.shape[0]
    rbar = (float(r.sum()) - k) / (k * (k - 1))
    lam = one_factor_loadings(r)
    common = float(lam.sum()) ** 2
    return ScaleReliability(
        n_items=k,
        n_responses=int(x.shape[0]),
        n_complete=int((~np.isnan(x).any(axis=1)).sum()),
        alpha=alpha_from_covariance(cov),
        standardized_alpha=_alpha_from_mean_r(rbar, k),
        omega_total=common / (common + float(np.sum(1.0 - lam**2))),
        mean_inter_item_r=rbar,
        missing=missing,
    )


def scale_reliabilities(
    instrument: Instrument, responses: Responses, missing: Missing = "pairwise"
) -> dict[str, ScaleReliability | None]:
    """:func:`scale_reliability` for every scale with 2+ items (``None`` where undefined)."""
    out: dict[str, ScaleReliability | None] = {}
    for scale in instrument.scales:
        if len(scale.items) < 2:
            out[scale.id] = None
            continue
        try:
            out[scale.id] = scale_reliability(keyed_items(instrument, scale, responses), missing)
        except ValueError:
            out[scale.id] = None  # too few answers, or an item nobody varied on
    return out
