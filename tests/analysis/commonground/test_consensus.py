import csv

import numpy as np
import pytest

from walkthetalk.analysis.commonground import read_export
from walkthetalk.analysis.commonground.consensus import (
    consensus,
    divides,
    group_informed_consensus,
)
from walkthetalk.analysis.commonground.counts import group_counts

from .conftest import polis_folder, two_camps


def test_consensus_divides_and_uncertainty():
    counts = two_camps()
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
