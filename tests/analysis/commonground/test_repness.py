import numpy as np
import pytest

from walkthetalk.analysis.commonground.counts import GroupCounts
from walkthetalk.analysis.commonground.repness import repness, repness_table

from .conftest import two_camps


def test_repness_picks_the_dividing_statement():
    reps = repness(two_camps(), ("s0", "s1", "s2"), np.ones(3, dtype=bool))
    assert [(r.statement, r.direction) for r in reps[0]] == [("s0", "agree")]
    assert [(r.statement, r.direction) for r in reps[1]] == [("s0", "disagree")]
    r = reps[0][0]
    assert r.p == pytest.approx(19 / 22)  # pa = (na+1)/(ns+2)
    assert r.r == pytest.approx((19 / 22) / (2 / 22))  # ra = pa / pa_rest


def test_table_agrees_with_the_lists_and_is_empty_for_one_group():
    counts = two_camps()
    table = repness_table(counts, np.ones(3, dtype=bool))
    assert table.ok.tolist() == [[True, False, False], [True, False, False]]
    assert table.agree_direction[:, 0].tolist() == [True, False]
    one = GroupCounts(counts.agree[:1], counts.disagree[:1], counts.seen[:1])
    assert not repness_table(one, np.ones(3, dtype=bool)).ok.any()
    assert repness(one, ("s0", "s1", "s2"), np.ones(3, dtype=bool)) == {0: []}


def test_statements_that_may_not_be_listed_never_represent_a_group():
    listable = np.array([False, True, True])
    reps = repness(two_camps(), ("s0", "s1", "s2"), listable)
    assert all(r.statement != "s0" for rs in reps.values() for r in rs)
