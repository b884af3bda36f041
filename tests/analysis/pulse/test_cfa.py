"""Multi-group CFA by ML against lavaan 0.6 on Holzinger & Swineford (1939), plus properties."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from walkthetalk.analysis.pulse import CFAError, fit_cfa, invariance_ladder

from .conftest import DATA

HS_MODEL = {"visual": [0, 1, 2], "textual": [3, 4, 5], "speed": [6, 7, 8]}


@pytest.fixture(scope="module")
def holzinger() -> tuple[np.ndarray, list[str]]:
    path = DATA / "lavaan" / "HolzingerSwineford1939.csv"
    if not path.exists():
        pytest.fail(f"reference data missing: {path} (see tests/data/README.md)")
    with path.open(newline="") as f:
        rows = list(csv.DictReader(f))
    x = np.array([[float(r[f"x{i}"]) for i in range(1, 10)] for r in rows])
    return x, [r["school"] for r in rows]


def test_one_group_fit_matches_lavaan(holzinger: tuple[np.ndarray, list[str]]) -> None:
    x, _ = holzinger
    fit = fit_cfa(x, HS_MODEL)
    assert fit.converged
    assert fit.chisq == pytest.approx(85.306, abs=5e-4)
    assert fit.df == 24
    assert fit.cfi == pytest.approx(0.931, abs=5e-4)
    assert fit.tli == pytest.approx(0.896, abs=5e-4)
    assert fit.rmsea == pytest.approx(0.092, abs=5e-4)
    assert fit.srmr == pytest.approx(0.065, abs=5e-4)


def test_one_group_standardized_loadings_match_lavaan(
    holzinger: tuple[np.ndarray, list[str]],
) -> None:
    x, _ = holzinger
    std = fit_cfa(x, HS_MODEL).std_loadings[0].sum(axis=1)
    expected = [0.7719, 0.4236, 0.5811, 0.8516, 0.8551, 0.8380, 0.5695, 0.7230, 0.6650]
    np.testing.assert_allclose(std, expected, atol=5e-4)


def test_invariance_ladder_by_school_matches_lavaan(
    holzinger: tuple[np.ndarray, list[str]],
) -> None:
    x, school = holzinger
    ladder = invariance_ladder(x, HS_MODEL, school)
    assert ladder.groups == ("Pasteur", "Grant-White")
    configural, metric, scalar = ladder.fits
    assert (configural.chisq, configural.df) == (pytest.approx(115.851, abs=5e-4), 48)
    assert (metric.chisq, metric.df) == (pytest.approx(124.044, abs=5e-4), 54)
    assert (scalar.chisq, scalar.df) == (pytest.approx(164.103, abs=5e-4), 60)
    weak, strong = ladder.changes
    assert weak.delta_chisq == pytest.approx(8.192, abs=5e-4)
    assert weak.delta_df == 6
    assert weak.pvalue == pytest.approx(0.2244, abs=5e-5)
    assert strong.delta_chisq == pytest.approx(40.059, abs=5e-4)
    assert strong.pvalue == pytest.approx(4.4e-07, rel=0.02)
    # equal loadings hold; equal intercepts do not (ΔCFI well below −.01): means not comparable
    assert ladder.metric_holds
    assert strong.delta_cfi < -0.01
    assert not ladder.scalar_holds


def test_configural_chi_square_is_the_sum_of_separate_group_fits(
    holzinger: tuple[np.ndarray, list[str]],
) -> None:
    x, school = holzinger
    labels = np.array(school)
    separate = sum(fit_cfa(x[labels == s], HS_MODEL).chisq for s in ("Pasteur", "Grant-White"))
    assert fit_cfa(x, HS_MODEL, groups=school).chisq == pytest.approx(separate, abs=1e-4)


def test_bad_models_are_refused_with_a_clear_error() -> None:
    x = np.random.default_rng(0).normal(size=(50, 4))
    with pytest.raises(CFAError, match="at least 2 indicators"):
        fit_cfa(x, {"f": [0]})
    with pytest.raises(CFAError, match="one factor only"):
        fit_cfa(x, {"f": [0, 1], "g": [1, 2]})
    with pytest.raises(CFAError, match="outside"):
        fit_cfa(x, {"f": [0, 7]})
    with pytest.raises(CFAError, match="complete rows"):
        fit_cfa(x[:3], {"f": [0, 1, 2, 3]})
    with pytest.raises(CFAError, match="at least two groups"):
        invariance_ladder(x, {"f": [0, 1, 2, 3]}, ["a"] * 50)
    with pytest.raises(CFAError, match="equal loadings too"):
        fit_cfa(x, {"f": [0, 1, 2, 3]}, groups=["a", "b"] * 25, equal=("intercepts",))


def _one_factor(seed: int, n: int, shift: float = 0.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    eta = rng.normal(size=(n, 1))
    lam = np.array([[1.0, 0.8, 0.7, 0.9]])
    return eta @ lam + rng.normal(scale=0.6, size=(n, 4)) + shift


FEW = settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FEW
@given(st.integers(0, 10_000), st.floats(0.2, 5.0), st.floats(-3.0, 3.0))
def test_fit_is_invariant_to_rescaling_an_indicator(seed: int, scale: float, shift: float) -> None:
    x = _one_factor(seed, 120)
    y = x.copy()
    y[:, 2] = y[:, 2] * scale + shift
    a, b = fit_cfa(x, {"f": [0, 1, 2, 3]}), fit_cfa(y, {"f": [0, 1, 2, 3]})
    assert b.chisq == pytest.approx(a.chisq, abs=1e-4)
    np.testing.assert_allclose(b.std_loadings[0], a.std_loadings[0], atol=1e-4)


@FEW
@given(st.integers(0, 10_000), st.floats(-1.0, 1.0))
def test_ladder_is_nested_and_df_grow_by_the_constraints(seed: int, shift: float) -> None:
    x = np.vstack([_one_factor(seed, 90), _one_factor(seed + 1, 110, shift)])
    groups = ["a"] * 90 + ["b"] * 110
    ladder = invariance_ladder(x, {"f": [0, 1, 2, 3]}, groups)
    c, m, s = ladder.fits
    assert 0 <= c.chisq <= m.chisq + 1e-6 <= s.chisq + 2e-6
    # 3 free loadings, then 4 intercepts less 1 factor mean, held equal in the second group
    assert (c.df, m.df, s.df) == (4, 7, 10)
    assert all(0.0 <= f.cfi <= 1.0 and f.rmsea >= 0 and f.srmr >= 0 for f in ladder.fits)


@FEW
@given(st.integers(0, 10_000), st.lists(st.floats(-2.0, 2.0), min_size=4, max_size=4))
def test_shifting_one_groups_answers_changes_only_the_scalar_fit(
    seed: int, shift: list[float]
) -> None:
    x = np.vstack([_one_factor(seed, 100), _one_factor(seed + 1, 100)])
    groups = ["a"] * 100 + ["b"] * 100
    moved = x.copy()
    moved[100:] += np.array(shift)
    before, after = (invariance_ladder(v, {"f": [0, 1, 2, 3]}, groups) for v in (x, moved))
    for step in ("configural", "metric"):
        assert after.fit(step).chisq == pytest.approx(before.fit(step).chisq, abs=1e-4)
    assert after.fit("scalar").chisq >= after.fit("metric").chisq - 1e-6
