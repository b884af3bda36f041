"""How often the pulse dashboard would claim mirroring: on null waves, and on planted effects.

Run from the repository root (threads pinned, as for every benchmark)::

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/mirroring.py
    ... benchmarks/mirroring.py --waves 200 --permutations 199       # a quick look
    ... benchmarks/mirroring.py --data /tmp/mirroring                # also writes results.json

Each simulated wave has five levels (n = 8, 15, 25, 60, 30 respondents, top to bottom) and
nine rule scales. A respondent's scale scores have reliability .75 and correlate .6 with each
other; the rules differ in how easy they are to endorse (the system's common pattern, the same
at every level). Scores are put on the 1-5 scale and rounded to quarter points (a mean of four
items).

- **null**: no difference at all between levels. Any claim is a false one.
- **null, elevation**: levels differ only in overall level (every rule shifted alike by up to
  ±0.5 SD); the double-centred departures should ignore it.
- **planted**: two adjacent levels share a departure of ``effect`` SD on one rule (upwards for
  Supervisors and Direct care, a shared strength) and on another (downwards, a shared
  strain); three effect sizes. Power is the share of waves in which the planted pair and rule
  is claimed; "other claims" the share with any claim besides the planted ones.

For comparison the old rule (same sign of each level's deviation from its own nine-rule mean,
no threshold, no uncertainty) is scored on the same waves. Prints medians of the CPU and wall
time per wave as well.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from walkthetalk.analysis.pulse import adjacent_pairs, claim_mirroring  # noqa: E402

LEVELS = ("Funders", "Leadership", "Supervisors", "Direct care", "Persons served")
SIZES = (8, 15, 25, 60, 30)
RULES = tuple(f"rule_{i}" for i in range(1, 10))
RELIABILITY = 0.75
INTER_SCALE_R = 0.6
SD = 0.7  # observed score SD on the 1-5 scale
COMMON = np.linspace(-0.45, 0.45, len(RULES))  # the system's common pattern (points)
PLANTED_PAIR = ("Supervisors", "Direct care")
PLANTED_UP, PLANTED_DOWN = "rule_3", "rule_7"


def simulate(
    rng: np.random.Generator, *, effect: float = 0.0, elevation: bool = False
) -> tuple[dict[str, np.ndarray], list[str]]:
    """One wave: scores per rule and each respondent's level."""
    k = len(RULES)
    true_r = INTER_SCALE_R / RELIABILITY  # true scores correlate more than observed ones
    cov = RELIABILITY * (np.full((k, k), true_r) + (1 - true_r) * np.eye(k))
    labels: list[str] = []
    blocks = []
    for level, n in zip(LEVELS, SIZES, strict=True):
        true = rng.multivariate_normal(np.zeros(k), cov, size=n)
        error = rng.normal(0.0, np.sqrt(1 - RELIABILITY), size=(n, k))
        z = true + error
        if elevation:
            z += rng.uniform(-0.5, 0.5)
        if effect and level in PLANTED_PAIR:
            z[:, RULES.index(PLANTED_UP)] += effect
            z[:, RULES.index(PLANTED_DOWN)] -= effect
        blocks.append(3.4 + COMMON + SD * z)
        labels.extend([level] * n)
    x = np.clip(np.round(np.vstack(blocks) * 4) / 4, 1, 5)
    return {r: x[:, j] for j, r in enumerate(RULES)}, labels


def old_rule_claims(scores: dict[str, np.ndarray], labels: list[str]) -> int:
    """Claims of the old dashboard rule: same sign of ipsative deviations, nothing else."""
    lab = np.array(labels)
    prof = np.array([[scores[r][lab == lv].mean() for r in RULES] for lv in LEVELS])
    dev = prof - prof.mean(axis=1, keepdims=True)
    same = np.sign(dev[:-1]) * np.sign(dev[1:]) > 0
    # the old through-lines: a rule shared by two or more pairs
    return int((same.sum(axis=0) >= 2).sum())


def run(
    kind: str, waves: int, permutations: int, seed: int, effect: float = 0.0
) -> dict[str, float]:
    rng = np.random.default_rng(seed)
    pairs = adjacent_pairs(LEVELS, LEVELS)
    any_claim = planted_up = planted_down = other = old_any = 0
    wall, cpu = [], []
    for w in range(waves):
        scores, labels = simulate(rng, effect=effect, elevation=kind == "null, elevation")
        t0, c0 = time.perf_counter(), time.process_time()
        result = claim_mirroring(scores, labels, pairs, n_permutations=permutations, seed=w)
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        claims = result.claims
        any_claim += bool(claims)
        old_any += old_rule_claims(scores, labels) > 0
        hit = {(c.upper, c.lower, c.rule, c.pattern) for c in claims}
        up = (*PLANTED_PAIR, PLANTED_UP, "shared_strength")
        down = (*PLANTED_PAIR, PLANTED_DOWN, "shared_strain")
        planted_up += up in hit
        planted_down += down in hit
        other += bool(hit - {up, down})
    return {
        "waves": waves,
        "any_claim": any_claim / waves,
        "old_rule_any_through_line": old_any / waves,
        "power_strength": planted_up / waves,
        "power_strain": planted_down / waves,
        "other_claims": other / waves,
        "median_wall_s": statistics.median(wall),
        "median_cpu_s": statistics.median(cpu),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--waves", type=int, default=2000, help="null waves per condition")
    parser.add_argument("--planted-waves", type=int, default=500)
    parser.add_argument("--permutations", type=int, default=999)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", type=Path, help="folder to write results.json into")
    args = parser.parse_args()
    print(
        f"levels {dict(zip(LEVELS, SIZES, strict=True))}; reliability {RELIABILITY}; "
        f"inter-scale r {INTER_SCALE_R}; {args.permutations} permutations; seed {args.seed}"
    )
    results: dict[str, dict[str, float]] = {}
    conditions: list[tuple[str, int, float]] = [
        ("null", args.waves, 0.0),
        ("null, elevation", max(args.waves // 4, 1), 0.0),
    ]
    conditions += [(f"planted {e:.1f} SD", args.planted_waves, e) for e in (0.3, 0.5, 0.8)]
    header = (
        f"{'condition':<18}{'waves':>6}{'any claim':>11}{'old rule':>10}"
        f"{'power +':>9}{'power -':>9}{'other':>8}{'wall s':>9}{'cpu s':>8}"
    )
    print(header)
    for i, (name, waves, effect) in enumerate(conditions):
        kind = name if name.startswith("null") else "planted"
        r = run(kind, waves, args.permutations, args.seed + 1000 * i, effect)
        results[name] = r
        print(
            f"{name:<18}{waves:>6}{r['any_claim']:>11.3f}{r['old_rule_any_through_line']:>10.3f}"
            f"{r['power_strength']:>9.3f}{r['power_strain']:>9.3f}{r['other_claims']:>8.3f}"
            f"{r['median_wall_s']:>9.4f}{r['median_cpu_s']:>8.4f}"
        )
    null = results["null"]["any_claim"]
    print(f"null waves with any claim: {null:.3f} (target <= 0.05)")
    if args.data:
        args.data.mkdir(parents=True, exist_ok=True)
        (args.data / "results.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
