"""Common ground, majority statements, divides and areas of uncertainty.

Group-informed consensus (Pol.is, agree direction): the product over opinion groups of each
group's smoothed agreement, so a statement scores high only if *every* group agrees:

    gic_agree(c)    = prod_g (na_g + 1) / (ns_g + 2)
    gic_disagree(c) = prod_g (nd_g + 1) / (ns_g + 2)

A statement is listed as common ground (in agreement or in disagreement) only if a majority of
everyone who saw it agrees (``2 na > ns``), or disagrees (``2 nd > ns``): a high product of
small shares is not common ground.

Majority statements (Pol.is ``consensus`` over everyone who counts): ``pa = (na+1)/(ns+2)``
above 1/2 with ``prop_test(na, ns) > 1.2816`` (one-sided 90%), ranked by ``pa``; likewise
disagree.

Divides: a group's *support* for a statement is ``(na_g - nd_g) / (ns_g + 2)`` in [-1, 1];
the divide score is half the range of support across groups (1 = one group all agrees while
another all disagrees). Only statements seen by at least ``min_seen`` members of every group
are ranked.

Areas of uncertainty: statements where the share of passes among votes cast,
``(ns - na - nd) / ns``, is at least ``uncertainty_share`` (and ``ns >= min_seen``), ranked by
that share.
"""

from __future__ import annotations

import numpy as np

from .counts import Z_90, GroupCounts, prop_test
from .result import Consensus, ConsensusStatement, Divide


def _stmt(
    ids: tuple[str, ...], c: int, score: float, counts: GroupCounts, text: dict[str, str]
) -> ConsensusStatement:
    t = counts.total()
    return ConsensusStatement(
        statement=ids[c],
        score=float(score),
        n_agree=int(t.agree[0, c]),
        n_disagree=int(t.disagree[0, c]),
        n_seen=int(t.seen[0, c]),
        text=text.get(ids[c], ""),
    )


def _top(score: np.ndarray, ok: np.ndarray, ids: tuple[str, ...], k: int) -> list[int]:
    cand = np.flatnonzero(ok)
    order = sorted(cand.tolist(), key=lambda c: (-float(score[c]), ids[c]))
    return order[:k]


def group_informed_consensus(counts: GroupCounts) -> tuple[np.ndarray, np.ndarray]:
    """Per statement: (agree, disagree) group-informed consensus."""
    denom = counts.seen + 2.0
    agree = np.prod((counts.agree + 1.0) / denom, axis=0)
    disagree = np.prod((counts.disagree + 1.0) / denom, axis=0)
    return agree, disagree


def consensus(
    counts: GroupCounts,
    statement_ids: tuple[str, ...],
    active: np.ndarray,
    pick_max: int = 5,
    min_seen: int = 3,
    uncertainty_share: float = 0.3,
    text: dict[str, str] | None = None,
) -> Consensus:
    """``active`` marks the statements that may be listed (in the analysis, not about the
    participant)."""
    text = text or {}
    gic_a, gic_d = group_informed_consensus(counts)
    t = counts.total()
    na, nd, ns = t.agree[0], t.disagree[0], t.seen[0]
    seen_ok = active & (ns >= min_seen)
    pa = (na + 1.0) / (ns + 2.0)
    pd = (nd + 1.0) / (ns + 2.0)
    maj_a = seen_ok & (pa > 0.5) & (prop_test(na, ns) > Z_90)
    maj_d = seen_ok & (pd > 0.5) & (prop_test(nd, ns) > Z_90)
    pass_share = np.divide(ns - na - nd, ns, out=np.zeros_like(ns), where=ns > 0)
    unc = seen_ok & (pass_share >= uncertainty_share)
    ids = statement_ids
    gic_a_ok = seen_ok & (2 * na > ns)
    gic_d_ok = seen_ok & (2 * nd > ns)

    def pick(score: np.ndarray, ok: np.ndarray) -> list[ConsensusStatement]:
        return [_stmt(ids, c, score[c], counts, text) for c in _top(score, ok, ids, pick_max)]

    return Consensus(
        agree=pick(gic_a, gic_a_ok),
        disagree=pick(gic_d, gic_d_ok),
        majority_agree=pick(pa, maj_a),
        majority_disagree=pick(pd, maj_d),
        uncertainty=pick(pass_share, unc),
    )


def divides(
    counts: GroupCounts,
    statement_ids: tuple[str, ...],
    active: np.ndarray,
    pick_max: int = 5,
    min_seen: int = 3,
    text: dict[str, str] | None = None,
) -> list[Divide]:
    """Statements whose support differs most between groups."""
    text = text or {}
    if counts.agree.shape[0] < 2:
        return []
    support = (counts.agree - counts.disagree) / (counts.seen + 2.0)
    score = (support.max(axis=0) - support.min(axis=0)) / 2.0
    ok = active & (counts.seen.min(axis=0) >= min_seen) & (score > 0)
    return [
        Divide(
            statement_ids[c],
            float(score[c]),
            [float(x) for x in support[:, c]],
            text.get(statement_ids[c], ""),
        )
        for c in _top(score, ok, statement_ids, pick_max)
    ]
