"""Calibrated mirroring: permutation tests with FDR control, size threshold, contiguous chains."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from walkthetalk.analysis.pulse import (
    PairRuleTest,
    adjacent_pairs,
    claim_mirroring,
    mirroring_chains,
)

LEVELS = ("Funders", "Leadership", "Supervisors", "Direct care", "Persons served")
RULES = tuple(f"r{i}" for i in range(9))


def wave(
    seed: int, sizes: tuple[int, ...] = (30, 40, 50, 60, 40), planted: float = 0.0
) -> tuple[dict[str, np.ndarray], list[str]]:
    rng = np.random.default_rng(seed)
    k = len(RULES)
    cov = np.full((k, k), 0.6) + 0.4 * np.eye(k)
    rows, labels = [], []
    for level, n in zip(LEVELS, sizes, strict=True):
        z = rng.multivariate_normal(np.zeros(k), cov, size=n)
        if level in ("Leadership", "Supervisors", "Direct care"):
            z[:, 2] += planted
            z[:, 6] -= planted
        rows.append(3.0 + np.linspace(-0.4, 0.4, k) + 0.7 * z)
        labels += [level] * n
    x = np.vstack(rows)
    return {r: x[:, j] for j, r in enumerate(RULES)}, labels


def test_a_strong_planted_mirror_is_claimed_and_chained_without_gaps() -> None:
    scores, labels = wave(1, planted=1.2)
    result = claim_mirroring(scores, labels, adjacent_pairs(LEVELS, LEVELS), seed=3)
    claimed = {(c.upper, c.lower, c.rule, c.pattern) for c in result.claims}
    assert ("Leadership", "Supervisors", "r2", "shared_strength") in claimed
    assert ("Supervisors", "Direct care", "r6", "shared_strain") in claimed
    chains = mirroring_chains(result.claims, LEVELS)
    strength = next(c for c in chains if c.rule == "r2" and c.pattern == "shared_strength")
    assert strength.levels == ("Leadership", "Supervisors", "Direct care")
    for c in result.claims:
        assert c.q_value <= result.fdr and c.size >= result.min_departure


def test_no_difference_between_levels_gives_no_claim_for_most_waves() -> None:
    waves_with_claims = 0
    for seed in range(40):
        scores, labels = wave(seed, sizes=(8, 15, 25, 60, 30))
        res = claim_mirroring(
            scores, labels, adjacent_pairs(LEVELS, LEVELS), n_permutations=399, seed=seed
        )
        waves_with_claims += bool(res.claims)
    # the benchmark measures the rate on 2,000 waves; here: clearly under the old 99.95%
    assert waves_with_claims <= 6


def test_a_hidden_level_ends_a_chain() -> None:
    shown = ["Funders", "Leadership", "Direct care", "Persons served"]  # Supervisors hidden
    assert adjacent_pairs(LEVELS, shown) == [
        ("Funders", "Leadership"),
        ("Direct care", "Persons served"),
    ]


def _claim(upper: str, lower: str, rule: str = "r1", sign: float = 1.0) -> PairRuleTest:
    return PairRuleTest(upper, lower, rule, 0.5 * sign, 0.5 * sign, 1.0, 0.001, 0.01, True)


def test_chains_join_only_consecutive_pairs() -> None:
    claims = [
        _claim("Funders", "Leadership"),
        _claim("Leadership", "Supervisors"),
        # Supervisors–Direct care is not claimed: the chain stops there
        _claim("Direct care", "Persons served"),
        # not adjacent in the level order: ignored, never bridged
        _claim("Leadership", "Direct care"),
    ]
    chains = mirroring_chains(claims, LEVELS)
    assert [c.levels for c in chains] == [
        ("Funders", "Leadership", "Supervisors"),
        ("Direct care", "Persons served"),
    ]


def test_bad_input_is_refused() -> None:
    scores, labels = wave(0)
    with pytest.raises(ValueError, match="at least 3 rules"):
        claim_mirroring({"r0": scores["r0"]}, labels, [("Funders", "Leadership")])
    with pytest.raises(ValueError, match="no respondents"):
        claim_mirroring(scores, labels, [("Funders", "Nobody")])
    with pytest.raises(ValueError, match="level labels"):
        claim_mirroring(scores, labels[:-1], [("Funders", "Leadership")])


SOME = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SOME
@given(st.integers(0, 10_000), st.floats(-1.0, 1.0), st.floats(0.3, 3.0))
def test_departures_ignore_level_elevation_and_scale_units(
    seed: int, shift: float, unit: float
) -> None:
    scores, labels = wave(seed)
    pairs = adjacent_pairs(LEVELS, LEVELS)
    lab = np.array(labels)
    moved = {r: np.where(lab == "Supervisors", v + shift, v) * unit for r, v in scores.items()}
    a = claim_mirroring(scores, labels, pairs, n_permutations=99, seed=1)
    b = claim_mirroring(moved, labels, pairs, n_permutations=99, seed=1)
    for x, y in zip(a.tests, b.tests, strict=True):
        assert y.upper_departure == pytest.approx(x.upper_departure * unit, abs=1e-9)
        assert y.p_value == pytest.approx(x.p_value)
        assert y.claimed == x.claimed


@SOME
@given(st.integers(0, 10_000))
def test_p_values_and_q_values_are_valid_probabilities(seed: int) -> None:
    scores, labels = wave(seed, sizes=(8, 15, 25, 60, 30))
    res = claim_mirroring(scores, labels, adjacent_pairs(LEVELS, LEVELS), n_permutations=49)
    assert len(res.tests) == 4 * len(RULES)
    for t in res.tests:
        assert 1 / 50 <= t.p_value <= 1.0
        assert t.p_value <= t.q_value <= 1.0
        assert not t.claimed or t.pattern != "differs"
    for p in res.profiles:
        assert -1.0 <= p.profile_r <= 1.0 and 0 < p.p_value <= 1


@SOME
@given(st.integers(0, 10_000))
def test_same_seed_same_answer(seed: int) -> None:
    scores, labels = wave(seed)
    pairs = adjacent_pairs(LEVELS, LEVELS)
    a = claim_mirroring(scores, labels, pairs, n_permutations=49, seed=seed)
    b = claim_mirroring(scores, labels, pairs, n_permutations=49, seed=seed)
    assert a == b


def test_untested_cells_are_left_out_of_tests_and_of_the_adjustment() -> None:
    scores, labels = wave(1, planted=1.2)
    pairs = adjacent_pairs(LEVELS, LEVELS)
    full = claim_mirroring(scores, labels, pairs, n_permutations=199, seed=3)
    part = claim_mirroring(
        scores, labels, pairs, n_permutations=199, seed=3, untested=[("Supervisors", "r2")]
    )
    assert len(part.tests) == len(full.tests) - 2  # both pairs touching Supervisors on r2
    assert not any(t.rule == "r2" and "Supervisors" in (t.upper, t.lower) for t in part.tests)
    by_key = {(t.upper, t.lower, t.rule): t for t in full.tests}
    for t in part.tests:
        assert t.p_value == by_key[(t.upper, t.lower, t.rule)].p_value
    # q-values are adjusted over the tests made (Benjamini-Hochberg over 70, not 72)
    p = sorted(t.p_value for t in part.tests)
    smallest = min(t.q_value for t in part.tests)
    assert smallest == pytest.approx(min(p[i] * len(p) / (i + 1) for i in range(len(p))))
