"""Shared fixtures: reference data carried in ``tests/data`` (see its README for sources)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[3]
DATA = REPO / "tests" / "data"


def read_csv(relative: str) -> dict[str, np.ndarray]:
    path = DATA / relative
    if not path.exists():
        pytest.fail(f"reference data missing: {path} (see tests/data/README.md)")
    with path.open(newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        rows = [[float(v) if v != "" else np.nan for v in row] for row in reader]
    arr = np.asarray(rows, dtype=float)
    return {name: arr[:, i] for i, name in enumerate(header)}


@pytest.fixture(scope="session")
def bfi() -> dict[str, np.ndarray]:
    return read_csv("psych-bfi/bfi.csv")


@pytest.fixture(scope="session")
def bh1996() -> dict[str, np.ndarray]:
    return read_csv("multilevel/bh1996.csv")


@pytest.fixture(scope="session")
def lq2002() -> dict[str, np.ndarray]:
    return read_csv("multilevel/lq2002.csv")
