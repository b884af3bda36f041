"""Shared helpers for the common-ground tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import strategies as st

from walkthetalk.analysis.commonground.counts import GroupCounts
from walkthetalk.analysis.commonground.matrix import VoteMatrix, from_indices

# Repository root is parents[3]; the Pol.is conversations are carried in tests/data/polis.
POLIS = Path(__file__).resolve().parents[3] / "tests" / "data" / "polis"


def polis_folder(name: str) -> Path:
    folder = POLIS / name
    if not folder.is_dir():
        pytest.fail(f"test data missing: {folder} (see tests/data/README.md)")
    return folder


def planted(
    n: int = 300,
    m: int = 40,
    k: int = 3,
    votes_per: int = 20,
    seed: int = 0,
) -> tuple[VoteMatrix, np.ndarray]:
    """A conversation with ``k`` planted opinion groups (clear-cut agree/disagree patterns)."""
    rng = np.random.default_rng(seed)
    group = np.arange(n) % k
    p_agree = np.where(rng.random((k, m)) < 0.5, 0.9, 0.1)
    rows = np.repeat(np.arange(n), votes_per)
    cols = np.concatenate([rng.choice(m, votes_per, replace=False) for _ in range(n)])
    pa = p_agree[group[rows], cols]
    u = rng.random(rows.size)
    votes = np.where(u < 0.1, 0, np.where(rng.random(rows.size) < pa, 1, -1))
    return from_indices(rows, cols, votes, (n, m)), group


@st.composite
def conversations(draw: st.DrawFn) -> VoteMatrix:
    """Small random conversations with 2-3 planted groups; some participants vote little."""
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


def permuted(m: VoteMatrix, rows: np.ndarray, cols: np.ndarray) -> VoteMatrix:
    """``m`` with rows and columns reordered; statements relabelled ``s<old column>``."""
    values = m.values[rows][:, cols].tocsr()
    values.sort_indices()
    return VoteMatrix(
        tuple(m.participant_ids[i] for i in rows),
        tuple(f"s{c}" for c in cols),
        values,
    )


def same_partition(a: dict[str, int | None], b: dict[str, int | None]) -> bool:
    """Same participants placed, in the same groups up to the groups' labels."""
    if a.keys() != b.keys():
        return False
    if {p for p, g in a.items() if g is None} != {p for p, g in b.items() if g is None}:
        return False
    pairs = {(a[p], b[p]) for p in a if a[p] is not None}
    return len(pairs) == len({x for x, _ in pairs}) == len({y for _, y in pairs})


def two_camps() -> GroupCounts:
    """Statement 0: group 0 agrees, group 1 disagrees; statement 1: everyone agrees;
    statement 2: everyone passes."""
    agree = np.array([[18.0, 19.0, 0.0], [1.0, 18.0, 0.0]])
    disagree = np.array([[1.0, 0.0, 1.0], [18.0, 1.0, 0.0]])
    seen = np.array([[20.0, 20.0, 20.0], [20.0, 20.0, 20.0]])
    return GroupCounts(agree, disagree, seen)
