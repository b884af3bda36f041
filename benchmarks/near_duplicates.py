"""Near-duplicate detection: cross-validated precision and recall, and time per check.

Run from the repository root::

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/near_duplicates.py \
        [--data DIR] [--repeats 5]

1. On the labelled pairs of ``tests/data/near_duplicates/pairs.csv`` (written for this project;
   see its README): the threshold chosen on the training folds of a 5-fold split grouped by the
   pairs' first statement (best F-score weighing precision twice, ``similarity.BETA``), and
   the pooled held-out precision, recall and F-score; then, at the
   product's threshold (``similarity.THRESHOLD``, the rule applied to every pair), how often
   each kind of pair is shown as a near-duplicate, and recall@3 as the page uses it (each
   paraphrase among every text of the set: is its partner among the 3 shown?).
2. Time per check at 1,000 and 10,000 existing statements (real Pol.is comments from
   ``--data``, a folder of Pol.is exports holding ``*/comments.csv``; without it, the labelled
   set's own texts; repeated with a numbered suffix when there are fewer): building the index (once
   per set of statements) and one check (a new text against all of them), median CPU time
   (``time.process_time``) and wall time over ``--repeats`` builds and 200 checks.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from walkthetalk.analysis.text import similarity  # noqa: E402

PAIRS = ROOT / "tests" / "data" / "near_duplicates" / "pairs.csv"


def labelled() -> tuple[list[tuple[str, str]], list[bool], list[str]]:
    with PAIRS.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    pairs = [(r["text_a"], r["text_b"]) for r in rows]
    return pairs, [r["same"] == "1" for r in rows], [r["kind"] for r in rows]


def quality() -> None:
    pairs, same, kinds = labelled()
    cv = similarity.cross_validate(pairs, same)
    print(f"labelled pairs: {len(pairs)} ({sum(same)} same, {len(pairs) - sum(same)} not)")
    print(f"thresholds chosen on the 5 training folds: {cv.thresholds}")
    print(
        f"cross-validated (held-out, pooled): precision {cv.precision:.3f}  "
        f"recall {cv.recall:.3f}  F{similarity.BETA} {cv.f_beta:.3f}"
    )
    print(f"threshold the rule picks on every pair: {cv.chosen} (product: {similarity.THRESHOLD})")
    scores = similarity.pair_scores(pairs)
    shown = scores >= similarity.THRESHOLD
    for kind in ("paraphrase", "hard_negative", "shared_wording", "negative"):
        mask = np.array([k == kind for k in kinds])
        print(f"  {kind:<14} shown as near-duplicate: {shown[mask].mean():.3f} of {mask.sum()}")
    texts = sorted({t for pair in pairs for t in pair})
    hits = 0
    paraphrases = [p for p, s in zip(pairs, same, strict=True) if s]
    for a, b in paraphrases:
        corpus = [t for t in texts if t != b]
        index = similarity.SimilarityIndex(corpus)
        found = [corpus[m.index] for m in index.similar(b)]
        hits += a in found
    print(
        f"recall@{similarity.MAX_SHOWN} among all {len(texts)} texts of the set: "
        f"{hits / len(paraphrases):.3f}"
    )


def comments(folder: Path) -> list[str]:
    seen: dict[str, None] = {}
    for path in sorted(folder.glob("*/comments.csv")):
        with path.open(newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                text = " ".join((row.get("comment-body") or "").split())
                if text:
                    seen.setdefault(text, None)
    return list(seen)


def statements(pool: list[str], n: int) -> list[str]:
    return [
        pool[i % len(pool)] + (f" ({i // len(pool)})" if i >= len(pool) else "") for i in range(n)
    ]


def median_times(fn, repeats: int) -> tuple[float, float]:
    cpu, wall = [], []
    for _ in range(repeats):
        c, w = time.process_time(), time.perf_counter()
        fn()
        cpu.append(time.process_time() - c)
        wall.append(time.perf_counter() - w)
    return statistics.median(cpu), statistics.median(wall)


def timing(folder: Path | None, repeats: int) -> None:
    pairs = labelled()[0]
    queries = [b for (_, b) in pairs]
    pool = comments(folder) if folder is not None else []
    if folder is not None and not pool:
        sys.exit(f"no */comments.csv with comments under {folder}")
    source = f"{folder} ({len(pool)} distinct comments)"
    if not pool:
        pool = sorted({t for pair in pairs for t in pair})
        source = f"the labelled set's own {len(pool)} texts (give --data for real comments)"
    print(f"\nexisting statements from {source}")
    for n in (1_000, 10_000):
        existing = statements(pool, n)
        build_cpu, build_wall = median_times(
            lambda texts=existing: similarity.SimilarityIndex(texts), repeats
        )
        index = similarity.SimilarityIndex(existing)
        cpu, wall = [], []
        for q in (queries * 2)[:200]:
            c, w = time.process_time(), time.perf_counter()
            index.similar(q)
            cpu.append(time.process_time() - c)
            wall.append(time.perf_counter() - w)
        print(
            f"  {n:>6} statements: build index CPU {build_cpu * 1000:.0f} ms "
            f"(wall {build_wall * 1000:.0f} ms); one check CPU "
            f"{statistics.median(cpu) * 1000:.2f} ms (wall {statistics.median(wall) * 1000:.2f} ms)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="folder of Pol.is exports (*/comments.csv)")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    quality()
    timing(args.data, args.repeats)


if __name__ == "__main__":
    main()
