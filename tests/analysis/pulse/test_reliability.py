"""Scale reliability: alpha's invariances and bound, omega against standardized alpha and a
known population value (hypothesis properties plus small exact checks)."""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from walkthetalk.analysis.pulse import (
    cronbach_alpha,
    mcdonald_omega,
    standardized_alpha,
)
from walkthetalk.analysis.pulse.reliability import alpha_from_covariance, one_factor_loadings

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

likert = arrays(
    np.float64,
    st.tuples(st.integers(5, 25), st.integers(2, 6)),
    elements=st.sampled_from([1.0, 2.0, 3.0, 4.0, 5.0]),
)


def _has_variance(x: np.ndarray) -> bool:
    return bool(np.all(x.std(axis=0) > 0))


@FAST
@given(likert, st.randoms(use_true_random=False))
def test_alpha_is_invariant_to_item_order(x: np.ndarray, rnd: random.Random) -> None:
    assume(_has_variance(x))
    order = list(range(x.shape[1]))
    rnd.shuffle(order)
    a, b = cronbach_alpha(x), cronbach_alpha(x[:, order])
    assert a == pytest.approx(b, abs=1e-9) or (np.isnan(a) and np.isnan(b))
    sa, sb = standardized_alpha(x), standardized_alpha(x[:, order])
    assert sa == pytest.approx(sb, abs=1e-9) or (np.isnan(sa) and np.isnan(sb))


@FAST
@given(likert, st.floats(0.5, 3.0), st.floats(-2, 2))
def test_alpha_is_invariant_to_linear_rescaling(x: np.ndarray, a: float, b: float) -> None:
    assume(_has_variance(x))
    assume(x.sum(axis=1).std() > 1e-9)  # alpha is undefined (nan) when the total never varies
    assert cronbach_alpha(x) == pytest.approx(cronbach_alpha(a * x + b), rel=1e-7, abs=1e-9)


@FAST
@given(likert)
def test_alpha_is_at_most_one(x: np.ndarray) -> None:
    assume(_has_variance(x))
    assume(x.sum(axis=1).std() > 1e-9)  # alpha is undefined when the total score never varies
    assert cronbach_alpha(x) <= 1.0 + 1e-12


@FAST
@given(st.integers(3, 8), st.floats(0.2, 0.9))
def test_omega_equals_standardized_alpha_for_equal_loadings(k: int, loading: float) -> None:
    r = np.full((k, k), loading**2)
    np.fill_diagonal(r, 1.0)
    lam = one_factor_loadings(r)
    np.testing.assert_allclose(lam, loading, atol=1e-5)
    rbar = loading**2
    std_alpha = k * rbar / (1 + (k - 1) * rbar)
    omega = float(lam.sum()) ** 2 / (float(lam.sum()) ** 2 + float(np.sum(1 - lam**2)))
    assert omega == pytest.approx(std_alpha, abs=1e-6)
    assert alpha_from_covariance(r) == pytest.approx(std_alpha, abs=1e-12)


def test_omega_recovers_congeneric_population_value() -> None:
    rng = np.random.default_rng(7)
    lam = np.array([0.8, 0.7, 0.6, 0.5, 0.4])
    f = rng.normal(size=20000)
    x = f[:, None] * lam + rng.normal(size=(20000, 5)) * np.sqrt(1 - lam**2)
    true_omega = lam.sum() ** 2 / (lam.sum() ** 2 + np.sum(1 - lam**2))
    assert mcdonald_omega(x) == pytest.approx(true_omega, abs=0.01)
    assert mcdonald_omega(x) > cronbach_alpha(x)  # alpha is a lower bound for congeneric items
