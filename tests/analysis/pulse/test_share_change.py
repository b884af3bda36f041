"""Did a share move: the agree share before an action and among the votes since, with
Newcombe's hybrid score interval; nothing when either side is too small or the new votes are
unanimous."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.proportion import confint_proportions_2indep

from walkthetalk.analysis.pulse import newcombe_interval, share_change
from walkthetalk.analysis.pulse.share_change import DOWN, NO_CLEAR_CHANGE, UP


@pytest.mark.parametrize(
    ("k1", "n1", "k2", "n2"), [(3, 10, 8, 10), (0, 12, 5, 20), (40, 60, 44, 60), (7, 7, 1, 9)]
)
def test_newcombe_interval_matches_statsmodels(k1: int, n1: int, k2: int, n2: int) -> None:
    low, high = newcombe_interval(k1, n1, k2, n2)
    # statsmodels compares the first sample minus the second: ours is since minus before.
    ref_low, ref_high = confint_proportions_2indep(
        k2, n2, k1, n1, method="newcomb", compare="diff", alpha=0.05
    )
    assert low == pytest.approx(ref_low, abs=1e-12)
    assert high == pytest.approx(ref_high, abs=1e-12)


def test_newcombe_interval_covers_close_to_its_level_at_small_n() -> None:
    """Exact coverage with 15 votes on each side, averaged over pairs of true shares, is near
    95% (Newcombe 1998 reports about 0.95 mean coverage for method 10)."""
    n = 15
    grid = np.linspace(0.2, 0.8, 7)
    pmf = {p: stats.binom.pmf(np.arange(n + 1), n, p) for p in grid}
    bounds = {(a, b): newcombe_interval(a, n, b, n) for a in range(n + 1) for b in range(n + 1)}
    coverage = []
    for p1 in grid:
        for p2 in grid:
            covered = sum(
                pmf[p1][a] * pmf[p2][b]
                for (a, b), (lo, hi) in bounds.items()
                if lo <= p2 - p1 <= hi
            )
            coverage.append(covered)
    assert 0.93 <= float(np.mean(coverage)) <= 0.97
    assert min(coverage) >= 0.90


def test_the_votes_since_are_the_later_tally_minus_the_earlier() -> None:
    change = share_change((6, 20), (26, 50), min_size=5)  # since: 20 of 30 agreed
    assert change.shown and change.before == (6, 20) and change.since == (20, 30)
    assert change.difference == pytest.approx(20 / 30 - 6 / 20)
    assert change.ci_low is not None and change.ci_high is not None
    assert 0 < change.ci_low < change.difference < change.ci_high
    assert change.direction == UP
    assert share_change((15, 20), (20, 40), min_size=5).direction == DOWN
    assert share_change((10, 20), (21, 40), min_size=5).direction == NO_CLEAR_CHANGE


@pytest.mark.parametrize(
    ("before", "after", "why"),
    [
        ((3, 4), (10, 20), "too few"),  # before: 4 votes, below 5
        ((6, 20), (8, 24), "too few"),  # since: 4 votes
        ((6, 20), (6, 20), "too few"),  # nothing new
        ((6, 20), (5, 30), "too few"),  # fewer agreed than before: votes changed, not new ones
        ((6, 20), (16, 30), "unanimous"),  # all 10 new votes agreed
        ((6, 20), (6, 30), "unanimous"),  # none of the 10 new votes agreed
    ],
)
def test_no_figure_when_a_side_is_small_or_the_new_votes_unanimous(before, after, why) -> None:
    change = share_change(before, after, min_size=5)
    assert not change.shown and change.hidden == why
    assert change.before is change.since is change.difference is change.ci_low is None
    assert change.direction == ""


@pytest.mark.parametrize(("before", "after"), [((5, 4), (10, 20)), ((1, 5), (-1, 9))])
def test_bad_counts_are_refused(before, after) -> None:
    with pytest.raises(ValueError, match="agreed"):
        share_change(before, after, min_size=5)
