"""Pulse charts, each with its text alternative: the page shows the same numbers as a table.

Colour is never the only cue: heatmap cells carry their number, lines carry distinct markers.
Each chart is an SVG data URI for an ``<img>`` (nothing fetched from elsewhere).
"""

from __future__ import annotations

import matplotlib
import numpy as np

from walkthetalk.reports.pulse import Dashboard, fmt
from walkthetalk.reports.render.charts import (
    COLOURS,
    MARKERS,
    new_figure,
    plain_axes,
    svg_data_uri,
    wrap,
)


def _short(name: str, width: int = 42) -> str:
    """A unit's own part of its name ("Org — Program — Team" → "Program — Team"), shortened."""
    parts = name.split(" — ")
    text = " — ".join(parts[-2:]) if len(parts) > 2 else name
    return text if len(text) <= width else text[: width - 1] + "…"


def _grid(d: Dashboard) -> np.ndarray:
    grid = np.full((len(d.heat_rows), max(len(d.levels), 1)), np.nan)
    for i, r in enumerate(d.heat_rows):
        for j, v in enumerate(r.cells):
            if v is not None:
                grid[i, j] = v
    return grid


def heatmap_svg(d: Dashboard) -> str:
    """Scales (healthy direction, strengths first) × levels."""
    grid = _grid(d)
    rows, cols = grid.shape
    low, high = d.instrument.low, d.instrument.high
    fig, ax = new_figure(1.6 + 1.3 * cols, 0.5 + 0.45 * rows)
    cmap = matplotlib.colormaps["Blues"].with_extremes(bad="#eeeeee")
    ax.imshow(np.ma.masked_invalid(grid), cmap=cmap, vmin=low - 1, vmax=high + 0.5, aspect="auto")
    for i, r in enumerate(d.heat_rows):
        for j in range(cols):
            v = grid[i, j]
            if np.isnan(v):
                ax.text(j, i, "hidden", ha="center", va="center", fontsize=7, color="#444444")
                continue
            # strain rows: high is harder, say so in the cell
            label = f"{v:.1f}" + ("*" if r.higher_is == "strain" else "")
            colour = "white" if v > (low + high) / 2 + 0.6 else "#111111"
            ax.text(j, i, label, ha="center", va="center", fontsize=9, color=colour)
    ax.set_yticks(range(rows), [wrap(r.name, 30) for r in d.heat_rows], fontsize=9)
    ax.set_xticks(range(cols), [wrap(lv, 12) for lv in d.levels] or [""], fontsize=9)
    ax.xaxis.tick_top()
    ax.tick_params(length=0)
    plain_axes(ax)
    fig.tight_layout()
    return svg_data_uri(fig)


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
    rule_rows = d.rule_rows
    fig, ax = new_figure(6.4, 4.4)
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
    ax.set_xticks(x, [wrap(r.name, 18) for r in rule_rows], rotation=35, ha="right", fontsize=7)
    ax.tick_params(axis="y", labelsize=9)
    ax.set_ylim(d.instrument.low, d.instrument.high)
    ax.set_ylabel("Healthy way (higher is healthier)", fontsize=9)
    ax.grid(axis="y", color="#dddddd")
    ax.legend(fontsize=7, loc="lower left", ncols=2)
    plain_axes(ax, "top", "right")
    fig.tight_layout()
    return svg_data_uri(fig)


def mirroring_alt(d: Dashboard) -> str:
    pairs = d.evidence.pairs if d.evidence else []
    if not pairs:
        return "Level profiles: not enough shown levels to compare yet."
    parts = []
    for p in pairs:
        chance = "" if p.profile_is_clear else " (could be chance)"
        parts.append(
            f"{p.upper} and {p.lower}: profiles correlate {fmt(p.profile_r)}{chance}; shared "
            f"strengths that passed the test: {', '.join(p.strengths) or 'none'}; shared "
            f"growing edges that passed the test: {', '.join(p.edges) or 'none'}"
        )
    return "Line chart of each level's profile over the healthy ways. " + "; ".join(parts)


def units_svg(d: Dashboard) -> str:
    """Unit means with 95% intervals (line) and the shrunken estimate (diamond)."""
    rows = d.unit_rows
    fig, ax = new_figure(6.4, 0.9 + 0.28 * max(len(rows), 1))
    for i, r in enumerate(rows):
        e = r.estimate
        if e is None:
            continue
        ax.plot([e.ci_low, e.ci_high], [i, i], color="#555555", linewidth=1.2)
        ax.plot(e.mean, i, "o", color=COLOURS[0], markersize=5)
        ax.plot(e.shrunken_mean, i, "D", color=COLOURS[1], markersize=5)
    ax.set_yticks(range(len(rows)), [_short(r.label) for r in rows], fontsize=7)
    ax.tick_params(axis="x", labelsize=9)
    ax.invert_yaxis()
    ax.set_xlim(d.instrument.low, d.instrument.high)
    ax.set_xlabel(d.scale_names[d.unit_scale], fontsize=9)
    ax.grid(axis="x", color="#dddddd")
    plain_axes(ax, "top", "right")
    fig.tight_layout()
    return svg_data_uri(fig)


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
    fig, ax = new_figure(6.4, 3.8)
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
            linestyle="-" if j < len(COLOURS) else "--",
        )
    ax.set_xticks(x, [wrap(p.wave.title, 14) for p in d.trend], fontsize=7)
    ax.tick_params(axis="y", labelsize=9)
    ax.set_ylabel("Wave-wide mean", fontsize=9)
    seen = [v for p in d.trend for v in p.means.values() if v is not None]
    if seen:
        ax.set_ylim(max(d.instrument.low, min(seen) - 0.4), min(d.instrument.high, max(seen) + 0.4))
    ax.grid(axis="y", color="#dddddd")
    ax.legend(fontsize=6, loc="center left", bbox_to_anchor=(1.0, 0.5))
    plain_axes(ax, "top", "right")
    fig.tight_layout()
    return svg_data_uri(fig)


def trend_alt(d: Dashboard) -> str:
    parts = []
    for r in d.heat_rows:
        values = ", ".join(f"{p.wave.title} {fmt(p.means.get(r.scale_id), 1)}" for p in d.trend)
        parts.append(f"{r.name}: {values}")
    return "Line chart of each scale across waves. " + "; ".join(parts) + "."


def dashboard_charts(d: Dashboard) -> dict[str, str]:
    """Every chart of a dashboard with its text alternative (none when nothing is shown)."""
    if not d.has_figures:
        return {}
    return {
        "heatmap_svg": heatmap_svg(d),
        "heatmap_alt": heatmap_alt(d),
        "profiles_svg": profiles_svg(d) if d.mirrors else "",
        "mirroring_alt": mirroring_alt(d),
        "units_svg": units_svg(d) if any(r.estimate for r in d.unit_rows) else "",
        "units_alt": units_alt(d),
        "trend_svg": trend_svg(d) if len(d.trend) > 1 else "",
        "trend_alt": trend_alt(d),
    }
