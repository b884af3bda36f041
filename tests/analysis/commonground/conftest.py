"""Shared helpers for the common-ground tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

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
