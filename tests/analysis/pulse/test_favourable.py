"""% favourable: shares over people, Wilson intervals, Newcombe changes, and what is hidden."""

import numpy as np
import pytest

from walkthetalk.analysis.pulse.favourable import (
    TOO_FEW,
    UNANIMOUS,
    favourable_share,
    share_difference,
    threshold,
)


def test_the_threshold_is_the_second_highest_option() -> None:
    assert threshold([1, 2, 3, 4, 5]) == 4
    assert threshold([0, 1]) == 0
    with pytest.raises(ValueError):
        threshold([3])


def test_a_share_counts_people_at_or_above_the_threshold_with_wilson_interval() -> None:
    values = np.array([4.0, 4.25, 3.75, 5.0, 2.0, np.nan, 3.99, 4.0])
    share = favourable_share(values, at_least=4, min_size=5)
    assert (share.k, share.n) == (4, 7)
    assert share.share == pytest.approx(4 / 7)
    assert share.ci_low is not None and share.ci_high is not None
    assert share.ci_low < 4 / 7 < share.ci_high
    # Wilson's score interval, written out: (p + z²/2n ± z·sqrt(p(1−p)/n + z²/4n²)) / (1 + z²/n)
    z, n, p = 1.959963984540054, 7, 4 / 7
    centre, half = p + z * z / (2 * n), z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    expected = ((centre - half) / (1 + z * z / n), (centre + half) / (1 + z * z / n))
    assert (share.ci_low, share.ci_high) == pytest.approx(expected, abs=1e-9)


def test_small_or_unanimous_groups_are_hidden() -> None:
    assert favourable_share([4, 5, 2, 1], at_least=4, min_size=5).hidden == TOO_FEW
    everyone = favourable_share([4, 5, 4, 4, 5], at_least=4, min_size=5)
    assert everyone.hidden == UNANIMOUS and everyone.share is None and everyone.k is None
    assert favourable_share([1, 2, 3, 3, 2], at_least=4, min_size=5).hidden == UNANIMOUS


def test_the_change_uses_newcombe_and_covers_about_95_percent() -> None:
    before = favourable_share([5] * 5 + [2] * 45, at_least=4, min_size=5)
    after = favourable_share([5] * 9 + [2] * 1, at_least=4, min_size=5)
    change = share_difference(before, after)
    assert change.difference == pytest.approx(0.9 - 0.1)
    assert change.ci_low is not None and change.ci_high is not None
    assert change.ci_low < 0.8 < change.ci_high and change.clear
    hidden = favourable_share([4] * 5, at_least=4, min_size=5)
    assert not share_difference(before, hidden).shown
    assert not share_difference(None, after).shown
    # calibration: with no true change, the interval leaves out zero about 5% of the time
    rng = np.random.default_rng(7)
    misses = 0
    trials = 2000
    for _ in range(trials):
        a = favourable_share(rng.binomial(1, 0.3, 40) * 5.0, at_least=4, min_size=5)
        b = favourable_share(rng.binomial(1, 0.3, 30) * 5.0, at_least=4, min_size=5)
        misses += share_difference(a, b).clear
    assert 0.02 < misses / trials < 0.08
