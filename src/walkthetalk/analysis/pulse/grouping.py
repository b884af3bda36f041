"""Helpers to split values by group (unit) labels; used by the agreement and ICC modules."""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]


def as_labels(groups: ArrayLike | Sequence[Hashable]) -> list[Hashable]:
    """Group labels as a plain list (numpy scalars turned into Python values)."""
    arr = np.asarray(groups, dtype=object).ravel()
    return [g.item() if isinstance(g, np.generic) else g for g in arr]


def split_by_group(
    values: ArrayLike, groups: ArrayLike | Sequence[Hashable]
) -> dict[Hashable, FloatArray]:
    """``{group: values of that group}`` in order of first appearance.

    ``values`` may be 1-D (one value per response) or 2-D (responses × items); rows are kept
    even when they hold NaN, so callers decide how to treat missing answers.
    """
    x = np.asarray(values, dtype=float)
    labels = as_labels(groups)
    if x.shape[0] != len(labels):
        raise ValueError(f"{x.shape[0]} values but {len(labels)} group labels")
    index: dict[Hashable, list[int]] = {}
    for i, g in enumerate(labels):
        index.setdefault(g, []).append(i)
    return {g: x[np.asarray(rows)] for g, rows in index.items()}
