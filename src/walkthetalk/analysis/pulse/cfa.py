"""Confirmatory factor analysis by maximum likelihood, one group or several (measurement
invariance).

A model names each factor's indicators (columns of the data); the first indicator of each factor
is its marker (loading fixed to 1), factors covary freely, residuals are uncorrelated. The fit
minimises the normal-theory discrepancy, per group g with sample covariance S_g (divided by n_g,
not n_g − 1) and means m_g::

    F_g = log|Σ_g| + tr(S_g Σ_g⁻¹) − log|S_g| − p + (m_g − μ_g)' Σ_g⁻¹ (m_g − μ_g)
    Σ_g = Λ_g Φ_g Λ_g' + Θ_g,   μ_g = ν_g + Λ_g α_g

and χ² = Σ_g n_g F_g. These are the conventions of lavaan's default ML estimator
(``likelihood = "normal"``): one group without a mean structure; several groups with intercepts
ν and (where intercepts are held equal) factor means α free in every group but the first.

The invariance ladder (:func:`invariance_ladder`) fits three nested models across groups:

- ``configural`` — the same pattern of loadings, every parameter free in each group;
- ``metric`` — loadings equal across groups;
- ``scalar`` — loadings and intercepts equal (factor means free beyond the first group).

Each fit reports χ², df, CFI, TLI, RMSEA and SRMR; the ladder reports Δχ², Δdf, its p-value and
ΔCFI between neighbouring steps. Group means may be compared only when scalar invariance holds;
the usual screen (Chen 2007, Cheung & Rensvold 2002) is ΔCFI ≥ −0.01 from metric to scalar.

Rows with any missing indicator are dropped (listwise), per group.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import optimize, stats

from .grouping import as_labels

FloatArray = NDArray[np.float64]
Factors = Mapping[str, Sequence[int]]
"""Factor name → column indices of its indicators (the first is the marker)."""

STEPS = ("configural", "metric", "scalar")
DELTA_CFI_LIMIT = -0.01


class CFAError(ValueError):
    """A model that cannot be fitted to these data (too few rows, a factor with no items, ...)."""


@dataclass(frozen=True)
class CFAFit:
    """One fitted model (one group or several)."""

    step: str
    n: tuple[int, ...]
    chisq: float
    df: int
    pvalue: float
    cfi: float
    tli: float
    rmsea: float
    srmr: float
    baseline_chisq: float
    baseline_df: int
    loadings: tuple[FloatArray, ...]
    std_loadings: tuple[FloatArray, ...]
    factor_cov: tuple[FloatArray, ...]
    residual_var: tuple[FloatArray, ...]
    intercepts: tuple[FloatArray, ...] | None
    factor_means: tuple[FloatArray, ...] | None
    converged: bool

    @property
    def n_total(self) -> int:
        return int(sum(self.n))


@dataclass(frozen=True)
class StepChange:
    """From one step of the ladder to the next (the second more constrained)."""

    from_step: str
    to_step: str
    delta_chisq: float
    delta_df: int
    pvalue: float
    delta_cfi: float
    delta_rmsea: float


@dataclass(frozen=True)
class InvarianceLadder:
    """Configural, metric and scalar fits across groups and the changes between them."""

    groups: tuple[Hashable, ...]
    fits: tuple[CFAFit, ...]
    changes: tuple[StepChange, ...]

    def fit(self, step: str) -> CFAFit:
        for f in self.fits:
            if f.step == step:
                return f
        raise KeyError(step)

    @property
    def metric_holds(self) -> bool:
        """Equal loadings fit about as well as free ones (ΔCFI ≥ −0.01)."""
        return self.changes[0].delta_cfi >= DELTA_CFI_LIMIT

    @property
    def scalar_holds(self) -> bool:
        """Means are comparable: both steps keep ΔCFI ≥ −0.01."""
        return self.metric_holds and self.changes[1].delta_cfi >= DELTA_CFI_LIMIT


# --------------------------------------------------------------------------- parameter layout


@dataclass
class _Layout:
    """Where each matrix entry of each group reads its value in the parameter vector.

    Index ≥ 0: a free parameter; -1: fixed at 0; -2: fixed at 1 (a marker loading).
    """

    lam: list[NDArray[np.int64]]
    phi: list[NDArray[np.int64]]
    theta: list[NDArray[np.int64]]
    nu: list[NDArray[np.int64]] | None
    alpha: list[NDArray[np.int64]] | None
    n_par: int


def _layout(
    p: int, factors: list[list[int]], n_groups: int, *, means: bool, equal: set[str]
) -> _Layout:
    k = len(factors)
    counter = 0

    def take(shape: tuple[int, ...]) -> NDArray[np.int64]:
        nonlocal counter
        size = int(np.prod(shape))
        out = np.arange(counter, counter + size, dtype=np.int64).reshape(shape)
        counter += size
        return out

    def loadings() -> NDArray[np.int64]:
        idx = np.full((p, k), -1, dtype=np.int64)
        for j, cols in enumerate(factors):
            idx[cols[0], j] = -2
            for c in cols[1:]:
                idx[c, j] = take(())
        return idx

    shared_lam = loadings() if "loadings" in equal else None
    shared_nu = take((p,)) if means and "intercepts" in equal else None
    lam, phi, theta, nu, alpha = [], [], [], [], []
    tri = np.tril_indices(k)
    for g in range(n_groups):
        lam.append(shared_lam if shared_lam is not None else loadings())
        ph = np.empty((k, k), dtype=np.int64)
        free = take((len(tri[0]),))
        ph[tri] = free
        ph[(tri[1], tri[0])] = free
        phi.append(ph)
        theta.append(take((p,)))
        if means:
            nu.append(shared_nu if shared_nu is not None else take((p,)))
            alpha.append(
                take((k,)) if shared_nu is not None and g > 0 else np.full(k, -1, dtype=np.int64)
            )
    return _Layout(lam, phi, theta, nu if means else None, alpha if means else None, counter)


def _fill(idx: NDArray[np.int64], x: FloatArray) -> FloatArray:
    out = np.where(idx >= 0, x[np.clip(idx, 0, None)], 0.0)
    return np.where(idx == -2, 1.0, out)


def _scatter(grad: FloatArray, idx: NDArray[np.int64], values: FloatArray) -> None:
    mask = idx >= 0
    np.add.at(grad, idx[mask], values[mask])


# --------------------------------------------------------------------------- fitting


@dataclass
class _Group:
    n: int
    s: FloatArray
    m: FloatArray
    logdet_s: float


def _objective(
    x: FloatArray, lay: _Layout, groups: list[_Group], weights: FloatArray
) -> tuple[float, FloatArray]:
    total = 0.0
    grad = np.zeros_like(x)
    p = groups[0].s.shape[0]
    for g, (grp, w) in enumerate(zip(groups, weights, strict=True)):
        lam = _fill(lay.lam[g], x)
        phi = _fill(lay.phi[g], x)
        theta = _fill(lay.theta[g], x)
        sigma = lam @ phi @ lam.T + np.diag(theta)
        try:
            chol = np.linalg.cholesky(sigma)
        except np.linalg.LinAlgError:
            return np.inf, np.zeros_like(x)  # not a covariance matrix: the line search backs off
        logdet = 2.0 * float(np.sum(np.log(np.diag(chol))))
        inv = np.linalg.inv(sigma)
        s_eff = grp.s
        h = None
        if lay.nu is not None and lay.alpha is not None:
            nu = _fill(lay.nu[g], x)
            alpha = _fill(lay.alpha[g], x)
            d = grp.m - (nu + lam @ alpha)
            s_eff = grp.s + np.outer(d, d)
            h = -2.0 * inv @ d
        f = logdet + float(np.trace(grp.s @ inv)) - grp.logdet_s - p
        if h is not None:
            f += float(d @ inv @ d)
        total += w * f
        gs = inv - inv @ s_eff @ inv
        d_lam = 2.0 * gs @ lam @ phi
        if h is not None and lay.nu is not None and lay.alpha is not None:
            d_lam = d_lam + np.outer(h, alpha)
            _scatter(grad, lay.nu[g], w * h)
            _scatter(grad, lay.alpha[g], w * (lam.T @ h))
        _scatter(grad, lay.lam[g], w * d_lam)
        _scatter(grad, lay.phi[g], w * (lam.T @ gs @ lam))
        _scatter(grad, lay.theta[g], w * np.diag(gs))
    return total, grad


def _start(lay: _Layout, groups: list[_Group], factors: list[list[int]]) -> FloatArray:
    x = np.zeros(lay.n_par)
    for g, grp in enumerate(groups):
        lam_idx = lay.lam[g]
        for j, cols in enumerate(factors):
            marker_var = grp.s[cols[0], cols[0]]
            for c in cols[1:]:
                i = lam_idx[c, j]
                if i >= 0:
                    # ratio of covariances with the marker: a consistent one-factor start
                    x[i] = grp.s[c, cols[0]] / (0.5 * marker_var) if marker_var > 0 else 1.0
            ph = lay.phi[g][j, j]
            x[ph] = 0.5 * marker_var
        x[lay.theta[g]] = 0.5 * np.diag(grp.s)
        if lay.nu is not None:
            x[lay.nu[g]] = grp.m
    return x


def _prepare(
    data: ArrayLike, factors: Factors, groups: ArrayLike | Sequence[Hashable] | None
) -> tuple[list[list[int]], list[Hashable], list[_Group]]:
    x = np.asarray(data, dtype=float)
    if x.ndim != 2:
        raise CFAError("the data must be a rows × indicators matrix")
    cols = [list(map(int, v)) for v in factors.values()]
    if not cols or any(len(c) < 2 for c in cols):
        raise CFAError("each factor needs at least 2 indicators")
    used = sorted({c for cs in cols for c in cs})
    if sum(len(c) for c in cols) != len(used):
        raise CFAError("an indicator may load on one factor only")
    if used[-1] >= x.shape[1] or used[0] < 0:
        raise CFAError("an indicator index is outside the data's columns")
    remap = {c: i for i, c in enumerate(used)}
    x = x[:, used]
    cols = [[remap[c] for c in cs] for cs in cols]
    labels: list[Hashable] = as_labels(groups) if groups is not None else [0] * x.shape[0]
    if len(labels) != x.shape[0]:
        raise CFAError(f"{len(labels)} group labels but {x.shape[0]} rows")
    names = list(dict.fromkeys(labels))
    out = []
    p = x.shape[1]
    for name in names:
        rows = x[[i for i, lab in enumerate(labels) if lab == name]]
        rows = rows[~np.isnan(rows).any(axis=1)]
        if rows.shape[0] <= p:
            raise CFAError(f"group {name!r} has {rows.shape[0]} complete rows; needs more than {p}")
        m = rows.mean(axis=0)
        s = np.cov(rows, rowvar=False, bias=True)
        sign, logdet = np.linalg.slogdet(s)
        if sign <= 0:
            raise CFAError(f"group {name!r}: the indicators' covariance matrix is singular")
        out.append(_Group(rows.shape[0], s, m, float(logdet)))
    return cols, names, out


def _srmr(groups: list[_Group], sigmas: list[FloatArray], mus: list[FloatArray] | None) -> float:
    """Bentler's SRMR per group (residuals scaled by observed SDs), weighted by group size."""
    total = sum(g.n for g in groups)
    value = 0.0
    for i, grp in enumerate(groups):
        sd = np.sqrt(np.diag(grp.s))
        res = (grp.s - sigmas[i]) / np.outer(sd, sd)
        tri = np.tril_indices(res.shape[0])
        sq = list(res[tri] ** 2)
        if mus is not None:
            sq.extend(((grp.m - mus[i]) / sd) ** 2)
        value += grp.n / total * float(np.sqrt(np.mean(sq)))
    return value


def fit_cfa(
    data: ArrayLike,
    factors: Factors,
    *,
    groups: ArrayLike | Sequence[Hashable] | None = None,
    equal: Sequence[str] = (),
) -> CFAFit:
    """Fit a CFA by ML; ``equal`` ⊂ {"loadings", "intercepts"} holds those equal across groups.

    With one group there is no mean structure (it adds nothing to the fit); with several, means
    are modelled as in lavaan's multi-group default (see the module docstring).
    """
    equal_set = set(equal)
    if not equal_set <= {"loadings", "intercepts"}:
        raise CFAError(f"can only hold loadings and intercepts equal, not {sorted(equal_set)}")
    cols, _names, grps = _prepare(data, factors, groups)
    multi = len(grps) > 1
    if "intercepts" in equal_set and "loadings" not in equal_set:
        raise CFAError("equal intercepts need equal loadings too (scalar invariance)")
    p, k = grps[0].s.shape[0], len(cols)
    lay = _layout(p, cols, len(grps), means=multi, equal=equal_set)
    n_total = sum(g.n for g in grps)
    weights = np.array([g.n / n_total for g in grps])
    x0 = _start(lay, grps, cols)
    res = optimize.minimize(
        _objective,
        x0,
        args=(lay, grps, weights),
        jac=True,
        method="BFGS",
        options={"gtol": 1e-9, "maxiter": 20_000},
    )
    x = res.x
    # a few Newton-free polishing restarts from the optimum tighten the last decimals
    for _ in range(3):
        again = optimize.minimize(
            _objective,
            x,
            args=(lay, grps, weights),
            jac=True,
            method="L-BFGS-B",
            options={"ftol": 1e-16, "gtol": 1e-12, "maxiter": 20_000},
        )
        if again.fun <= res.fun + 1e-14:
            x, res = again.x, again
    fmin = float(res.fun)
    chisq = n_total * fmin
    moments = p * (p + 1) // 2 + (p if multi else 0)
    df = len(grps) * moments - lay.n_par
    base = sum(g.n * (float(np.sum(np.log(np.diag(g.s)))) - g.logdet_s) for g in grps)
    base_df = len(grps) * p * (p - 1) // 2
    lams = [_fill(lay.lam[g], x) for g in range(len(grps))]
    phis = [_fill(lay.phi[g], x) for g in range(len(grps))]
    thetas = [_fill(lay.theta[g], x) for g in range(len(grps))]
    sigmas = [lams[g] @ phis[g] @ lams[g].T + np.diag(thetas[g]) for g in range(len(grps))]
    nus = alphas = mus = None
    if lay.nu is not None and lay.alpha is not None:
        nus = [_fill(lay.nu[g], x) for g in range(len(grps))]
        alphas = [_fill(lay.alpha[g], x) for g in range(len(grps))]
        mus = [nus[g] + lams[g] @ alphas[g] for g in range(len(grps))]
    std = [
        lams[g] * np.sqrt(np.diag(phis[g]))[None, :] / np.sqrt(np.diag(sigmas[g]))[:, None]
        for g in range(len(grps))
    ]
    t1 = max(chisq - df, 0.0)
    t2 = max(chisq - df, base - base_df, 0.0)
    cfi = 1.0 - t1 / t2 if t2 > 0 else 1.0
    tli = (
        (base / base_df - chisq / df) / (base / base_df - 1.0)
        if df > 0 and base_df > 0 and base / base_df != 1.0
        else float("nan")
    )
    rmsea = (
        float(np.sqrt(max(chisq - df, 0.0) / (df * n_total)) * np.sqrt(len(grps)))
        if df > 0
        else 0.0
    )
    step = (
        "scalar"
        if "intercepts" in equal_set
        else "metric"
        if "loadings" in equal_set
        else "configural"
    )
    del k
    return CFAFit(
        step=step,
        n=tuple(g.n for g in grps),
        chisq=float(chisq),
        df=int(df),
        pvalue=float(stats.chi2.sf(chisq, df)) if df > 0 else float("nan"),
        cfi=float(cfi),
        tli=float(tli),
        rmsea=rmsea,
        srmr=_srmr(grps, sigmas, mus),
        baseline_chisq=float(base),
        baseline_df=int(base_df),
        loadings=tuple(lams),
        std_loadings=tuple(std),
        factor_cov=tuple(phis),
        residual_var=tuple(thetas),
        intercepts=tuple(nus) if nus is not None else None,
        factor_means=tuple(alphas) if alphas is not None else None,
        converged=bool(res.success) or float(np.max(np.abs(res.jac))) < 1e-6,
    )


def compare_fits(looser: CFAFit, tighter: CFAFit) -> StepChange:
    """Likelihood-ratio difference and ΔCFI from ``looser`` to the nested ``tighter`` model."""
    d_chi = tighter.chisq - looser.chisq
    d_df = tighter.df - looser.df
    return StepChange(
        from_step=looser.step,
        to_step=tighter.step,
        delta_chisq=float(d_chi),
        delta_df=int(d_df),
        pvalue=float(stats.chi2.sf(max(d_chi, 0.0), d_df)) if d_df > 0 else float("nan"),
        delta_cfi=float(tighter.cfi - looser.cfi),
        delta_rmsea=float(tighter.rmsea - looser.rmsea),
    )


def invariance_ladder(
    data: ArrayLike, factors: Factors, groups: ArrayLike | Sequence[Hashable]
) -> InvarianceLadder:
    """Configural → metric → scalar fits across ``groups`` (at least two)."""
    labels = as_labels(groups)
    names = tuple(dict.fromkeys(labels))
    if len(names) < 2:
        raise CFAError("measurement invariance needs at least two groups")
    fits = (
        fit_cfa(data, factors, groups=labels),
        fit_cfa(data, factors, groups=labels, equal=("loadings",)),
        fit_cfa(data, factors, groups=labels, equal=("loadings", "intercepts")),
    )
    changes = (compare_fits(fits[0], fits[1]), compare_fits(fits[1], fits[2]))
    return InvarianceLadder(names, fits, changes)
