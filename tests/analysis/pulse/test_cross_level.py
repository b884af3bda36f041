"""The cross-level (unit tree) random-intercept slope."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from walkthetalk.analysis.pulse import cross_level_slope
from walkthetalk.analysis.pulse.cross_level import random_intercept_reml


def programs(seed: int, n_units: int, slope: float) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    climate = rng.normal(size=n_units)
    upper_units = np.repeat(np.arange(n_units), 4)
    upper = climate[upper_units] + rng.normal(0, 0.3, upper_units.size)
    lower_units = np.repeat(np.arange(n_units), 15)
    lower = (
        3.0
        + slope * climate[lower_units]
        + rng.normal(0, 0.3, n_units)[lower_units]
        + rng.normal(0, 0.8, lower_units.size)
    )
    return upper, upper_units, lower, lower_units


def test_a_planted_slope_falls_inside_its_interval() -> None:
    est = cross_level_slope(*programs(0, 40, 0.6))
    assert est is not None
    assert est.n_units == 40 and est.n_lower == 600 and est.n_upper == 160
    assert est.ci_low < 0.6 < est.ci_high
    assert est.interval_excludes_zero
    assert 0 <= est.between_unit_share < 1


def test_too_few_units_give_no_estimate() -> None:
    assert cross_level_slope(*programs(0, 9, 0.6)) is None
    assert cross_level_slope(*programs(0, 9, 0.6), min_units=5) is not None


def test_units_missing_one_level_are_left_out() -> None:
    upper, uu, lower, lu = programs(1, 12, 0.5)
    keep = uu != 0  # unit 0 has no upper level answers
    est = cross_level_slope(upper[keep], uu[keep], lower, lu)
    assert est is not None and est.n_units == 11 and est.n_lower == 11 * 15


def test_labels_must_match_scores() -> None:
    upper, uu, lower, lu = programs(1, 12, 0.5)
    with pytest.raises(ValueError, match="one unit label"):
        cross_level_slope(upper, uu[:-1], lower, lu)


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10_000), st.floats(0.2, 4.0), st.floats(-2.0, 2.0))
def test_the_slope_follows_the_units_of_the_upper_scores(
    seed: int, scale: float, shift: float
) -> None:
    upper, uu, lower, lu = programs(seed, 15, 0.4)
    a = cross_level_slope(upper, uu, lower, lu)
    b = cross_level_slope(upper * scale + shift, uu, lower, lu)
    assert a is not None and b is not None
    assert b.slope == pytest.approx(a.slope / scale, rel=1e-3, abs=1e-4)
    assert a.ci_low <= a.slope <= a.ci_high


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_reml_fit_matches_statsmodels_mixedlm(seed: int) -> None:
    from statsmodels.regression.mixed_linear_model import MixedLM, MixedLMParams

    rng = np.random.default_rng(seed)
    groups = np.repeat(np.arange(25), rng.integers(3, 12, size=25))
    x = np.column_stack([np.ones(groups.size), rng.normal(size=25)[groups]])
    y = x @ [2.0, 0.5] + rng.normal(0, 0.6, 25)[groups] + rng.normal(0, 1.0, groups.size)
    beta, cov, tau2, sigma2 = random_intercept_reml(y, x, groups)
    model = MixedLM(y, x, groups=groups)
    # statsmodels' gradient paths can stop short on these models; Powell reaches the optimum
    ref = model.fit(reml=True, method=["powell"], maxiter=4000)
    ours = MixedLMParams.from_components(fe_params=beta, cov_re=np.array([[tau2 / sigma2]]))
    assert model.loglike(ours, profile_fe=False) >= ref.llf - 1e-7
    np.testing.assert_allclose(beta, ref.fe_params, atol=1e-4)
    assert tau2 == pytest.approx(float(np.asarray(ref.cov_re)[0, 0]), rel=1e-3)
    assert sigma2 == pytest.approx(ref.scale, rel=1e-3)
    # our SEs are (X'V⁻¹X)⁻¹ as in nlme/lme4; statsmodels inverts the full information matrix,
    # which differs slightly with unequal group sizes
    np.testing.assert_allclose(np.sqrt(np.diag(cov)), ref.bse_fe, rtol=5e-3)


def statsmodels_slope(
    upper: np.ndarray, upper_units: np.ndarray, lower: np.ndarray, lower_units: np.ndarray
) -> tuple[float, float, float, float]:
    """The same cross-level model fitted by statsmodels: (slope, SE, τ², σ²).

    Built independently of our code: each unit's upper-level mean, centred over the units that
    hold both levels, as the one predictor of the lower level's answers, unit random intercept.
    """
    from statsmodels.regression.mixed_linear_model import MixedLM

    means = {u: float(np.mean(upper[upper_units == u])) for u in np.unique(upper_units)}
    keep = np.array([u in means for u in lower_units])
    units = lower_units[keep]
    shown = np.unique(units)
    centre = float(np.mean([means[u] for u in shown]))
    x = np.array([means[u] - centre for u in units])
    model = MixedLM(lower[keep], np.column_stack([np.ones_like(x), x]), groups=units)
    ref = model.fit(reml=True, method=["powell"], maxiter=4000)
    return (
        float(ref.fe_params[1]),
        float(ref.bse_fe[1]),
        float(np.asarray(ref.cov_re)[0, 0]),
        float(ref.scale),
    )


def test_cross_level_slope_matches_statsmodels_on_real_groups(
    bh1996: dict[str, np.ndarray],
) -> None:
    """Bliese & Halverson's soldiers (99 companies, tests/data/multilevel): half of each
    company rates leadership (the "upper" answers), the other half reports well-being (the
    "lower" answers); our REML slope and interval against statsmodels' MixedLM on the same
    split."""
    groups = bh1996["GRP"].astype(int)
    order = np.arange(groups.size)
    first_half = np.zeros(groups.size, dtype=bool)
    for g in np.unique(groups):
        rows = order[groups == g]
        first_half[rows[: rows.size // 2]] = True
    upper, uu = bh1996["LEAD"][first_half], groups[first_half]
    lower, lu = bh1996["WBEING"][~first_half], groups[~first_half]
    est = cross_level_slope(upper, uu, lower, lu)
    assert est is not None and est.n_units == 99
    slope, se, tau2, sigma2 = statsmodels_slope(upper, uu, lower, lu)
    assert est.slope == pytest.approx(slope, abs=1e-4)
    assert est.se == pytest.approx(se, rel=5e-3)
    assert est.between_unit_share == pytest.approx(tau2 / (tau2 + sigma2), abs=1e-3)
    assert est.slope > 0 and est.interval_excludes_zero  # better-led companies, better well-being


@pytest.mark.parametrize(("seed", "n_units", "slope"), [(3, 12, 0.0), (4, 30, 0.5), (5, 60, -0.3)])
def test_cross_level_slope_matches_statsmodels_on_simulated_programs(
    seed: int, n_units: int, slope: float
) -> None:
    upper, uu, lower, lu = programs(seed, n_units, slope)
    est = cross_level_slope(upper, uu, lower, lu)
    assert est is not None and est.n_units == n_units
    ref_slope, ref_se, tau2, sigma2 = statsmodels_slope(upper, uu, lower, lu)
    assert est.slope == pytest.approx(ref_slope, abs=1e-4)
    assert est.se == pytest.approx(ref_se, rel=5e-3)
    assert est.between_unit_share == pytest.approx(tau2 / (tau2 + sigma2), abs=1e-3)
