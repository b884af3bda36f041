"""Agree / disagree / seen counts per opinion group and statement, and Pol.is's z-tests."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .matrix import AGREE, DISAGREE, FloatArray, IntArray, VoteMatrix

Z_90 = 1.2816  # one-sided 90% critical value Pol.is uses for "significant"


@dataclass(frozen=True)
class GroupCounts:
    """Counts of the participants who count, per group (rows) and statement (columns).

    ``seen`` counts every vote cast, passes included (Pol.is's ``S``).
    """

    agree: FloatArray
    disagree: FloatArray
    seen: FloatArray

    @property
    def passed(self) -> FloatArray:
        return self.seen - self.agree - self.disagree

    def total(self) -> GroupCounts:
        """The same counts for everybody who counts, as a single row."""
        return GroupCounts(
            self.agree.sum(0, keepdims=True),
            self.disagree.sum(0, keepdims=True),
            self.seen.sum(0, keepdims=True),
        )


def group_counts(matrix: VoteMatrix, labels: IntArray, n_groups: int) -> GroupCounts:
    """Count votes by group; ``labels`` is -1 for participants outside every group."""
    n = matrix.shape[0]
    inside = labels >= 0
    rows = np.flatnonzero(inside)
    g = sp.csr_matrix((np.ones(rows.size), (labels[inside], rows)), shape=(n_groups, n))
    agree = np.asarray((g @ matrix.count_votes(AGREE)).todense())
    disagree = np.asarray((g @ matrix.count_votes(DISAGREE)).todense())
    seen = np.asarray((g @ matrix.voted().astype(np.float64)).todense())
    return GroupCounts(agree, disagree, seen)


def prop_test(successes: FloatArray, n: FloatArray) -> FloatArray:
    """Pol.is one-proportion test against 1/2, with a +1 pseudocount on both counts:

    ``z = 2 * sqrt(n + 1) * ((successes + 1) / (n + 1) - 1/2)``
    """
    s1 = successes + 1.0
    n1 = n + 1.0
    return 2.0 * np.sqrt(n1) * (s1 / n1 - 0.5)


def two_prop_test(
    succ_in: FloatArray, succ_out: FloatArray, n_in: FloatArray, n_out: FloatArray
) -> FloatArray:
    """Pol.is two-proportion z-test (group vs. everyone else), every count plus 1:

    ``p1 = s1/n1``, ``p2 = s2/n2``, ``p = (s1+s2)/(n1+n2)``,
    ``z = (p1 - p2) / sqrt(p (1-p) (1/n1 + 1/n2))``
    """
    s1, s2, n1, n2 = succ_in + 1.0, succ_out + 1.0, n_in + 1.0, n_out + 1.0
    p1 = s1 / n1
    p2 = s2 / n2
    p = (s1 + s2) / (n1 + n2)
    se = np.sqrt(p * (1.0 - p) * (1.0 / n1 + 1.0 / n2))
    return np.divide(p1 - p2, se, out=np.zeros_like(p1), where=se > 0)
