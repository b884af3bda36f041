import numpy as np
import pytest

from walkthetalk.analysis.commonground.counts import group_counts, prop_test, two_prop_test
from walkthetalk.analysis.commonground.matrix import from_dense


def test_group_counts_keep_passes_in_seen():
    nan = float("nan")
    m = from_dense([[1.0, 0.0, nan], [-1.0, 1.0, 0.0], [1.0, nan, nan]])
    c = group_counts(m, np.array([0, 1, -1]), 2)
    assert c.agree.tolist() == [[1, 0, 0], [0, 1, 0]]
    assert c.disagree.tolist() == [[0, 0, 0], [1, 0, 0]]
    assert c.seen.tolist() == [[1, 1, 0], [1, 1, 1]]
    assert c.passed.tolist() == [[0, 1, 0], [0, 0, 1]]


def test_prop_tests_follow_polis():
    # 2 * sqrt(n+1) * ((s+1)/(n+1) - 0.5)
    assert prop_test(np.array(8.0), np.array(10.0)) == pytest.approx(
        2 * np.sqrt(11) * (9 / 11 - 0.5)
    )
    z = two_prop_test(np.array(8.0), np.array(2.0), np.array(10.0), np.array(10.0))
    p1, p2, p = 9 / 11, 3 / 11, 12 / 22
    assert z == pytest.approx((p1 - p2) / np.sqrt(p * (1 - p) * (2 / 11)))
