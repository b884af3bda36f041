"""Benchmark planning releases with the exact guarantee (walkthetalk.analysis.privacy).

Run from the repository root (threads pinned, as for every benchmark here)::

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/privacy.py
    ... benchmarks/privacy.py --quick          # one repeat each, smaller reference
    ... benchmarks/privacy.py --data DIR       # cache the synthetic inputs and write results.json

Two state-scale cases, each planned against a ledger that already holds an earlier release:

* **wave**: 1,000 units (a random tree), 8 sectors, 5 levels, 20,000 responses, every scale of
  the shipped instrument with 3% non-response per scale; an earlier release at 15,000
  responses is in the ledger. Timed: read the stored ledger, :func:`plan_wave` over every
  group and scale, write the ledger back. Target: under 2 s.
* **conversation refresh**: 100,000 participants, 1,000 statements, about 3M votes, 4 opinion
  groups, 8 sectors; an earlier refresh at 95,000 participants is in the ledger. Timed: read the
  ledger, :func:`plan_refresh`, write it back. Target: under 1 s.

Each is printed as the median wall time and CPU time of the repeats, beside a reference
measured in the same run on the same data: computing the same figures with no privacy at all
(group means per scale; per-group tallies per statement), and the ratio of the two.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS"):  # pinned before numpy loads
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402
import scipy.sparse as sp  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from walkthetalk.analysis.privacy import (  # noqa: E402
    ReleaseLedger,
    codes_of,
    plan_refresh,
    plan_wave,
)
from walkthetalk.analysis.pulse import load_shipped_instrument  # noqa: E402

SEED = 0


def timed(fn: Callable[[], Any], repeats: int) -> tuple[float, float, Any]:
    """Median wall and CPU seconds over ``repeats`` calls, and the last result."""
    walls, cpus = [], []
    out = None
    for _ in range(repeats):
        w, c = time.perf_counter(), time.process_time()
        out = fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return statistics.median(walls), statistics.median(cpus), out


# ----------------------------------------------------------------------------- the wave


def make_wave(n: int, n_units: int, n_sectors: int, n_levels: int, scales: list[str]) -> dict:
    rng = np.random.default_rng(SEED)
    parents = np.full(n_units, -1, dtype=np.int64)
    for u in range(8, n_units):  # eight top units, the rest hang below earlier units
        parents[u] = rng.integers(0, u)
    units = rng.integers(0, n_units, n)
    return {
        "parents": parents,
        "units": units,
        "levels": rng.integers(0, n_levels, n),
        "sectors": rng.integers(-1, n_sectors, n),  # -1: no sector
        "answered": {s: rng.random(n) > 0.03 for s in scales},
        "values": {s: rng.uniform(1, 5, n) for s in scales},
    }


def wave_groups(w: dict, upto: int) -> list[tuple[str, np.ndarray]]:
    """Total, levels, units (top of the tree first, with everything below), sectors."""
    units, parents = w["units"][:upto], w["parents"]
    rows = np.arange(upto, dtype=np.int64)
    groups = [("total", rows)]
    levels = w["levels"][:upto]
    groups += [(f"level:{lv}", rows[levels == lv]) for lv in range(int(w["levels"].max()) + 1)]
    depth = np.zeros(parents.size, dtype=np.int64)
    for u in range(parents.size):
        depth[u] = 0 if parents[u] < 0 else depth[parents[u]] + 1
    order = np.argsort(units, kind="stable")
    bounds = np.searchsorted(units[order], np.arange(parents.size + 1))
    own = [order[bounds[u] : bounds[u + 1]] for u in range(parents.size)]
    subtree: list[list[np.ndarray]] = [[own[u]] for u in range(parents.size)]
    for u in sorted(range(parents.size), key=lambda x: -depth[x]):
        if parents[u] >= 0:
            subtree[parents[u]].extend(subtree[u])
    for u in sorted(range(parents.size), key=lambda x: (depth[x], x)):
        groups.append((f"unit:{u}", np.sort(np.concatenate(subtree[u]))))
    sectors = w["sectors"][:upto]
    groups += [(f"sector:{s}", rows[sectors == s]) for s in range(int(w["sectors"].max()) + 1)]
    return groups


def bench_wave(repeats: int, quick: bool) -> dict[str, Any]:
    scales = [s.id for s in load_shipped_instrument().scales]
    n, earlier = 20_000, 15_000
    w = make_wave(n, 1_000, 8, 5, scales)
    ids = codes_of(f"response-{i}" for i in range(n))
    answered = {s: m for s, m in w["answered"].items()}
    first = plan_wave(
        ids[:earlier],
        wave_groups(w, earlier),
        {s: m[:earlier] for s, m in answered.items()},
        min_size=5,
    )
    stored = json.dumps(first.ledger.to_dict())
    groups = wave_groups(w, n)

    def plan() -> Any:
        ledger = ReleaseLedger.from_dict(json.loads(stored))
        rel = plan_wave(ids, groups, answered, min_size=5, ledger=ledger)
        json.dumps(rel.ledger.to_dict())
        return rel

    def reference() -> Any:  # the same figures, no privacy: count and mean per group and scale
        out = {}
        for key, rows in groups:
            for s in scales:
                r = rows[answered[s][rows]]
                out[(key, s)] = (r.size, float(w["values"][s][r].mean()) if r.size else None)
        return out

    wall, cpu, rel = timed(plan, repeats)
    rwall, rcpu, _ = timed(reference, 1 if quick else repeats)
    shown = sum(1 for f in rel.responses.values() if f.n)
    partial = sum(1 for f in rel.responses.values() if f.reason == "partial")
    scale_shown = sum(1 for figs in rel.scales.values() for f in figs.values() if f.n)
    return {
        "case": "wave 20,000 responses x 1,000 units x 8 sectors x 5 levels",
        "groups": len(groups),
        "scales": len(scales),
        "groups shown": shown,
        "groups partial": partial,
        "group x scale figures shown": scale_shown,
        "group x scale figures": len(groups) * len(scales),
        "ledger bytes": len(json.dumps(rel.ledger.to_dict())),
        "wall s (median)": wall,
        "cpu s (median)": cpu,
        "reference wall s": rwall,
        "reference cpu s": rcpu,
        "ratio to reference": wall / rwall,
        "target s": 2.0,
    }


# ----------------------------------------------------------------------------- the conversation


def make_conversation(n: int, m: int, votes_each: int) -> dict:
    rng = np.random.default_rng(SEED + 1)
    rows = np.repeat(np.arange(n), votes_each)
    cols = rng.integers(0, m, rows.size)
    keep = np.unique(rows * m + cols)
    rows, cols = keep // m, keep % m
    labels = rng.integers(-1, 4, n)
    lean = rng.uniform(-1, 1, (5, m))
    p = lean[labels[rows] + 1, cols]
    values = np.where(rng.random(rows.size) < (p + 1) / 2, 1, -1)
    values[rng.random(rows.size) < 0.15] = 0
    names = [f"sector {i}" for i in range(8)]
    sectors = [names[i] if i < 8 else None for i in rng.integers(0, 9, n)]
    return {"rows": rows, "cols": cols, "values": values, "labels": labels, "sectors": sectors}


def conversation_matrix(c: dict, upto: int, m: int) -> sp.csr_matrix:
    keep = c["rows"] < upto
    # a pass is stored as an explicit 0: keep it by storing value + 2 and shifting back
    mat = sp.csr_matrix(
        (c["values"][keep] + 2, (c["rows"][keep], c["cols"][keep])), shape=(upto, m)
    )
    mat.data = mat.data - 2
    return mat


def bench_conversation(repeats: int) -> dict[str, Any]:
    n, earlier, m = 100_000, 95_000, 1_000
    c = make_conversation(n, m, 30)
    sids = [f"s{j}" for j in range(m)]
    codes = np.arange(n, dtype=np.int64) + 1
    labels, sectors = c["labels"], c["sectors"]

    def refresh(upto: int, ledger: ReleaseLedger | None) -> Any:
        return plan_refresh(
            codes[:upto],
            conversation_matrix(c, upto, m),
            sids,
            labels=labels[:upto],
            counted=labels[:upto] >= 0,
            sectors=sectors[:upto],
            min_size=5,
            ledger=ledger,
        )

    stored = json.dumps(refresh(earlier, None).ledger.to_dict())
    matrix = conversation_matrix(c, n, m)

    def plan() -> Any:
        ledger = ReleaseLedger.from_dict(json.loads(stored))
        rel = plan_refresh(
            codes,
            matrix,
            sids,
            labels=labels,
            counted=labels >= 0,
            sectors=sectors,
            min_size=5,
            ledger=ledger,
        )
        json.dumps(rel.ledger.to_dict())
        return rel

    def reference() -> Any:  # the same tallies with no privacy
        member = labels >= 0
        g = sp.csr_matrix(
            (np.ones(int(member.sum())), (labels[member], np.flatnonzero(member))), shape=(4, n)
        )
        agree = matrix.copy()
        agree.data = (agree.data == 1).astype(float)
        seen = matrix.copy()
        seen.data = np.ones_like(seen.data, dtype=float)
        return (g @ agree).toarray(), (g @ seen).toarray()

    wall, cpu, rel = timed(plan, repeats)
    rwall, rcpu, _ = timed(reference, repeats)
    everyone = [t["everyone"] for t in rel.statements.values()]
    figures = repr(
        (
            sorted((s, sorted(t.items())) for s, t in rel.statements.items()),
            sorted(rel.participants.items()),
        )
    )
    return {
        "case": f"conversation refresh {n:,} participants x {m:,} statements x "
        f"{matrix.nnz:,} votes",
        "statements shown overall": sum(1 for t in everyone if t.seen),
        "votes counted overall": int(sum(t.seen for t in everyone)),
        "votes": int(matrix.nnz),
        "ledger bytes": len(json.dumps(rel.ledger.to_dict())),
        # to check that a faster planner releases the very same figures and ledger
        "figures sha256": hashlib.sha256(figures.encode()).hexdigest()[:16],
        "ledger sha256": hashlib.sha256(
            json.dumps(rel.ledger.to_dict(), sort_keys=True).encode()
        ).hexdigest()[:16],
        "wall s (median)": wall,
        "cpu s (median)": cpu,
        "reference wall s": rwall,
        "reference cpu s": rcpu,
        "ratio to reference": wall / rwall,
        "cpu ratio to reference": cpu / rcpu,
        "target s": 1.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one repeat per timing")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--data", type=Path, help="folder to write results.json into")
    parser.add_argument("--only", choices=("wave", "conversation"))
    args = parser.parse_args()
    print("threads:", {v: os.environ[v] for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS")})
    repeats = 1 if args.quick else args.repeats
    results = []
    if args.only in (None, "wave"):
        results.append(bench_wave(repeats, args.quick))
    if args.only in (None, "conversation"):
        results.append(bench_conversation(repeats))
    for r in results:
        print(r["case"])
        for key, value in r.items():
            if key != "case":
                print(
                    f"  {key:32} {value:.3f}" if isinstance(value, float) else f"  {key:32} {value}"
                )
    if args.data:
        args.data.mkdir(parents=True, exist_ok=True)
        (args.data / "results.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
