"""Unit estimates with their uncertainty, shrunk toward the parent level."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from walkthetalk.analysis.pulse import (
    unit_estimates,
)


def test_unit_estimates_shrink_small_units_more() -> None:
    rng = np.random.default_rng(1)
    units = np.array(["small"] * 5 + ["big"] * 60 + ["other"] * 40)
    y = np.concatenate([rng.normal(4.5, 1, 5), rng.normal(3.0, 1, 60), rng.normal(3.5, 1, 40)])
    est = {e.unit: e for e in unit_estimates(y, units, parent_mean=3.2, icc_1=0.1)}
    small, big = est["small"], est["big"]
    assert small.n == 5 and big.n == 60
    assert small.reliability == pytest.approx(5 * 0.1 / (1 + 4 * 0.1))
    assert small.reliability < big.reliability
    for e in (small, big):
        lo, hi = sorted((e.mean, e.parent_mean))
        assert lo <= e.shrunken_mean <= hi
        assert e.ci_low < e.mean < e.ci_high
        assert e.se == pytest.approx(e.sd / np.sqrt(e.n))
    assert abs(small.shrunken_mean - small.mean) > abs(big.shrunken_mean - big.mean)


def test_unit_estimates_parent_per_unit_and_estimated_icc() -> None:
    units = ["a"] * 6 + ["b"] * 6
    y = [1, 2, 2, 3, 2, 2, 4, 5, 4, 4, 5, 4]
    est = unit_estimates(y, units, parent_mean={"a": 2.0, "b": 4.0})
    assert [e.parent_mean for e in est] == [2.0, 4.0]
    assert all(0 < e.reliability < 1 for e in est)


@settings(max_examples=40, deadline=None)
@given(st.floats(-0.5, 1.0), st.integers(1, 40))
def test_shrunken_mean_lies_between_mean_and_parent(icc: float, n: int) -> None:
    y = np.linspace(1, 5, n) if n > 1 else np.array([4.0])
    (e,) = unit_estimates(y, ["u"] * n, parent_mean=2.0, icc_1=icc, within_variance=1.0)
    lo, hi = sorted((e.mean, 2.0))
    assert lo - 1e-12 <= e.shrunken_mean <= hi + 1e-12
    assert 0.0 <= e.reliability <= 1.0
