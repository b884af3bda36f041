"""Benchmark the common-ground engine against Pol.is's own groups and against red-dwarf 0.4.0.

Run from the repository root::

    .venv/bin/python benchmarks/commonground.py --data PATH/TO/polis-opendata
    ... --quick            # one timing repeat, no 100k red-dwarf
    ... --huge             # adds the 1M x 5,000 x 30M run
    ... --reddwarf-100k    # also time red-dwarf at 100k
    ... --synthetic-only   # skip the real conversations (no --data needed)
    ... --explain-clean    # only: where ours and red-dwarf part on the clean conversations

Threads are pinned to one for both engines (``OMP_NUM_THREADS=1``, ``OPENBLAS_NUM_THREADS=1``:
the script re-runs itself with them set, since they must be set before numpy loads; checked
with threadpoolctl). Every timing is the median of repeats
of both CPU time (``time.process_time``) and wall time, both engines run in this process on the
same prepared votes (file reading excluded).

Per Pol.is openData conversation in ``--data``: the adjusted Rand index (ARI) against Pol.is's
``group-id`` (participants both place) of our engine with its defaults (in-sample: the defaults
were chosen on these conversations), of the leave-one-conversation-out cross-validated choice
(for each conversation, the setting of ``GRID`` with the best mean ARI on the other 13, applied
to it), and of red-dwarf. Then the synthetic runs, each in a child process so its peak RSS
(``ru_maxrss``) is its own. Needs the ``[bench]`` extra (red-dwarf). This is a benchmark that
prints figures, not a timed test.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import json
import os
import resource
import statistics
import subprocess
import sys
import time
import warnings
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import adjusted_rand_score
from threadpoolctl import threadpool_info

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from walkthetalk.analysis.commonground import (  # noqa: E402
    MalformedExportError,
    PolisExport,
    Settings,
    VoteMatrix,
    analyze,
    clustering,
    projection,
    read_export,
    refresh,
    update,
)
from walkthetalk.analysis.commonground.engine import active_statements  # noqa: E402
from walkthetalk.analysis.commonground.matrix import from_indices  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "polis-opendata"
PINNED = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
SYNTHETIC_REPEATS = 3  # median of this many analyses per synthetic size
CV_STREAMS = 5  # fixed random streams of the clustering each setting is scored over
CLEAN = (  # both engines and Pol.is agree on k: the engine must be at least as good here
    "vtaiwan.uberx",
    "austria-climate.2vkxcncppn.2022-07-07",
    "austria-climate.5twd2jsnkf.2022-08-08",
)

# The settings cross-validated (Pol.is's own choice first: ties go to it).
GRID_AXES: dict[str, tuple[Any, ...]] = {
    "extra_group_penalty": (0.0, 0.02, 0.05, 0.1),
    "weight_silhouette": (False, True),
    "min_group_share": (0.0, 0.05),
    "fit_everyone": (True, False),
    "refine_groups": (False, True),
}
GRID = [
    dict(zip(GRID_AXES, values, strict=True)) for values in itertools.product(*GRID_AXES.values())
]


# ----------------------------------------------------------------------------- helpers


def timed(fn: Any, repeats: int) -> tuple[float, float, Any]:
    """Median CPU time and median wall time of ``repeats`` calls, and the last result."""
    cpu, wall = [], []
    out = None
    for _ in range(repeats):
        c, t = time.process_time(), time.perf_counter()
        out = fn()
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return statistics.median(cpu), statistics.median(wall), out


def thread_line() -> str:
    pools = {f"{p['internal_api']}={p['num_threads']}" for p in threadpool_info()}
    env = " ".join(f"{v}={os.environ.get(v)}" for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS"))
    return f"threads: {env}; thread pools: {', '.join(sorted(pools)) or 'none'}"


def ours(export: PolisExport, settings: Settings) -> Any:
    return analyze(
        export.matrix,
        export.excluded_statements,
        settings,
        statement_text=export.statement_text,
        counted_before=export.counted_before,
    )


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


def rss_mb(field: str = "VmRSS") -> float:
    """Resident set size (``VmRSS``) or its peak since the last reset (``VmHWM``), in MB."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def reset_peak_rss() -> bool:
    """Restart the kernel's peak-RSS count of this process (Linux ``clear_refs``), so the
    peak of the analysis is not the peak of generating its data."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        return False
    return True


# ----------------------------------------------------------------------------- children


def child_synthetic(n: int, m: int, nnz: int, with_refresh: bool, with_reddwarf: bool) -> None:
    """Runs in a subprocess; prints one JSON line of figures."""
    t = time.perf_counter()
    matrix = synthetic(n, m, nnz)
    build = time.perf_counter() - t
    gc.collect()
    rss_before = rss_mb()
    peak_reset = reset_peak_rss()
    repeats = SYNTHETIC_REPEATS
    analyze_cpu, analyze_s, full = timed(lambda: analyze(matrix), repeats)
    analysis_peak = rss_mb("VmHWM") if peak_reset else float("nan")
    out: dict[str, Any] = {
        "n": n,
        "m": m,
        "votes": matrix.n_votes,
        "build_s": build,
        "analyze_s": analyze_s,
        "analyze_cpu_s": analyze_cpu,
        "analyze_runs": repeats,
        "groups": full.result.meta["n_groups"],
        "rss_before_mb": rss_before,
        "analysis_peak_rss_mb": analysis_peak,
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
        rd_cpu, rd_s, rd = timed(lambda: run_reddwarf(votes_rd, [], 0), 1)
        out["reddwarf_s"], out["reddwarf_cpu_s"] = rd_s, rd_cpu
        mine = {str(i): (int(g) if g >= 0 else None) for i, g in enumerate(full.labels)}
        out["ours_vs_reddwarf_ari"] = ari_against(reddwarf_groups(rd), mine)
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


def load(data: Path) -> dict[str, PolisExport]:
    exports = {}
    for folder in sorted(p for p in data.iterdir() if p.is_dir()):
        try:
            export = read_export(folder)
        except MalformedExportError as exc:
            print(f"{folder.name[:42]:42s} skipped: {exc.reason}")
            continue
        if not export.reference_groups:
            print(f"{folder.name[:42]:42s} skipped: no participants-votes.csv group-id")
            continue
        exports[folder.name] = export
    return exports


def ari_table(exports: dict[str, PolisExport], streams: int) -> dict[tuple[int, str], list[float]]:
    """ARI against Pol.is of every ``GRID`` setting on every conversation, once per fixed
    random stream of the clustering (the engine's own stream first)."""
    table: dict[tuple[int, str], list[float]] = {}
    engine_stream = clustering.FIXED_STREAM
    try:
        for offset in range(streams):
            clustering.FIXED_STREAM = engine_stream + offset
            for i, knobs in enumerate(GRID):
                settings = replace(Settings(), **knobs)
                for name, export in exports.items():
                    result = ours(export, settings).result
                    ari = ari_against(export.reference_groups or {}, result.participants)
                    table.setdefault((i, name), []).append(ari)
    finally:
        clustering.FIXED_STREAM = engine_stream
    return table


def cross_validate(
    exports: dict[str, PolisExport], streams: int
) -> tuple[dict[str, tuple[float, float]], dict[str, dict], dict[tuple[int, str], list[float]]]:
    """Leave one conversation out: for each, the grid setting with the best mean ARI on the
    others, and its ARI on the one left out (mean over the streams, and with the engine's own).

    A setting is scored by its ARI averaged over ``streams`` fixed random streams of the
    clustering's initialisations: the stream is an arbitrary constant, and a setting should not
    win on one lucky draw of it."""
    table = ari_table(exports, streams)

    def score(i: int, names: list[str]) -> float:
        return float(np.nanmean([np.mean(table[i, n]) for n in names]))

    held_out, chosen = {}, {}
    for name in exports:
        train = [n for n in exports if n != name]
        best = max(range(len(GRID)), key=lambda i: (score(i, train), -i))
        held_out[name] = (float(np.mean(table[best, name])), table[best, name][0])
        chosen[name] = GRID[best]
    everywhere = max(range(len(GRID)), key=lambda i: (score(i, list(exports)), -i))
    chosen["(all)"] = GRID[everywhere]
    return held_out, chosen, table


def ari_on_common(ref: dict[str, int | None], *partitions: dict[str, int | None]) -> list[float]:
    """ARI of each partition against ``ref`` on the participants all of them place."""
    both = [
        p
        for p, g in ref.items()
        if g is not None and all(part.get(p) is not None for part in partitions)
    ]
    if not both:
        return [float("nan")] * len(partitions)
    truth = [ref[p] for p in both]
    return [float(adjusted_rand_score(truth, [part[p] for p in both])) for part in partitions]


def real_data(data: Path, repeats: int, streams: int) -> None:
    print("== Pol.is openData: ARI against Pol.is group-id (participants both place)")
    print(thread_line())
    exports = load(data)
    defaults = {k: getattr(Settings(), k) for k in GRID_AXES}
    default_index = GRID.index(defaults)
    t = time.perf_counter()
    if streams > 0:
        cv, chosen, table = cross_validate(exports, streams)
    else:  # --cv-streams 0: timings and the defaults' ARIs only
        nan = float("nan")
        cv = {name: (nan, nan) for name in exports}
        chosen, table = {"(all)": {}}, {(default_index, name): [nan] for name in exports}
    print(
        f"cross-validation over {len(GRID)} settings x {len(exports)} conversations x "
        f"{streams} clustering streams: {time.perf_counter() - t:.0f} s"
    )
    print(f"engine defaults:            {defaults}")
    print(f"chosen on all conversations: {chosen['(all)']}")
    print(
        "ARI in: engine defaults (its own stream); in~: the same, mean over the streams; "
        "cv / cv~: the cross-validated choice; rd: red-dwarf; 'common': ours and red-dwarf on "
        "the participants Pol.is, ours and red-dwarf all place"
    )
    print(
        f"{'conversation':38s} {'ptpts':>5s} {'placed us/rd/polis':>18s} {'ARI in':>6s} "
        f"{'in~':>6s} {'cv':>6s} {'cv~':>6s} {'rd':>6s} {'common us/rd':>13s} "
        f"{'k us/rd/polis':>13s} {'cpu us':>7s} {'cpu rd':>7s} {'cpu x':>6s} {'wall us':>7s} "
        f"{'wall rd':>7s}"
    )
    rows = []
    for name, export in exports.items():
        ref = export.reference_groups or {}
        c_ours, w_ours, analysis = timed(lambda e=export: ours(e, Settings()), repeats)
        votes = reddwarf_votes(export.matrix)
        mod_out = [int(s) for s in export.excluded_statements]
        c_rd, w_rd, rd = timed(lambda v=votes, mo=mod_out: run_reddwarf(v, mo, 0), repeats)
        mine, rd_groups = analysis.result.participants, reddwarf_groups(rd)
        common = ari_on_common(ref, mine, rd_groups)
        row = {
            "name": name,
            "in": ari_against(ref, mine),
            "in~": float(np.mean(table[default_index, name])),
            "cv": cv[name][1],
            "cv~": cv[name][0],
            "rd": ari_against(ref, rd_groups),
            "common": common[0],
            "common_rd": common[1],
            "k": analysis.result.meta["n_groups"],
            "k_rd": len({g for g in rd_groups.values() if g is not None}),
            "k_polis": len({g for g in ref.values() if g is not None}),
            "votes": export.matrix.n_votes,
            "cpu": c_ours,
            "cpu_rd": c_rd,
        }
        rows.append(row)
        placed = "/".join(
            str(sum(g is not None for g in part.values())) for part in (mine, rd_groups, ref)
        )
        ks = f"{row['k']}/{row['k_rd']}/{row['k_polis']}"
        common_s = f"{common[0]:.3f}/{common[1]:.3f}"
        print(
            f"{name[:38]:38s} {export.matrix.shape[0]:5d} {placed:>18s} {row['in']:6.3f} "
            f"{row['in~']:6.3f} {row['cv']:6.3f} {row['cv~']:6.3f} {row['rd']:6.3f} "
            f"{common_s:>13s} {ks:>13s} {c_ours:7.3f} {c_rd:7.3f} "
            f"{c_rd / c_ours:5.1f}x {w_ours:7.3f} {w_rd:7.3f}"
        )
    for key, label in (
        ("in", "in-sample"),
        ("in~", "in-sample, streams"),
        ("cv", "cross-validated"),
        ("cv~", "cv, streams"),
        ("rd", "red-dwarf"),
        ("common", "ours, common"),
        ("common_rd", "red-dwarf, common"),
    ):
        values = [r[key] for r in rows]
        print(
            f"{label:18s} ARI: median {statistics.median(values):.3f}, "
            f"mean {statistics.mean(values):.3f}"
        )
    print(
        f"group count = Pol.is's: ours {sum(r['k'] == r['k_polis'] for r in rows)}/{len(rows)}, "
        f"red-dwarf {sum(r['k_rd'] == r['k_polis'] for r in rows)}/{len(rows)}"
    )
    for r in rows:
        if r["name"] in CLEAN:
            verdict = "ok" if r["common"] >= r["common_rd"] - 1e-9 else "BEHIND"
            print(
                f"clean {r['name']}: ours {r['in']:.3f} (cv {r['cv']:.3f}, over streams "
                f"{r['cv~']:.3f}) vs red-dwarf {r['rd']:.3f}; on common participants "
                f"{r['common']:.3f} vs {r['common_rd']:.3f}: {verdict}"
            )
    largest = max(rows, key=lambda r: r["votes"])
    print(
        f"largest conversation ({largest['name']}, {largest['votes']:,} votes), one thread: "
        f"CPU {largest['cpu']:.3f} s vs red-dwarf {largest['cpu_rd']:.3f} s = "
        f"{largest['cpu_rd'] / largest['cpu']:.1f}x (median of {repeats})"
    )
    print("settings chosen per left-out conversation:")
    for name, knobs in chosen.items():
        print(f"  {name[:38]:38s} {knobs}")
    explain_clean(exports)


def misplaced(ref: dict[str, int | None], part: dict[str, int | None], who: list[str]) -> set[str]:
    """Participants of ``who`` that ``part`` puts in another group than Pol.is's ``ref``, each
    group of ``part`` read as the Pol.is group most of its members are in."""
    table: dict[tuple[int | None, int | None], int] = {}
    for p in who:
        table[ref[p], part[p]] = table.get((ref[p], part[p]), 0) + 1
    meaning = {
        g: max((count, r) for (r, gg), count in table.items() if gg == g)[1]
        for g in {part[p] for p in who}
    }
    return {p for p in who if meaning[part[p]] != ref[p]}


def explain_clean(exports: dict[str, PolisExport]) -> None:
    """Where ours and red-dwarf part on the clean conversations, and which step decides it.

    For each clean conversation: who each engine puts on the other side from Pol.is (on the
    participants all three place); for each participant only one engine misplaces, their vote
    count, their margin in our projection (distance to the nearest other group centre minus
    distance to their own) and what moving them would add to our k-means inertia; then our
    clustering run on red-dwarf's projection (does the clustering or the projection decide?)
    and our engine with the PCA fitted as Pol.is fits it, on every voter including those who
    only passed (we leave those out, so that a participant who passes on everything changes
    nothing).
    """
    print("\n== Clean conversations: who each engine places on the other side from Pol.is")
    for name in CLEAN:
        export = exports.get(name)
        if export is None or not export.reference_groups:
            continue
        ref = export.reference_groups
        analysis = ours(export, Settings())
        mod_out = [int(s) for s in export.excluded_statements]
        rd = run_reddwarf(reddwarf_votes(export.matrix), mod_out, 0)
        mine, theirs = analysis.result.participants, reddwarf_groups(rd)
        who = [
            p
            for p, g in ref.items()
            if g is not None and mine.get(p) is not None and theirs.get(p) is not None
        ]
        w_ours, w_rd = misplaced(ref, mine, who), misplaced(ref, theirs, who)
        print(
            f"{name}: {len(who)} participants all three place; on the other side from Pol.is: "
            f"ours {len(w_ours)}, red-dwarf {len(w_rd)}, both {len(w_ours & w_rd)}"
        )
        rows = np.flatnonzero(analysis.counts_mask)
        labels = analysis.labels[rows]
        points = analysis.coordinates[rows]
        k = int(labels.max()) + 1
        size = np.bincount(labels, minlength=k).astype(np.float64)
        centres = np.stack([points[labels == g].mean(axis=0) for g in range(k)])
        d2 = ((points[:, None, :] - centres[None, :, :]) ** 2).sum(-1)
        own = d2[np.arange(rows.size), labels]
        other = np.where(np.arange(k)[None, :] == labels[:, None], np.inf, d2)
        margin = np.sqrt(other.min(axis=1)) - np.sqrt(own)
        # Hartigan: moving one point from a to b changes the inertia by this much.
        target = other.argmin(axis=1)
        cost = (
            size[target] / (size[target] + 1) * other.min(axis=1)
            - size[labels] / (size[labels] - 1) * own
        )
        inertia = float(own.sum())
        at = {analysis.result.participant_ids[r]: i for i, r in enumerate(rows)}
        votes = export.matrix.votes_per_participant()
        for p in sorted(w_ours ^ w_rd, key=lambda q: (len(q), q)):
            i = at[p]
            print(
                f"  participant {p}: misplaced by {'ours' if p in w_ours else 'red-dwarf'} "
                f"only; {int(votes[rows[i]])} votes; margin in our projection {margin[i]:.3f} "
                f"(median over those placed {float(np.median(margin)):.2f}); moving it raises "
                f"our inertia by {cost[i]:.2g} of {inertia:,.0f}"
            )
        ids = [int(analysis.result.participant_ids[r]) for r in rows]
        on_rd = clustering.cluster(rd.participants_df.loc[ids, ["x", "y"]].to_numpy(float))
        active = active_statements(export.matrix, export.excluded_statements)
        fitted_all = projection.project(export.matrix.values, active, None)
        on_all = clustering.cluster(fitted_all.coordinates[rows])
        variants = [
            {
                analysis.result.participant_ids[r]: int(g)
                for r, g in zip(rows, cl.labels, strict=True)
            }
            for cl in (on_rd, on_all)
        ]
        scores = ari_on_common(ref, mine, theirs, *variants)
        print(
            f"  ARI on these participants: ours {scores[0]:.5f}, red-dwarf {scores[1]:.5f}; our "
            f"clustering on red-dwarf's projection {scores[2]:.5f}; ours with the PCA fitted on "
            f"every voter, those who only passed included (Pol.is) {scores[3]:.5f}"
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
    print(
        f"\nload: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f} "
        f"(1, 5, 15 min) on {os.cpu_count()} cores"
    )
    print("\n== Synthetic 100,000 participants x 1,000 statements x 3M votes (child process)")
    r = spawn(100_000, 1_000, 3_000_000, with_refresh=True, with_reddwarf=args.reddwarf_100k)
    print(
        f"votes {r['votes']:,}; analyze {r['analyze_s']:.2f} s wall, {r['analyze_cpu_s']:.2f} s "
        f"CPU (median of {r['analyze_runs']}); "
        f"groups {r['groups']}; "
        f"RSS before analyze {r['rss_before_mb']:.0f} MB, peak during the analyses "
        f"{r['analysis_peak_rss_mb']:.0f} MB; peak RSS of the process {r['peak_rss_mb']:.0f} MB "
        f"(ours only, incl. generating the data and the refresh runs)"
    )
    print(incremental_line(r))
    if "reddwarf_s" in r:
        print(
            f"red-dwarf on the same data: {r['reddwarf_s']:.1f} s wall, "
            f"{r['reddwarf_cpu_s']:.1f} s CPU -> "
            f"{r['reddwarf_cpu_s'] / r['analyze_cpu_s']:.0f}x CPU; ARI ours vs red-dwarf "
            f"{r['ours_vs_reddwarf_ari']:.3f}; peak RSS with red-dwarf "
            f"{r['peak_rss_with_reddwarf_mb']:.0f} MB"
        )
    if args.huge:
        print("\n== Synthetic 1,000,000 participants x 5,000 statements x 30M votes")
        h = spawn(1_000_000, 5_000, 30_000_000, with_refresh=True, with_reddwarf=False)
        print(
            f"votes {h['votes']:,}; analyze {h['analyze_s']:.1f} s wall, "
            f"{h['analyze_cpu_s']:.1f} s CPU (median of {h['analyze_runs']}; data generation "
            f"{h['build_s']:.1f} s); groups {h['groups']}; RSS before analyze "
            f"{h['rss_before_mb']:.0f} MB, peak during the analyses "
            f"{h['analysis_peak_rss_mb']:.0f} MB; peak RSS of the process "
            f"{h['peak_rss_mb']:.0f} MB (incl. generating the data)"
        )
        print(incremental_line(h))


def main(argv: list[str]) -> int:
    if any(os.environ.get(k) != v for k, v in PINNED.items()):
        # Thread counts are read when numpy loads: run again with them pinned.
        env = {**os.environ, **PINNED}
        os.execve(sys.executable, [sys.executable, __file__, *argv], env)  # noqa: S606
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--data",
        type=Path,
        default=DATA,
        metavar="DIR",
        help=f"folder of Pol.is openData exports (default {DATA})",
    )
    parser.add_argument("--quick", action="store_true", help="one repeat per timing")
    parser.add_argument("--huge", action="store_true", help="add the 1M x 5,000 x 30M run")
    parser.add_argument(
        "--reddwarf-100k", action="store_true", help="also run red-dwarf on 100k (~4 min)"
    )
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument(
        "--cv-streams",
        type=int,
        default=CV_STREAMS,
        help=f"fixed clustering streams each setting is scored over (default {CV_STREAMS}; "
        "0 skips the cross-validation)",
    )
    parser.add_argument("--synthetic-only", action="store_true", help="skip the real conversations")
    parser.add_argument(
        "--explain-clean",
        action="store_true",
        help="only: where ours and red-dwarf part on the clean conversations, and why",
    )
    parser.add_argument("--child", nargs=3, type=int, help=argparse.SUPPRESS)
    parser.add_argument("--child-refresh", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--child-reddwarf", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        n, m, nnz = args.child
        child_synthetic(n, m, nnz, args.child_refresh, args.child_reddwarf)
        return 0
    if not args.synthetic_only:
        if not args.data.is_dir():
            print(
                f"commonground benchmark: no data folder {args.data} "
                "(pass --data DIR, a folder of Pol.is openData exports)",
                file=sys.stderr,
            )
            return 2
        if args.explain_clean:
            explain_clean(
                {n: read_export(args.data / n) for n in CLEAN if (args.data / n).is_dir()}
            )
            return 0
        real_data(args.data, 1 if args.quick else args.repeats, args.cv_streams)
    synthetic_section(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
