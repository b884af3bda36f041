"""Benchmark the common-ground engine against Pol.is's own groups and against red-dwarf 0.4.0.

Run from the repository root::

    .venv/bin/python benchmarks/commonground.py            # real data + 100k synthetic + refresh
    .venv/bin/python benchmarks/commonground.py --quick    # one repeat, no 100k red-dwarf
    .venv/bin/python benchmarks/commonground.py --huge     # adds the 1M x 5,000 x 30M run
    .venv/bin/python benchmarks/commonground.py --reddwarf-100k   # also time red-dwarf at 100k

Prints, per Pol.is openData conversation in ../shared/data/polis-opendata, the adjusted Rand
index (ARI) of our groups and of red-dwarf's against Pol.is's ``group-id`` (participants both
place), the group counts, and the time ratio (median of repeats, both run in this process on
the same prepared votes; file reading excluded). Then the synthetic runs, each in a child
process so its peak RSS (``ru_maxrss``) is its own. Needs the ``[bench]`` extra (red-dwarf).
This is a benchmark that prints figures, not a timed test.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import adjusted_rand_score

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from walkthetalk.analysis.commonground import (  # noqa: E402
    MalformedExportError,
    Settings,
    VoteMatrix,
    analyze,
    read_export,
    refresh,
    update,
)
from walkthetalk.analysis.commonground.matrix import from_indices  # noqa: E402

DATA = ROOT / ".." / "shared" / "data" / "polis-opendata"
SYNTHETIC_REPEATS = 3  # median of this many analyses at 100k (the 1M run is done once)


# ----------------------------------------------------------------------------- helpers


def timed(fn: Any, repeats: int) -> tuple[float, Any]:
    """Median wall time of ``repeats`` calls, and the last result."""
    times = []
    out = None
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def ari_against(reference: dict[str, int | None], ours: dict[str, int | None]) -> float:
    both = [p for p, g in ours.items() if g is not None and reference.get(p) is not None]
    if not both:
        return float("nan")
    return float(adjusted_rand_score([reference[p] for p in both], [ours[p] for p in both]))


def reddwarf_votes(matrix: VoteMatrix) -> list[dict[str, int]]:
    coo = matrix.values.tocoo()
    pids = np.array([int(p) for p in matrix.participant_ids])[coo.row]
    sids = np.array([int(s) for s in matrix.statement_ids])[coo.col]
    return [
        {"participant_id": int(p), "statement_id": int(s), "vote": int(v), "modified": 0}
        for p, s, v in zip(pids, sids, coo.data, strict=True)
    ]


def run_reddwarf(votes: list[dict[str, int]], mod_out: list[int], seed: int) -> Any:
    from reddwarf.implementations.base import run_pipeline

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return run_pipeline(votes=votes, mod_out_statement_ids=mod_out, random_state=seed)


def reddwarf_groups(result: Any) -> dict[str, int | None]:
    lab = result.participants_df["cluster_id"]
    return {str(p): (None if lab.isna()[p] else int(lab[p])) for p in lab.index}


def synthetic(n: int, m: int, nnz: int, k: int = 3, seed: int = 0) -> VoteMatrix:
    """``k`` planted opinion groups; about ``nnz`` votes, geometric votes per participant."""
    rng = np.random.default_rng(seed)
    group = rng.integers(0, k, n)
    p_agree = rng.uniform(0.05, 0.95, (k, m))
    per = max(nnz / n, 1.0)
    counts = np.maximum(1, rng.geometric(1.0 / per, n))
    rows = np.repeat(np.arange(n), counts)
    cols = rng.integers(0, m, rows.size)
    pa = p_agree[group[rows], cols]
    votes = np.where(
        rng.random(rows.size) < 0.15, 0, np.where(rng.random(rows.size) < pa, 1, -1)
    ).astype(np.int8)
    del pa
    return from_indices(rows, cols, votes, (n, m))


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


# ----------------------------------------------------------------------------- children


def child_synthetic(n: int, m: int, nnz: int, with_refresh: bool, with_reddwarf: bool) -> None:
    """Runs in a subprocess; prints one JSON line of figures."""
    t = time.perf_counter()
    matrix = synthetic(n, m, nnz)
    build = time.perf_counter() - t
    rss_before = rss_mb()
    times = []
    for _ in range(SYNTHETIC_REPEATS if n <= 100_000 else 1):
        t = time.perf_counter()
        full = analyze(matrix)
        times.append(time.perf_counter() - t)
    analyze_s = statistics.median(times)
    out: dict[str, Any] = {
        "n": n,
        "m": m,
        "votes": matrix.n_votes,
        "build_s": build,
        "analyze_s": analyze_s,
        "analyze_runs": len(times),
        "groups": full.result.meta["n_groups"],
        "rss_before_mb": rss_before,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    if with_refresh:
        rng = np.random.default_rng(1)
        k = matrix.n_votes // 100
        rows, cols = rng.integers(0, n, k), rng.integers(0, m, k)
        votes = rng.integers(-1, 2, k)
        t = time.perf_counter()
        updated = matrix.with_votes(rows, cols, votes)
        merge_s = time.perf_counter() - t
        t = time.perf_counter()
        fast = update(full, updated, rows)
        update_s = time.perf_counter() - t
        t = time.perf_counter()
        warm = refresh(full, updated)
        refresh_s = time.perf_counter() - t
        t = time.perf_counter()
        cold = analyze(updated)
        cold_s = time.perf_counter() - t
        out.update(
            new_votes=k,
            merge_s=merge_s,
            refresh_s=refresh_s,
            full_after_s=cold_s,
            refresh_vs_full_ari=float(adjusted_rand_score(cold.labels, warm.labels)),
            update_s=update_s,
            update_vs_full_ari=float(adjusted_rand_score(cold.labels, fast.labels)),
            before_vs_full_ari=float(adjusted_rand_score(cold.labels, full.labels)),
        )
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if with_reddwarf:
        coo = matrix.values.tocoo()
        votes_rd = [
            {"participant_id": int(p), "statement_id": int(s), "vote": int(v), "modified": 0}
            for p, s, v in zip(coo.row, coo.col, coo.data, strict=True)
        ]
        t = time.perf_counter()
        rd = run_reddwarf(votes_rd, [], 0)
        out["reddwarf_s"] = time.perf_counter() - t
        ours = {str(i): (int(g) if g >= 0 else None) for i, g in enumerate(full.labels)}
        out["ours_vs_reddwarf_ari"] = ari_against(reddwarf_groups(rd), ours)
        out["peak_rss_with_reddwarf_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))


def spawn(n: int, m: int, nnz: int, with_refresh: bool, with_reddwarf: bool) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--child", str(n), str(m), str(nnz)]
    if with_refresh:
        cmd.append("--child-refresh")
    if with_reddwarf:
        cmd.append("--child-reddwarf")
    proc = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


# ----------------------------------------------------------------------------- sections


def real_data(repeats: int) -> None:
    print("== Pol.is openData: ARI against Pol.is group-id (participants both place)")
    print(
        f"{'conversation':42s} {'ptpts':>6s} {'stmts':>6s} {'votes':>7s} "
        f"{'ARI ours':>8s} {'ARI rd':>7s} {'k ours/rd/polis':>16s} "
        f"{'t ours':>8s} {'t rd':>8s} {'speed-up':>8s}"
    )
    ours_aris, rd_aris, k_match, rd_k_match = [], [], 0, 0
    largest: tuple[int, str, float] | None = None
    n_runs = 0
    for folder in sorted(p for p in DATA.iterdir() if p.is_dir()):
        try:
            export = read_export(folder)
        except MalformedExportError as exc:
            print(f"{folder.name[:42]:42s} skipped: {exc.reason}")
            continue
        ref = export.reference_groups
        if not ref:
            print(f"{folder.name[:42]:42s} skipped: no participants-votes.csv group-id")
            continue
        matrix = export.matrix
        excluded = export.excluded_statements
        t_ours, analysis = timed(lambda m=matrix, e=excluded: analyze(m, e, Settings()), repeats)
        votes = reddwarf_votes(matrix)
        mod_out = [int(s) for s in excluded]
        t_rd, rd = timed(lambda v=votes, mo=mod_out: run_reddwarf(v, mo, 0), repeats)
        ours = analysis.result.participants
        rd_groups = reddwarf_groups(rd)
        a_ours, a_rd = ari_against(ref, ours), ari_against(ref, rd_groups)
        k_polis = len({g for g in ref.values() if g is not None})
        k_ours = analysis.result.meta["n_groups"]
        k_rd = len({g for g in rd_groups.values() if g is not None})
        ours_aris.append(a_ours)
        rd_aris.append(a_rd)
        k_match += k_ours == k_polis
        rd_k_match += k_rd == k_polis
        n_runs += 1
        if largest is None or matrix.n_votes > largest[0]:
            largest = (matrix.n_votes, folder.name, t_rd / t_ours)
        print(
            f"{folder.name[:42]:42s} {matrix.shape[0]:6d} {matrix.shape[1]:6d} "
            f"{matrix.n_votes:7d} {a_ours:8.3f} {a_rd:7.3f} "
            f"{f'{k_ours}/{k_rd}/{k_polis}':>16s} {t_ours:8.3f} {t_rd:8.3f} "
            f"{t_rd / t_ours:7.1f}x"
        )
    print(
        f"median ARI: ours {statistics.median(ours_aris):.3f}, "
        f"red-dwarf {statistics.median(rd_aris):.3f} (mean {np.mean(ours_aris):.3f} vs "
        f"{np.mean(rd_aris):.3f}); group count = Pol.is's: ours {k_match}/{n_runs}, "
        f"red-dwarf {rd_k_match}/{n_runs}"
    )
    if largest is not None:
        print(
            f"largest conversation ({largest[1]}, {largest[0]} votes): "
            f"{largest[2]:.1f}x faster than red-dwarf (median of {repeats})"
        )


def incremental_line(r: dict[str, Any]) -> str:
    full = r["full_after_s"]
    return (
        f"incremental, +{r['new_votes']:,} votes (1%), full re-run {full:.2f} s "
        f"(its partition vs the one before the new votes: ARI {r['before_vs_full_ari']:.3f}):\n"
        f"  update (keep fit, re-place changed participants): merge {r['merge_s']:.2f} s + "
        f"{r['update_s']:.2f} s = {(r['merge_s'] + r['update_s']) / full:.2f} of a full run; "
        f"partition ARI vs full re-run {r['update_vs_full_ari']:.3f}\n"
        f"  refresh (warm-started refit): merge {r['merge_s']:.2f} s + {r['refresh_s']:.2f} s = "
        f"{(r['merge_s'] + r['refresh_s']) / full:.2f} of a full run; partition ARI vs full "
        f"re-run {r['refresh_vs_full_ari']:.3f}"
    )


def synthetic_section(args: argparse.Namespace) -> None:
    print("\n== Synthetic 100,000 participants x 1,000 statements x 3M votes (child process)")
    r = spawn(100_000, 1_000, 3_000_000, with_refresh=True, with_reddwarf=args.reddwarf_100k)
    print(
        f"votes {r['votes']:,}; analyze {r['analyze_s']:.2f} s (median of {r['analyze_runs']}); "
        f"groups {r['groups']}; "
        f"RSS before analyze {r['rss_before_mb']:.0f} MB, peak RSS {r['peak_rss_mb']:.0f} MB "
        f"(ours only, incl. generating the data and the refresh runs)"
    )
    print(incremental_line(r))
    if "reddwarf_s" in r:
        print(
            f"red-dwarf on the same data: {r['reddwarf_s']:.1f} s -> "
            f"{r['reddwarf_s'] / r['analyze_s']:.0f}x; ARI ours vs red-dwarf "
            f"{r['ours_vs_reddwarf_ari']:.3f}; peak RSS with red-dwarf "
            f"{r['peak_rss_with_reddwarf_mb']:.0f} MB"
        )
    if args.huge:
        print("\n== Synthetic 1,000,000 participants x 5,000 statements x 30M votes")
        h = spawn(1_000_000, 5_000, 30_000_000, with_refresh=True, with_reddwarf=False)
        print(
            f"votes {h['votes']:,}; analyze {h['analyze_s']:.1f} s (data generation "
            f"{h['build_s']:.1f} s); groups {h['groups']}; RSS before analyze "
            f"{h['rss_before_mb']:.0f} MB, peak RSS {h['peak_rss_mb']:.0f} MB"
        )
        print(incremental_line(h))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="one repeat per timing")
    parser.add_argument("--huge", action="store_true", help="add the 1M x 5,000 x 30M run")
    parser.add_argument(
        "--reddwarf-100k", action="store_true", help="also run red-dwarf on 100k (~4 min)"
    )
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--synthetic-only", action="store_true", help="skip the real conversations")
    parser.add_argument("--child", nargs=3, type=int, help=argparse.SUPPRESS)
    parser.add_argument("--child-refresh", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--child-reddwarf", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        n, m, nnz = args.child
        child_synthetic(n, m, nnz, args.child_refresh, args.child_reddwarf)
        return 0
    if not args.synthetic_only:
        if not DATA.is_dir():
            print(f"shared data not found at {DATA}", file=sys.stderr)
            return 2
        real_data(1 if args.quick else args.repeats)
    synthetic_section(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
