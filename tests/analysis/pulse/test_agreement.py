"""Within-unit agreement: rwg and rwg(j) stay between 0 and 1, and exact small cases."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from walkthetalk.analysis.pulse import rwg, rwg_j, uniform_null_variance

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(
    arrays(
        np.float64, st.integers(0, 20), elements=st.sampled_from([1.0, 2.0, 3.0, 4.0, 5.0, np.nan])
    )
)
def test_rwg_is_between_zero_and_one(x: np.ndarray) -> None:
    value = rwg(x, uniform_null_variance(5))
    assert np.isnan(value) or 0.0 <= value <= 1.0


@FAST
@given(
    arrays(
        np.float64,
        st.tuples(st.integers(0, 12), st.integers(1, 8)),
        elements=st.sampled_from([1.0, 2.0, 3.0, 4.0, 5.0, np.nan]),
    )
)
def test_rwg_j_is_between_zero_and_one(x: np.ndarray) -> None:
    value = rwg_j(x, 2.0)
    assert np.isnan(value) or 0.0 <= value <= 1.0


def test_rwg_exact() -> None:
    assert rwg([3, 3, 3, 3, 3], 2.0) == 1.0
    assert rwg([1, 5, 1, 5], 2.0) == 0.0  # more spread than random: truncated
    assert rwg([2, 3, 4], 2.0) == pytest.approx(0.5)
    assert np.isnan(rwg([4], 2.0))
    # rwg(j) with J=1 equals rwg
    assert rwg_j(np.array([[2.0], [3.0], [4.0]]), 2.0) == pytest.approx(0.5)
