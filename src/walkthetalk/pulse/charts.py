"""Pulse charts: matplotlib rendered to SVG on the server, each with a text alternative.

Colour is never the only cue: heatmap cells carry their number, lines carry distinct markers.
The pages show every chart as an ``<img>`` (an SVG data URI, so nothing is fetched from
elsewhere) with ``alt`` text, next to a table holding the same numbers.
"""

from __future__ import annotations

import base64
import io
import textwrap

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from walkthetalk.pulse.figures import Dashboard, fmt  # noqa: E402

COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"]
MARKERS = ["o", "s", "^", "D", "v", "P", "X"]


def _svg(fig: Figure) -> str:
    try:
        out = io.StringIO()
        fig.savefig(out, format="svg", metadata={"Date": None, "Creator": None})
    finally:
        plt.close(fig)
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue().encode()).decode()


def _setup() -> None:
    plt.rcParams["svg.hashsalt"] = "walkthetalk-pulse"
    plt.rcParams["svg.fonttype"] = "none"
    plt.rcParams["font.size"] = 9


def _wrap(text: str, width: int = 22) -> str:
    return "\n".join(textwrap.wrap(text, width)) or text


def _short(name: str, width: int = 42) -> str:
    """A unit's own part of its name ("Org — Program — Team" → "Program — Team"), shortened."""
    parts = name.split(" — ")
    text = " — ".join(parts[-2:]) if len(parts) > 2 else name
    return text if len(text) <= width else text[: width - 1] + "…"


def heatmap_svg(d: Dashboard) -> str:
    """Scales (healthy direction, strengths first) × levels."""
    _setup()
    rows, cols = len(d.heat_rows), max(len(d.levels), 1)
    grid = np.full((rows, cols), np.nan)
    for i, r in enumerate(d.heat_rows):
        for j, v in enumerate(r.cells):
            if v is not None:
                grid[i, j] = v
    low, high = d.instrument.low, d.instrument.high
    fig, ax = plt.subplots(figsize=(1.6 + 1.3 * cols, 0.5 + 0.45 * rows), dpi=100)
    cmap = plt.get_cmap("Blues").with_extremes(bad="#eeeeee")
    ax.imshow(np.ma.masked_invalid(grid), cmap=cmap, vmin=low - 1, vmax=high + 0.5, aspect="auto")
    for i, r in enumerate(d.heat_rows):
        for j in range(cols):
            v = grid[i, j] if j < len(r.cells) else np.nan
            if np.isnan(v):
                ax.text(j, i, "hidden", ha="center", va="center", fontsize=7, color="#444444")
                continue
            # strain rows: high is harder, say so in the cell
            label = f"{v:.1f}" + ("*" if r.higher_is == "strain" else "")
            colour = "white" if v > (low + high) / 2 + 0.6 else "#111111"
            ax.text(j, i, label, ha="center", va="center", fontsize=9, color=colour)
    ax.set_yticks(range(rows), [_wrap(r.name, 30) for r in d.heat_rows])
    ax.set_xticks(range(cols), [_wrap(lv, 12) for lv in d.levels] or [""])
    ax.xaxis.tick_top()
    ax.tick_params(length=0)
    for side in ("top", "right", "left", "bottom"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    return _svg(fig)


def heatmap_alt(d: Dashboard) -> str:
    if not d.has_figures:
        return "Heatmap of the healthy ways by level: no group is large enough to show yet."
    parts = []
    for r in d.heat_rows:
        shown = [f"{lv} {fmt(v, 1)}" for lv, v in zip(d.levels, r.cells, strict=False)]
        parts.append(f"{r.name}: {', '.join(shown)}")
    return (
        "Heatmap of how much each level lives the healthy ways (1 to 5, higher is healthier, "
        "except strain, where higher means more strain). " + "; ".join(parts) + "."
    )


def profiles_svg(d: Dashboard) -> str:
    """Each shown level's profile over the rules: lines that move together mirror."""
    _setup()
    rule_rows = [r for r in d.heat_rows if r.kind == "rule"]
    fig, ax = plt.subplots(figsize=(6.4, 4.4), dpi=100)
    x = np.arange(len(rule_rows))
    for j, level in enumerate(d.levels):
        y = np.array([r.cells[j] if r.cells[j] is not None else np.nan for r in rule_rows])
        if np.all(np.isnan(y)):
            continue
        ax.plot(
            x,
            y,
            marker=MARKERS[j % len(MARKERS)],
            color=COLOURS[j % len(COLOURS)],
            label=level,
            linewidth=1.6,
        )
    ax.set_xticks(x, [_wrap(r.name, 18) for r in rule_rows], rotation=35, ha="right", fontsize=7)
    ax.set_ylim(d.instrument.low, d.instrument.high)
    ax.set_ylabel("Healthy way (higher is healthier)")
    ax.grid(axis="y", color="#dddddd")
    ax.legend(fontsize=7, loc="lower left", ncols=2)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    return _svg(fig)


def mirroring_alt(d: Dashboard) -> str:
    if not d.mirrors:
        return "Level profiles: not enough shown levels to compare yet."
    parts = []
    for m in d.mirrors:
        strengths = ", ".join(d.scale_names[s] for s in m.shared_strengths) or "none"
        strains = ", ".join(d.scale_names[s] for s in m.shared_strains) or "none"
        parts.append(
            f"{m.unit} and {m.parent}: profiles correlate {fmt(m.shape_r)}; shared strengths "
            f"{strengths}; shared growing edges {strains}"
        )
    return "Line chart of each level's profile over the nine healthy ways. " + "; ".join(parts)


def units_svg(d: Dashboard) -> str:
    """Unit means with 95% intervals (line) and the shrunken estimate (diamond)."""
    _setup()
    rows = d.unit_rows
    fig, ax = plt.subplots(figsize=(6.4, 0.9 + 0.28 * max(len(rows), 1)), dpi=100)
    for i, r in enumerate(rows):
        e = r.estimate
        if e is None:
            continue
        ax.plot([e.ci_low, e.ci_high], [i, i], color="#555555", linewidth=1.2)
        ax.plot(e.mean, i, "o", color=COLOURS[0], markersize=5)
        ax.plot(e.shrunken_mean, i, "D", color=COLOURS[1], markersize=5)
    ax.set_yticks(range(len(rows)), [_short(r.label) for r in rows], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlim(d.instrument.low, d.instrument.high)
    ax.set_xlabel(d.scale_names[d.unit_scale])
    ax.grid(axis="x", color="#dddddd")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    return _svg(fig)


def units_alt(d: Dashboard) -> str:
    shown = [r for r in d.unit_rows if r.estimate is not None]
    if not shown:
        return "Unit scores: no unit is large enough to show yet."
    parts = [
        f"{r.label}: {fmt(r.estimate.mean)} (95% interval {fmt(r.estimate.ci_low)} to "
        f"{fmt(r.estimate.ci_high)}; shrunken {fmt(r.estimate.shrunken_mean)})"
        for r in shown
        if r.estimate is not None
    ]
    return f"Unit scores for {d.scale_names[d.unit_scale]}: " + "; ".join(parts) + "."


def trend_svg(d: Dashboard) -> str:
    """Each scale's wave-wide mean across waves."""
    _setup()
    fig, ax = plt.subplots(figsize=(6.4, 3.8), dpi=100)
    x = np.arange(len(d.trend))
    for j, r in enumerate(d.heat_rows):
        y = np.array(
            [
                p.means.get(r.scale_id) if p.means.get(r.scale_id) is not None else np.nan
                for p in d.trend
            ],
            dtype=float,
        )
        ax.plot(
            x,
            y,
            marker=MARKERS[j % len(MARKERS)],
            color=COLOURS[j % len(COLOURS)],
            label=r.name,
            linewidth=1.2,
            linestyle="-" if j < 7 else "--",
        )
    ax.set_xticks(x, [_wrap(p.wave.title, 14) for p in d.trend], fontsize=7)
    ax.set_ylabel("Wave-wide mean")
    seen = [v for p in d.trend for v in p.means.values() if v is not None]
    if seen:
        ax.set_ylim(max(d.instrument.low, min(seen) - 0.4), min(d.instrument.high, max(seen) + 0.4))
    ax.grid(axis="y", color="#dddddd")
    ax.legend(fontsize=6, loc="center left", bbox_to_anchor=(1.0, 0.5))
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    return _svg(fig)


def trend_alt(d: Dashboard) -> str:
    parts = []
    for r in d.heat_rows:
        values = ", ".join(f"{p.wave.title} {fmt(p.means.get(r.scale_id), 1)}" for p in d.trend)
        parts.append(f"{r.name}: {values}")
    return "Line chart of each scale across waves. " + "; ".join(parts) + "."
