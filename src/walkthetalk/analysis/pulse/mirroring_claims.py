"""Calibrated mirroring: which rules mirror between adjacent levels, beyond chance.

A level *mirrors* the level next to it on a rule when both stand out from the rest of the care
system on that rule in the same direction. "Stands out" is measured by the level's
**departure**, double-centred so that neither a level's overall elevation nor the system's common
pattern (some rules are easier to endorse everywhere) counts::

    d(L, r) = (mean(L, r) − mean over rules of mean(L, ·)) − (mean(all, r) − mean over rules)

Under the null hypothesis that levels do not differ at all, level labels are exchangeable, so
the null distribution of every statistic comes from permuting the labels over respondents
(each respondent keeps their whole profile, so the correlation between scales is kept).

For each adjacent pair (A, B) and rule r the statistic is ``min(|d(A, r)|, |d(B, r)|)`` when the
two departures share a sign (0 otherwise); its permutation p-value is adjusted for every rule ×
pair tested with the Benjamini–Hochberg procedure. A pair and rule is **claimed** only when

- its adjusted p-value (q) is at most ``fdr`` (0.05), and
- both departures are at least ``min_departure`` (0.2) standard deviations of the rule's scores
  (Cohen's "small" effect), so a claim is never about a trivial difference.

Under the complete null any claim is a false one, so the chance that a wave shows any claim is
at most ``fdr`` (checked by ``benchmarks/mirroring.py``). The profile correlation of each pair
(over the rules' departures) comes with its own permutation p-value, because with nine rules its
null spread is wide (SD ≈ 0.35).

:func:`mirroring_chains` joins claims into contiguous chains of levels: the same rule claimed
for the pairs (1, 2) and (2, 3) makes the chain 1, 2, 3. Pairs are only ever formed between
levels next to each other in the full level order, so a level that is hidden (or missing)
breaks a chain; nothing is inferred across it.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .grouping import as_labels

FloatArray = NDArray[np.float64]

DEFAULT_PERMUTATIONS = 999
DEFAULT_FDR = 0.05
DEFAULT_MIN_DEPARTURE = 0.2
_CHUNK = 128


@dataclass(frozen=True)
class PairRuleTest:
    """One rule for one pair of adjacent levels."""

    upper: str
    lower: str
    rule: str
    upper_departure: float
    lower_departure: float
    sd: float
    p_value: float
    q_value: float
    claimed: bool

    @property
    def pattern(self) -> str:
        """``shared_strength``, ``shared_strain`` or ``differs`` (by the departures' signs)."""
        if self.upper_departure > 0 and self.lower_departure > 0:
            return "shared_strength"
        if self.upper_departure < 0 and self.lower_departure < 0:
            return "shared_strain"
        return "differs"

    @property
    def size(self) -> float:
        """The smaller of the two departures, in standard deviations of the rule's scores."""
        return min(abs(self.upper_departure), abs(self.lower_departure)) / self.sd


@dataclass(frozen=True)
class PairProfile:
    """How closely two adjacent levels' departure profiles agree, with a permutation p-value."""

    upper: str
    lower: str
    profile_r: float
    p_value: float


@dataclass(frozen=True)
class MirroringTest:
    """Every test made for a wave, and the claims that passed."""

    levels: tuple[str, ...]
    rules: tuple[str, ...]
    tests: tuple[PairRuleTest, ...]
    profiles: tuple[PairProfile, ...]
    n_permutations: int
    fdr: float
    min_departure: float

    @property
    def claims(self) -> tuple[PairRuleTest, ...]:
        return tuple(t for t in self.tests if t.claimed)


@dataclass(frozen=True)
class MirrorChain:
    """A rule claimed for every pair along a run of adjacent levels (at least two levels)."""

    rule: str
    pattern: str  # shared_strength | shared_strain
    levels: tuple[str, ...]
    size: float  # the smallest claimed size along the chain, in SDs


def _departures(sums: FloatArray, counts: FloatArray, overall: FloatArray) -> FloatArray:
    """Double-centred departures for stacked level × rule sums and counts (…, L, R)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        means = sums / counts
    elevation = np.nanmean(means, axis=-1, keepdims=True)
    return (means - elevation) - (overall - np.nanmean(overall))


def _benjamini_hochberg(p: FloatArray) -> FloatArray:
    m = p.size
    if m == 0:
        return p
    order = np.argsort(p)
    ranked = p[order] * m / np.arange(1, m + 1)
    q = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.minimum(q, 1.0)
    return out


def adjacent_pairs(level_order: Sequence[str], shown: Sequence[str]) -> list[tuple[str, str]]:
    """Pairs of levels next to each other in ``level_order`` with both levels shown."""
    visible = set(shown)
    return [
        (a, b)
        for a, b in zip(level_order, level_order[1:], strict=False)
        if a in visible and b in visible
    ]


def _check_inputs(rules: tuple[str, ...], n_permutations: int) -> None:
    if len(rules) < 3:
        raise ValueError("mirroring needs at least 3 rules")
    if n_permutations < 19:
        raise ValueError("use at least 19 permutations")


@dataclass(frozen=True)
class _Departures:
    """Each level's departure from the system's common pattern, for any labelling of people."""

    filled: FloatArray
    mask: NDArray[np.bool_]
    overall: FloatArray
    n_levels: int
    ia: NDArray[np.int64]
    ib: NDArray[np.int64]

    def stats(self, code_sets: NDArray[np.int64]) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Level codes (B, n) → departures (B, L, R), pair statistics (B, P, R), r (B, P)."""
        b, n = code_sets.shape
        onehot = np.zeros((b, n, self.n_levels))
        np.put_along_axis(onehot, code_sets[:, :, None], 1.0, axis=2)
        sums = np.einsum("bnl,nr->blr", onehot, self.filled)
        cnts = np.einsum("bnl,nr->blr", onehot, self.mask.astype(float))
        d = _departures(sums, cnts, self.overall)
        da, db = d[:, self.ia, :], d[:, self.ib, :]
        same = np.sign(da) * np.sign(db) > 0
        stat = np.where(same, np.minimum(np.abs(da), np.abs(db)), 0.0)
        stat = np.nan_to_num(stat, nan=0.0)
        ca = da - np.nanmean(da, axis=-1, keepdims=True)
        cb = db - np.nanmean(db, axis=-1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            r = np.nansum(ca * cb, axis=-1) / np.sqrt(
                np.nansum(ca * ca, axis=-1) * np.nansum(cb * cb, axis=-1)
            )
        return d, stat, r


def _exceedances(
    model: _Departures,
    codes: NDArray[np.int64],
    t_obs: FloatArray,
    r_obs: FloatArray,
    n_permutations: int,
    seed: int,
) -> tuple[FloatArray, FloatArray]:
    """How often a permutation of the level labels does at least as well as the observed."""
    rng = np.random.default_rng(seed)
    exceed = np.zeros(t_obs.shape[1:])
    exceed_r = np.zeros(r_obs.shape[1:])
    done = 0
    while done < n_permutations:
        chunk = min(_CHUNK, n_permutations - done)
        perm = np.stack([rng.permutation(codes) for _ in range(chunk)])
        _, t_perm, r_perm = model.stats(perm)
        exceed += (t_perm >= t_obs[0] - 1e-12).sum(axis=0)
        exceed_r += (np.nan_to_num(r_perm, nan=-np.inf) >= r_obs[0] - 1e-12).sum(axis=0)
        done += chunk
    return exceed, exceed_r


def claim_mirroring(
    scores: Mapping[str, ArrayLike],
    levels: ArrayLike | Sequence[Hashable],
    pairs: Sequence[tuple[str, str]],
    *,
    n_permutations: int = DEFAULT_PERMUTATIONS,
    fdr: float = DEFAULT_FDR,
    min_departure: float = DEFAULT_MIN_DEPARTURE,
    seed: int = 0,
    untested: Collection[tuple[str, str]] = (),
) -> MirroringTest:
    """Test every rule of ``scores`` for every pair in ``pairs`` (see the module docstring).

    ``scores`` maps each rule to one score per respondent (NaN where not scored); ``levels``
    gives each respondent's level. Respondents of levels outside ``pairs`` still count in the
    system's common pattern and in the permutations. ``untested`` lists (level, rule) cells
    not to test (for example, hidden because too few answered that scale): a pair and rule
    touching one is left out of the tests and of the false discovery adjustment. Deterministic
    given ``seed``.
    """
    rules = tuple(scores)
    labels = [str(x) for x in as_labels(levels)]
    _check_inputs(rules, n_permutations)
    y = np.column_stack([np.asarray(scores[r], dtype=float).ravel() for r in rules])
    if y.shape[0] != len(labels):
        raise ValueError(f"{y.shape[0]} scores but {len(labels)} level labels")
    names = list(dict.fromkeys(labels))
    index = {name: i for i, name in enumerate(names)}
    for a, b in pairs:
        if a not in index or b not in index:
            raise ValueError(f"pair ({a!r}, {b!r}) names a level with no respondents")
    codes = np.array([index[x] for x in labels], dtype=np.int64)
    mask = ~np.isnan(y)
    filled = np.where(mask, y, 0.0)
    counts_all = mask.sum(axis=0)
    sd = np.array(
        [np.nanstd(y[:, j], ddof=1) if counts_all[j] > 1 else np.nan for j in range(y.shape[1])]
    )
    model = _Departures(
        filled=filled,
        mask=mask,
        overall=filled.sum(axis=0) / np.maximum(counts_all, 1),
        n_levels=len(names),
        ia=np.array([index[a] for a, _ in pairs], dtype=np.int64),
        ib=np.array([index[b] for _, b in pairs], dtype=np.int64),
    )
    d_obs, t_obs, r_obs = model.stats(codes[None, :])
    exceed, exceed_r = _exceedances(model, codes, t_obs, r_obs, n_permutations, seed)
    p = (1.0 + exceed) / (n_permutations + 1.0)
    p = np.where(t_obs[0] > 0, p, 1.0)
    skip = set(untested)
    tested = np.array(
        [[(a, r) not in skip and (b, r) not in skip for r in rules] for a, b in pairs], dtype=bool
    ).reshape(p.shape)
    q = np.ones_like(p)
    q[tested] = _benjamini_hochberg(p[tested])
    tests = []
    for k, (a, bname) in enumerate(pairs):
        for j, rule in enumerate(rules):
            if not tested[k, j]:
                continue
            ua, lb = float(d_obs[0, model.ia[k], j]), float(d_obs[0, model.ib[k], j])
            size = min(abs(ua), abs(lb)) / sd[j] if sd[j] and np.isfinite(sd[j]) else 0.0
            claimed = bool(
                q[k, j] <= fdr and np.sign(ua) == np.sign(lb) and ua != 0 and size >= min_departure
            )
            tests.append(
                PairRuleTest(
                    a, bname, rule, ua, lb, float(sd[j]), float(p[k, j]), float(q[k, j]), claimed
                )
            )
    profiles = tuple(
        PairProfile(a, bname, float(r_obs[0, k]), float((1.0 + exceed_r[k]) / (n_permutations + 1)))
        for k, (a, bname) in enumerate(pairs)
    )
    return MirroringTest(
        levels=tuple(names),
        rules=rules,
        tests=tuple(tests),
        profiles=profiles,
        n_permutations=n_permutations,
        fdr=fdr,
        min_departure=min_departure,
    )


def mirroring_chains(
    claims: Sequence[PairRuleTest], level_order: Sequence[str]
) -> list[MirrorChain]:
    """Join claims into maximal runs of adjacent levels, per rule and pattern.

    Two claims join only when they share a level and the pairs are consecutive in
    ``level_order``; a pair that is not adjacent in ``level_order`` is ignored, so a hidden
    level always ends a chain. Strengths first, then by size, largest first.
    """
    position = {name: i for i, name in enumerate(level_order)}
    by_key: dict[tuple[str, str], dict[int, float]] = {}
    for c in claims:
        if not c.claimed or c.pattern == "differs":
            continue
        i, j = position.get(c.upper), position.get(c.lower)
        if i is None or j is None or j != i + 1:
            continue
        by_key.setdefault((c.rule, c.pattern), {})[i] = c.size
    chains = []
    for (rule, pattern), starts in by_key.items():
        run: list[int] = []
        for i in sorted(starts):
            if run and i != run[-1] + 1:
                chains.append(_chain(rule, pattern, run, starts, level_order))
                run = []
            run.append(i)
        if run:
            chains.append(_chain(rule, pattern, run, starts, level_order))
    chains.sort(key=lambda c: (c.pattern != "shared_strength", -len(c.levels), -c.size))
    return chains


def _chain(
    rule: str, pattern: str, run: list[int], sizes: dict[int, float], order: Sequence[str]
) -> MirrorChain:
    levels = tuple(order[i] for i in range(run[0], run[-1] + 2))
    return MirrorChain(rule, pattern, levels, min(sizes[i] for i in run))
