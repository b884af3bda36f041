"""Invariants checked with hypothesis on conversations with planted opinion groups."""

import os

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import adjusted_rand_score

from walkthetalk.analysis.commonground import NotEnoughDataError, Settings, analyze
from walkthetalk.analysis.commonground.engine import Analysis
from walkthetalk.analysis.commonground.matrix import VoteMatrix, from_indices

SMALL = Settings(min_group_size=3, seed=0)
THRESHOLD = 7


def _analyze(m: VoteMatrix) -> Analysis | None:
    """The analysis, or ``None`` when fewer than two participants cast enough votes."""
    try:
        return analyze(m, settings=SMALL)
    except NotEnoughDataError:
        enough = m.votes_per_participant() >= min(THRESHOLD, m.shape[1])
        assert enough.sum() < 2
        return None


@st.composite
def conversations(draw: st.DrawFn) -> VoteMatrix:
    k = draw(st.integers(2, 3))
    n = draw(st.integers(20, 60))
    m = draw(st.integers(8, 20))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    group = rng.integers(0, k, n)
    p_agree = rng.uniform(0.0, 1.0, (k, m))
    n_votes = rng.integers(1, m + 1, n)  # some participants fall below the threshold
    rows = np.repeat(np.arange(n), n_votes)
    cols = np.concatenate([rng.choice(m, c, replace=False) for c in n_votes])
    u = rng.random(rows.size)
    votes = np.where(
        u < 0.15, 0, np.where(rng.random(rows.size) < p_agree[group[rows], cols], 1, -1)
    )
    ids = [f"p{i}" for i in range(n)]
    return from_indices(rows, cols, votes, (n, m), participant_ids=ids)


def _permuted(m: VoteMatrix, rows: np.ndarray, cols: np.ndarray) -> VoteMatrix:
    values = m.values[rows][:, cols].tocsr()
    values.sort_indices()
    return VoteMatrix(
        tuple(m.participant_ids[i] for i in rows),
        tuple(f"s{c}" for c in cols),  # relabelled statements, too
        values,
    )


@settings(max_examples=int(os.environ.get("CG_EXAMPLES", "25")), deadline=None)
@given(conversations(), st.randoms(use_true_random=False))
def test_relabelling_does_not_change_the_partition(m: VoteMatrix, rnd) -> None:
    n, k = m.shape
    rows = np.array(rnd.sample(range(n), n))
    cols = np.array(rnd.sample(range(k), k))
    first = _analyze(m)
    m2 = VoteMatrix(m.participant_ids, tuple(f"s{c}" for c in range(k)), m.values)
    second = _analyze(_permuted(m2, rows, cols))
    if first is None or second is None:
        assert first is None and second is None
        return
    base, other = first.result.participants, second.result.participants
    assert base.keys() == other.keys()
    grouped = [p for p in base if base[p] is not None]
    assert [p for p in grouped if other[p] is None] == []
    if grouped:
        a = [base[p] for p in grouped]
        b = [other[p] for p in grouped]
        assert adjusted_rand_score(a, b) == 1.0


@settings(max_examples=int(os.environ.get("CG_EXAMPLES", "25")), deadline=None)
@given(conversations())
def test_groups_never_hold_a_participant_below_the_vote_threshold(m: VoteMatrix) -> None:
    a = _analyze(m)
    votes = m.votes_per_participant()
    threshold = min(THRESHOLD, m.shape[1])
    if a is None or (votes >= threshold).sum() < Settings().greedy_n:
        return  # Pol.is tops a small conversation up with its most active voters
    for i, pid in enumerate(m.participant_ids):
        group = a.result.participants.get(pid)
        if votes[i] < threshold:
            assert group is None
        if group is not None:
            assert votes[i] >= threshold
