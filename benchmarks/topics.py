"""Topics: how many topics the stability rule picks, how stable, and what it costs.

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python benchmarks/topics.py [--data DIR] [--max 300]

For every Pol.is export folder under ``--data`` (default: the repository's ``tests/data/polis``)
it finds topics in the first ``--max`` comments with ``SAMPLES`` subsets (the product's value)
and with twice as many, and prints the ``k`` each picks, the stability per ``k``, the topics'
names and sizes, and CPU seconds (process time) beside wall time. Nothing is tuned here.
"""

from __future__ import annotations

import argparse
import csv
import time
from pathlib import Path

from walkthetalk.analysis.text import topics

ROOT = Path(__file__).resolve().parents[1]


def _texts(folder: Path, limit: int) -> list[str]:
    with (folder / "comments.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return [r.get("comment-body") or r.get("txt") or "" for r in rows][:limit]


def _run(texts: list[str], samples: int) -> tuple[topics.Topics, float, float]:
    old = topics.SAMPLES
    topics.SAMPLES = samples
    try:
        cpu, wall = time.process_time(), time.perf_counter()
        found = topics.find_topics(texts)
        return found, time.process_time() - cpu, time.perf_counter() - wall
    finally:
        topics.SAMPLES = old


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT / "tests" / "data" / "polis")
    parser.add_argument("--max", type=int, default=300)
    args = parser.parse_args()
    same = total = 0
    for folder in sorted(p for p in args.data.iterdir() if (p / "comments.csv").exists()):
        texts = _texts(folder, args.max)
        base, cpu, wall = _run(texts, topics.SAMPLES)
        more, cpu30, wall30 = _run(texts, 2 * topics.SAMPLES)
        k, k30 = len(base.topics), len(more.topics)
        total += 1
        same += k == k30
        print(f"{folder.name}: {len(texts)} texts")
        print(f"  {topics.SAMPLES} subsets: k={k} CPU {cpu:.2f} s (wall {wall:.2f} s)")
        print(f"  {2 * topics.SAMPLES} subsets: k={k30} CPU {cpu30:.2f} s (wall {wall30:.2f} s)")
        print(f"  stability ({topics.SAMPLES} subsets): {base.stability}")
        for t in base.topics:
            print(f"    {t.name}: {len(t.members)} texts")
    print(f"same k with {topics.SAMPLES} and {2 * topics.SAMPLES} subsets: {same} of {total}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
