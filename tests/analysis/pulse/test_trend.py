"""Change between waves, with its uncertainty."""

from __future__ import annotations

import numpy as np
import pytest

from walkthetalk.analysis.pulse import (
    wave_change,
)


def test_wave_change_with_uncertainty() -> None:
    rng = np.random.default_rng(2)
    before, after = rng.normal(3.0, 0.8, 40), rng.normal(3.6, 0.8, 40)
    ch = wave_change(before, after)
    assert ch.difference == pytest.approx(after.mean() - before.mean())
    assert ch.ci_low is not None and ch.ci_high is not None
    assert ch.difference is not None
    assert ch.ci_low < ch.difference < ch.ci_high
    assert ch.se == pytest.approx(np.sqrt(before.var(ddof=1) / 40 + after.var(ddof=1) / 40))
    small = wave_change(before, after[:4])
    assert small.difference is None and small.n_current == 4
