"""Intraclass correlations: ICC(2) is Spearman-Brown of ICC(1) when balanced; unit-mean
reliability grows with the unit's size."""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from walkthetalk.analysis.pulse import icc1, icc2, one_way_anova, unit_mean_reliability

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(st.integers(2, 8), st.integers(2, 10), st.randoms(use_true_random=False))
def test_icc2_is_spearman_brown_of_icc1_when_balanced(g: int, k: int, rnd: random.Random) -> None:
    rng = np.random.default_rng(rnd.randint(0, 10**6))
    units = np.repeat(np.arange(g), k)
    y = rng.normal(size=g)[units] + rng.normal(size=g * k)
    a = one_way_anova(y, units)
    assert a.icc2 == pytest.approx(unit_mean_reliability(k, a.icc1), abs=1e-9) or a.icc1 < 0
    assert icc1(y, units) <= 1.0 and icc2(y, units) <= 1.0


def test_unit_mean_reliability_grows_with_n() -> None:
    values = [unit_mean_reliability(n, 0.1) for n in range(1, 50)]
    assert all(b > a for a, b in zip(values, values[1:], strict=False))
    assert unit_mean_reliability(5, -0.2) == 0.0


def test_icc2_when_unit_means_do_not_differ() -> None:
    # As R's multilevel::ICC2, (MSB - MSW) / MSB: -Inf when MSB = 0 < MSW, NaN when both are 0.
    assert one_way_anova([1, 2, 3, 3, 2, 1], [0, 0, 0, 1, 1, 1]).icc2 == float("-inf")
    assert np.isnan(one_way_anova([2, 2, 2, 2], [0, 0, 1, 1]).icc2)
    assert one_way_anova([1, 2, 3, 4], [0, 0, 1, 1]).icc2 == pytest.approx(1 - 0.5 / 4)
