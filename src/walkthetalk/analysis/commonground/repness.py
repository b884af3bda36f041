"""Representative statements of each opinion group (Pol.is "repness").

For group ``g`` and statement ``c``, with ``na``/``nd`` agrees/disagrees and ``ns`` votes seen
(passes included) inside the group, and the same counts ``*_rest`` over all other groups:

    pa  = (na + 1) / (ns + 2)                      probability a member agrees
    pat = prop_test(na, ns)                        is pa above 1/2?  (z-score)
    ra  = pa / pa_rest                             how much more the group agrees than the rest
    rat = two_prop_test(na, na_rest, ns, ns_rest)  is that difference real?  (z-score)

and the same with ``nd`` for disagreement (``pd, pdt, rd, rdt``). A statement represents the
group in the agree direction when ``pat`` and ``rat`` both pass the one-sided 90% test
(``z > 1.2816``) and ``pa > pd``; in the disagree direction likewise. Candidates are ranked by
Pol.is's metric ``r * rt * p * pt`` and the best ``pick_max`` are kept.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .counts import Z_90, GroupCounts, prop_test, two_prop_test
from .matrix import FloatArray
from .result import RepresentativeStatement


@dataclass(frozen=True)
class RepnessTable:
    """Every (group, statement) figure, in the direction the group leans (``pa >= pd``:
    agree). ``ok`` marks the pairs that pass both tests."""

    agree_direction: np.ndarray
    p: FloatArray
    p_test: FloatArray
    r: FloatArray
    r_test: FloatArray
    metric: FloatArray
    ok: np.ndarray


def repness_table(counts: GroupCounts, listable: np.ndarray) -> RepnessTable:
    """Pol.is repness for every group and statement (see the module docstring)."""
    na, nd, ns = counts.agree, counts.disagree, counts.seen
    na_rest = na.sum(0, keepdims=True) - na
    nd_rest = nd.sum(0, keepdims=True) - nd
    ns_rest = ns.sum(0, keepdims=True) - ns
    pa = (na + 1.0) / (ns + 2.0)
    pd = (nd + 1.0) / (ns + 2.0)
    ra = pa / ((na_rest + 1.0) / (ns_rest + 2.0))
    rd = pd / ((nd_rest + 1.0) / (ns_rest + 2.0))
    pat, pdt = prop_test(na, ns), prop_test(nd, ns)
    rat = two_prop_test(na, na_rest, ns, ns_rest)
    rdt = two_prop_test(nd, nd_rest, ns, ns_rest)
    agree = pa >= pd
    p = np.where(agree, pa, pd)
    pt = np.where(agree, pat, pdt)
    r = np.where(agree, ra, rd)
    rt = np.where(agree, rat, rdt)
    ok = (pt > Z_90) & (rt > Z_90) & (pa != pd) & listable[None, :]
    if na.shape[0] < 2:
        ok = np.zeros_like(ok)
    return RepnessTable(agree, p, pt, r, rt, r * rt * p * pt, ok)


def repness(
    counts: GroupCounts,
    statement_ids: tuple[str, ...],
    active: np.ndarray,
    pick_max: int = 5,
    text: dict[str, str] | None = None,
) -> dict[int, list[RepresentativeStatement]]:
    """Representative statements per group id (groups are the rows of ``counts``); none when
    there is only one group (nothing to stand apart from)."""
    text = text or {}
    if counts.agree.shape[0] < 2:
        return {g: [] for g in range(counts.agree.shape[0])}
    na, nd, ns = counts.agree, counts.disagree, counts.seen
    na_rest = na.sum(0, keepdims=True) - na
    nd_rest = nd.sum(0, keepdims=True) - nd
    ns_rest = ns.sum(0, keepdims=True) - ns
    pa = (na + 1.0) / (ns + 2.0)
    pd = (nd + 1.0) / (ns + 2.0)
    pa_rest = (na_rest + 1.0) / (ns_rest + 2.0)
    pd_rest = (nd_rest + 1.0) / (ns_rest + 2.0)
    ra, rd = pa / pa_rest, pd / pd_rest
    pat, pdt = prop_test(na, ns), prop_test(nd, ns)
    rat = two_prop_test(na, na_rest, ns, ns_rest)
    rdt = two_prop_test(nd, nd_rest, ns, ns_rest)
    agree_ok = (pat > Z_90) & (rat > Z_90) & (pa > pd) & active[None, :]
    disagree_ok = (pdt > Z_90) & (rdt > Z_90) & (pd > pa) & active[None, :]
    agree_metric = ra * rat * pa * pat
    disagree_metric = rd * rdt * pd * pdt

    out: dict[int, list[RepresentativeStatement]] = {}
    for g in range(na.shape[0]):
        cands: list[RepresentativeStatement] = []
        for c in np.flatnonzero(agree_ok[g] | disagree_ok[g]):
            is_agree = bool(agree_ok[g, c])
            cands.append(
                RepresentativeStatement(
                    statement=statement_ids[c],
                    direction="agree" if is_agree else "disagree",
                    n_agree=int(na[g, c]),
                    n_disagree=int(nd[g, c]),
                    n_seen=int(ns[g, c]),
                    p=float(pa[g, c] if is_agree else pd[g, c]),
                    p_test=float(pat[g, c] if is_agree else pdt[g, c]),
                    r=float(ra[g, c] if is_agree else rd[g, c]),
                    r_test=float(rat[g, c] if is_agree else rdt[g, c]),
                    metric=float(agree_metric[g, c] if is_agree else disagree_metric[g, c]),
                    text=text.get(statement_ids[c], ""),
                )
            )
        cands.sort(key=lambda s: (-s.metric, s.statement))
        out[g] = cands[:pick_max]
    return out
