import csv

import numpy as np
import pytest

from walkthetalk.analysis.commonground import read_export
from walkthetalk.analysis.commonground.consensus import (
    consensus,
    divides,
    group_informed_consensus,
)
from walkthetalk.analysis.commonground.counts import (
    GroupCounts,
    group_counts,
    prop_test,
    two_prop_test,
)
from walkthetalk.analysis.commonground.matrix import from_dense
from walkthetalk.analysis.commonground.repness import repness

from .conftest import polis_folder


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


def _two_camps() -> GroupCounts:
    # statement 0: group 0 agrees, group 1 disagrees; statement 1: everyone agrees;
    # statement 2: everyone passes.
    agree = np.array([[18.0, 19.0, 0.0], [1.0, 18.0, 0.0]])
    disagree = np.array([[1.0, 0.0, 1.0], [18.0, 1.0, 0.0]])
    seen = np.array([[20.0, 20.0, 20.0], [20.0, 20.0, 20.0]])
    return GroupCounts(agree, disagree, seen)


def test_repness_picks_the_dividing_statement():
    reps = repness(_two_camps(), ("s0", "s1", "s2"), np.ones(3, dtype=bool))
    assert [(r.statement, r.direction) for r in reps[0]] == [("s0", "agree")]
    assert [(r.statement, r.direction) for r in reps[1]] == [("s0", "disagree")]
    r = reps[0][0]
    assert r.p == pytest.approx(19 / 22)  # pa = (na+1)/(ns+2)
    assert r.r == pytest.approx((19 / 22) / (2 / 22))  # ra = pa / pa_rest


def test_consensus_divides_and_uncertainty():
    counts = _two_camps()
    ids = ("s0", "s1", "s2")
    active = np.ones(3, dtype=bool)
    gic_a, _ = group_informed_consensus(counts)
    assert gic_a[1] == pytest.approx((20 / 22) * (19 / 22))
    c = consensus(counts, ids, active)
    assert c.agree[0].statement == "s1"
    assert [s.statement for s in c.majority_agree] == ["s1"]
    assert [s.statement for s in c.uncertainty] == ["s2"]
    d = divides(counts, ids, active)
    assert d[0].statement == "s0"
    assert d[0].score == pytest.approx(((18 - 1) / 22 - (1 - 18) / 22) / 2)


def test_group_informed_consensus_matches_polis_export():
    """bg2050-volunteers ships Pol.is's own group-informed-consensus per statement."""
    folder = polis_folder("bg2050-volunteers")
    export = read_export(folder)
    ref = export.reference_groups or {}
    labels = np.array(
        [ref.get(p) if ref.get(p) is not None else -1 for p in export.matrix.participant_ids]
    )
    counts = group_counts(export.matrix, labels, int(labels.max()) + 1)
    agree, _ = group_informed_consensus(counts)
    with (folder / "comments.csv").open(newline="", encoding="utf-8") as fh:
        expected = {
            r["comment-id"]: float(r["group-informed-consensus"]) for r in csv.DictReader(fh)
        }
    got = dict(zip(export.matrix.statement_ids, agree, strict=True))
    assert expected
    for sid, value in expected.items():
        assert got[sid] == pytest.approx(value, abs=1e-12)
