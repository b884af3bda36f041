"""Aggregation evidence per scale: rwg(j), ICC(1), ICC(2) with intervals, plain flags."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from walkthetalk.analysis.pulse import (
    aggregation_evidence,
    icc1,
    icc2,
    icc_intervals,
    one_way_anova,
)


def test_bh1996_wellbeing_matches_multilevel_and_flags_low_agreement(
    bh1996: dict[str, np.ndarray],
) -> None:
    y, grp = bh1996["WBEING"], bh1996["GRP"]
    ev = aggregation_evidence(y[:, None], grp, 5)
    assert ev.icc1 == pytest.approx(icc1(y, grp)) and ev.icc2 == pytest.approx(icc2(y, grp))
    assert ev.icc1 == pytest.approx(0.0434, abs=5e-4)  # multilevel::ICC1 (Bliese)
    assert ev.icc1_low < ev.icc1 < ev.icc1_high and ev.icc1_low > 0
    assert ev.icc2_low < ev.icc2 < ev.icc2_high
    assert ev.rwg_j_low <= ev.rwg_j_mean <= ev.rwg_j_high
    assert ev.n_units == 99
    assert any("see this quite differently" in f for f in ev.flags)
    assert not ev.supports_climate


def test_clear_climates_raise_no_flag() -> None:
    rng = np.random.default_rng(0)
    units = np.repeat(np.arange(20), 12)
    climate = rng.choice([1.0, 2.0, 4.0, 5.0], size=20)
    items = np.clip(np.round(climate[units, None] + rng.normal(0, 0.3, (240, 4))), 1, 5)
    ev = aggregation_evidence(items, units, 5)
    assert ev.flags == () and ev.supports_climate
    assert ev.rwg_j_mean > 0.7 and ev.icc2 > 0.9


def test_interval_from_f_matches_the_closed_form_at_the_estimate() -> None:
    a = one_way_anova([1, 2, 3, 2, 5, 6, 5, 7, 2, 3, 2, 2], [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2])
    (lo1, hi1), (lo2, hi2) = icc_intervals(a.ms_between, a.ms_within, 2, 9, a.mean_unit_size)
    assert lo1 < a.icc1 < hi1 and lo2 < a.icc2 < hi2


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 10_000), st.integers(3, 12), st.integers(3, 10))
@example(seed=629, n_units=3, size=3)  # three units with the same mean: ICC(2) is -inf
def test_intervals_bracket_their_estimates(seed: int, n_units: int, size: int) -> None:
    rng = np.random.default_rng(seed)
    units = np.repeat(np.arange(n_units), size)
    items = rng.integers(1, 6, size=(units.size, 4)).astype(float)
    items[rng.random(items.shape) < 0.1] = np.nan
    ev = aggregation_evidence(items, units, 5, n_bootstrap=200)
    if np.isfinite(ev.icc1_low):
        assert ev.icc1_low <= ev.icc1 <= ev.icc1_high
        assert ev.icc2_low <= ev.icc2 <= ev.icc2_high
    assert 0.0 <= ev.share_rwg_ok <= 1.0
    assert ev.rwg_j_low <= ev.rwg_j_mean + 1e-12 and ev.rwg_j_mean <= ev.rwg_j_high + 1e-12


def test_units_with_the_same_mean_are_flagged_as_not_reliable() -> None:
    # Every unit's mean is 3 while answers within each unit differ: MSB = 0, so ICC(2) is
    # -inf (as R's multilevel::ICC2), inside its interval, and both flags are raised.
    items = np.array([[2.0], [3.0], [4.0], [4.0], [3.0], [2.0], [3.0], [2.0], [4.0]])
    ev = aggregation_evidence(items, [0, 0, 0, 1, 1, 1, 2, 2, 2], 5, n_bootstrap=50)
    assert ev.icc2 == float("-inf") and ev.icc2_low <= ev.icc2 <= ev.icc2_high
    assert any("not yet reliable enough" in flag for flag in ev.flags)
    assert any("may not differ on this at all" in flag for flag in ev.flags)
