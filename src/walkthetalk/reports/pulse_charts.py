"""Pulse charts as SVG text, each with its text alternative (the page shows the same numbers as
a table).

Readable on a phone: every chart is drawn 4.8 inches wide with no text under 10.5 points, so
at a phone's 358 CSS pixels of width no text falls under about 10 pixels. Colour is never the
only cue: heatmap cells carry their number, and the trend is small multiples (one panel per
healthy way, named in its title) instead of eleven lines told apart by colour. Colours are
Okabe–Ito's, which stay distinct with the common colour-vision deficiencies.
"""

from __future__ import annotations

import textwrap

import numpy as np
from matplotlib.cm import ScalarMappable
from matplotlib.colors import LinearSegmentedColormap, Normalize, to_rgb
from matplotlib.patches import Rectangle

from walkthetalk.reports.pulse import Dashboard, GroupView, Share
from walkthetalk.reports.render.charts import new_figure, plain_axes, svg_text, wrap

WIDTH = 4.8
"""Inches; with :data:`SMALLEST` points this keeps text about 10 px on a 390 px phone."""
SMALLEST = 10.5
BLUE, ORANGE, GREY = "#0072B2", "#D55E00", "#eeeeee"
DIVERGING = LinearSegmentedColormap.from_list("healthier-harder", [BLUE, "#f7f7f7", ORANGE])
"""Blue: healthier than everyone who answered; orange: harder (more strain, on a strain
scale, is harder too). A diverging Okabe–Ito blue–orange scale, readable in greyscale too."""
SPAN = 30.0
"""Percentage points at which the colour is full."""


def _pct(share: Share | None) -> str:
    return "hidden" if share is None or share.share is None else f"{share.share * 100:.0f}%"


def short_label(name: str, width: int = 26, lines: int = 2) -> str:
    """A name wrapped onto at most ``lines`` lines of ``width`` characters ("…" when cut);
    the full name is in the table beside the chart."""
    parts = name.split(" — ")
    text = parts[-1] if len(parts) > 1 else name
    wrapped = textwrap.wrap(text, width)
    if len(wrapped) > lines:
        wrapped = wrapped[:lines]
        wrapped[-1] = wrapped[-1][: width - 1].rstrip() + "…"
    return "\n".join(wrapped) or text


def _text_colour(rgb: tuple[float, float, float]) -> str:
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb)
    return "white" if 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.18 else "#111111"


def favourable_rows(d: Dashboard) -> list[tuple[str, str, bool]]:
    """(scale id, name, higher is worse) of the scales with a favourable share."""
    total = d.favourable.get("total", {})
    return [
        (r.scale_id, r.name, r.higher_is == "strain") for r in d.heat_rows if r.scale_id in total
    ]


def nothing_to_show(text: str) -> str:
    """A chart with nothing released to draw: the same words as its text alternative, so a
    chart whose groups are all too small says so instead of drawing empty axes."""
    fig, ax = new_figure(WIDTH, 1.0)
    ax.axis("off")
    ax.text(0, 0.5, wrap(text, 58), va="center", fontsize=SMALLEST, transform=ax.transAxes)
    return svg_text(fig)


def heatmap_svg(d: Dashboard) -> str:
    """% favourable by healthy way (rows) and level (columns), coloured by the distance from
    everyone who answered: a diverging scale where higher strain counts as harder."""
    rows = favourable_rows(d)
    if not rows:
        return nothing_to_show(heatmap_alt(d))
    levels = d.levels or [""]
    fig, ax = new_figure(WIDTH, 1.5 + 0.42 * len(rows))
    total = d.favourable.get("total", {})
    for i, (scale_id, _, worse) in enumerate(rows):
        overall = total.get(scale_id)
        for j, level in enumerate(levels):
            share = d.favourable.get(f"level:{level}", {}).get(scale_id)
            if share is None or share.share is None or overall is None or overall.share is None:
                colour: tuple[float, float, float] = to_rgb(GREY)
                label = "—"
            else:
                gap = (share.share - overall.share) * 100 * (1 if worse else -1)
                colour = DIVERGING(0.5 + max(-1.0, min(1.0, gap / SPAN)) / 2)[:3]
                label = _pct(share)
            ax.add_patch(_cell(j, i, colour))
            ax.text(
                j,
                i,
                label,
                ha="center",
                va="center",
                fontsize=SMALLEST,
                color=_text_colour(colour),
            )
    ax.set_xlim(-0.5, len(levels) - 0.5)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.set_yticks(
        range(len(rows)), [wrap(n + (" *" if w else ""), 20) for _, n, w in rows], fontsize=SMALLEST
    )
    ax.set_xticks(
        range(len(levels)),
        [short_label(lv, 16) for lv in levels],
        fontsize=SMALLEST,
        rotation=40,
        ha="left",
        rotation_mode="anchor",
    )
    ax.xaxis.tick_top()
    ax.tick_params(length=0)
    plain_axes(ax)
    mappable = _scale_bar()
    bar = fig.colorbar(
        mappable, ax=ax, orientation="horizontal", fraction=0.04, pad=0.03, aspect=30
    )
    bar.set_ticks(
        [-SPAN, 0, SPAN], labels=["healthier", "as everyone", "harder"], fontsize=SMALLEST
    )
    bar.set_label("Compared with everyone who answered", fontsize=SMALLEST)
    bar.ax.tick_params(labelsize=SMALLEST)
    fig.tight_layout()
    return svg_text(fig)


def _cell(x: int, y: int, colour: tuple[float, float, float]) -> Rectangle:
    return Rectangle((x - 0.5, y - 0.5), 1, 1, facecolor=colour, edgecolor="white", linewidth=1.5)


def _scale_bar() -> ScalarMappable:
    return ScalarMappable(norm=Normalize(-SPAN, SPAN), cmap=DIVERGING)


def heatmap_alt(d: Dashboard) -> str:
    rows = favourable_rows(d)
    if not rows or not d.levels:
        return "Heatmap of the share favourable by level: no group is large enough to show yet."
    parts = []
    for scale_id, name, worse in rows:
        cells = ", ".join(
            f"{lv} {_pct(d.favourable.get(f'level:{lv}', {}).get(scale_id))}" for lv in d.levels
        )
        parts.append(f"{name}{' (share under strain)' if worse else ''}: {cells}")
    return (
        "Heatmap of the share favourable on each healthy way by level, coloured blue where a "
        "level is healthier than everyone who answered and orange where it is harder. "
        + "; ".join(parts)
        + "."
    )


def units_svg(d: Dashboard, node: str, scale_id: str) -> str:
    """The share favourable on one scale in each unit directly below ``node``, with its 95%
    interval; the dashed line is ``node``'s own share."""
    rows = d.children(node)
    if not rows:
        return nothing_to_show(units_alt(d, node, scale_id))
    fig, ax = new_figure(WIDTH, 1.1 + 0.55 * len(rows))
    for i, g in enumerate(rows):
        share = d.favourable.get(g.key, {}).get(scale_id)
        if share is None or share.share is None:
            ax.text(
                1, i, "hidden (too few to show)", va="center", fontsize=SMALLEST, color="#444444"
            )
            continue
        assert share.ci_low is not None and share.ci_high is not None
        ax.plot([share.ci_low * 100, share.ci_high * 100], [i, i], color="#555555", linewidth=1.6)
        ax.plot(share.share * 100, i, "o", color=BLUE, markersize=7)
    own = d.favourable.get(node, {}).get(scale_id)
    if own is not None and own.share is not None:
        ax.axvline(own.share * 100, color=ORANGE, linestyle="--", linewidth=1.4)
    ax.set_yticks(range(len(rows)), [short_label(g.label) for g in rows], fontsize=SMALLEST)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.set_xlim(0, 100)
    ax.tick_params(axis="x", labelsize=SMALLEST)
    ax.set_xlabel("% favourable, with its 95% interval", fontsize=SMALLEST)
    ax.grid(axis="x", color="#dddddd")
    plain_axes(ax, "top", "right")
    fig.tight_layout()
    return svg_text(fig)


def units_alt(d: Dashboard, node: str, scale_id: str) -> str:
    rows: list[GroupView] = d.children(node)
    name = d.scale_names.get(scale_id, scale_id)
    if not rows:
        return f"{name}: no unit below this one to compare."
    parts = []
    for g in rows:
        share = d.favourable.get(g.key, {}).get(scale_id)
        if share is None or share.share is None:
            parts.append(f"{g.label}: hidden")
        else:
            parts.append(
                f"{g.label}: {_pct(share)} (95% interval {share.ci_low * 100:.0f}% to "  # type: ignore[operator]
                f"{share.ci_high * 100:.0f}%)"  # type: ignore[operator]
            )
    return f"Share favourable on {name} by unit: " + "; ".join(parts) + "."


def trend_svg(d: Dashboard) -> str:
    """Small multiples: one panel per healthy way, its whole-wave share wave by wave."""
    rows = favourable_rows(d)
    if not rows:
        return nothing_to_show(trend_alt(d))
    cols = 2
    lines = (len(rows) + cols - 1) // cols
    fig = new_figure(WIDTH, 0.6 + 1.75 * lines)[0]
    fig.clear()
    axes = fig.subplots(lines, cols, sharex=True, sharey=True, squeeze=False)
    x = np.arange(len(d.trend))
    for k, ax in enumerate(axes.ravel()):
        if k >= len(rows):
            ax.set_visible(False)
            continue
        scale_id, name, worse = rows[k]
        shares = [p.get(scale_id) for p in d.trend_favourable]
        y = np.array([s.share * 100 if s and s.share is not None else np.nan for s in shares])
        lo = np.array([s.ci_low * 100 if s and s.ci_low is not None else np.nan for s in shares])
        hi = np.array([s.ci_high * 100 if s and s.ci_high is not None else np.nan for s in shares])
        colour = ORANGE if worse else BLUE
        ax.fill_between(x, lo, hi, color=colour, alpha=0.18, linewidth=0)
        ax.plot(x, y, marker="o", color=colour, linewidth=1.6)
        ax.set_title(wrap(name + (" (strain)" if worse else ""), 22), fontsize=SMALLEST, loc="left")
        ax.set_ylim(0, 100)
        ax.set_yticks([0, 50, 100], ["0%", "50%", "100%"])
        ax.tick_params(labelsize=SMALLEST)
        ax.grid(axis="y", color="#dddddd")
        plain_axes(ax, "top", "right")
    for ax in axes[-1]:
        ax.set_xticks(x, [str(i + 1) for i in x])
        ax.set_xlabel("Wave", fontsize=SMALLEST)
    fig.tight_layout()
    return svg_text(fig)


def trend_alt(d: Dashboard) -> str:
    if not favourable_rows(d):
        return "Share favourable across waves: no group is large enough to show yet."
    parts = []
    for scale_id, name, _ in favourable_rows(d):
        values = ", ".join(
            f"{p.wave.title} {_pct(s.get(scale_id))}"
            for p, s in zip(d.trend, d.trend_favourable, strict=False)
        )
        parts.append(f"{name}: {values}")
    return (
        "Small charts of the share favourable on each healthy way across waves. "
        + "; ".join(parts)
        + "."
    )


CHARTS = ("heatmap", "units", "trend")
