"""The participants' verdict on a step: the share who say it helped, with a Wilson interval."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from walkthetalk.analysis.pulse import step_verdict, wilson_interval
from walkthetalk.analysis.pulse.verdict import MIXED, MOST_HELPED, MOST_NOT_YET


@pytest.mark.parametrize(("k", "n"), [(0, 5), (3, 5), (5, 5), (7, 12), (41, 60), (1, 200)])
def test_wilson_interval_matches_statsmodels(k: int, n: int) -> None:
    low, high = wilson_interval(k, n)
    ref_low, ref_high = proportion_confint(k, n, alpha=0.05, method="wilson")
    assert low == pytest.approx(ref_low, abs=1e-12)
    assert high == pytest.approx(ref_high, abs=1e-12)


def test_wilson_interval_covers_close_to_its_level_at_small_n() -> None:
    """Exact coverage at n=20, averaged over true shares 0.3-0.9, is near 95%."""
    n = 20
    shares = np.linspace(0.3, 0.9, 25)
    bounds = [wilson_interval(k, n) for k in range(n + 1)]
    coverage = [
        sum(stats.binom.pmf(k, n, p) for k, (lo, hi) in enumerate(bounds) if lo <= p <= hi)
        for p in shares
    ]
    assert 0.94 <= float(np.mean(coverage)) <= 0.97
    assert min(coverage) > 0.90


def test_verdict_counts_a_little_as_helped_and_calls_it_only_when_clear() -> None:
    most = step_verdict([3] * 8 + [2] * 4 + [1] * 2, min_size=5)
    assert (most.n, most.helped) == (14, 12)
    assert most.share == pytest.approx(12 / 14)
    assert most.ci_low is not None and most.ci_low > 0.5
    assert most.verdict == MOST_HELPED
    split = step_verdict([3, 2, 1, 1, 2, 1, 3, 1], min_size=5)
    assert split.verdict == MIXED
    assert step_verdict([1] * 12 + [3], min_size=5).verdict == MOST_NOT_YET


def test_too_few_answers_show_no_figure_and_missing_answers_are_dropped() -> None:
    few = step_verdict([3, 3, 3, np.nan, np.nan], min_size=5)
    assert few.n == 3 and not few.shown
    assert few.helped is None and few.share is None and few.verdict == ""


def test_unanimous_answers_show_no_figure_since_they_would_tell_each_answer() -> None:
    for answers in ([3] * 6 + [2] * 4, [1] * 10):
        same = step_verdict(answers, min_size=5)
        assert same.n == 10 and same.unanimous and not same.shown
        assert same.helped is None and same.ci_low is None and same.verdict == ""


def test_answers_outside_the_three_choices_are_refused() -> None:
    with pytest.raises(ValueError, match="step answers"):
        step_verdict([3, 2, 4, 1, 1], min_size=3)
    with pytest.raises(ValueError):
        wilson_interval(6, 5)
