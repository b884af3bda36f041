"""The opinion map: each participant a dot placed by how they voted, drawn by the worker.

Dots of one opinion group share a colour and a marker shape (so colour is never the only cue),
and each group is labelled at its centre. Pages show it with a text alternative
(:func:`describe`) and the same numbers as a table.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from walkthetalk.reports.render.charts import COLOURS, MARKERS, new_figure, svg_text

GROUP_COLOURS = COLOURS[:6]
GROUP_MARKERS = MARKERS[:6]


def opinion_map_svg(
    points: np.ndarray, labels: np.ndarray, groups: Sequence[dict[str, Any]]
) -> str:
    """SVG of ``points`` (one row per participant) coloured by ``labels`` (``-1``: no group).

    ``groups[g]`` gives group ``g``'s ``label`` and ``centre``.
    """
    fig, ax = new_figure(6, 4.5)
    unplaced = points[labels < 0]
    if len(unplaced):
        ax.scatter(
            unplaced[:, 0],
            unplaced[:, 1],
            s=14,
            c="#8a8a8a",
            marker="x",
            label="Not in a group yet (few votes)",
        )
    for g, group in enumerate(groups):
        mine = points[labels == g]
        if not len(mine):
            continue
        colour, marker = GROUP_COLOURS[g % 6], GROUP_MARKERS[g % 6]
        ax.scatter(
            mine[:, 0],
            mine[:, 1],
            s=28,
            c=colour,
            marker=marker,
            alpha=0.75,
            edgecolors="white",
            linewidths=0.5,
            label=group["label"],
        )
        cx, cy = group["centre"]
        ax.annotate(
            group["label"],
            (cx, cy),
            ha="center",
            va="center",
            fontsize=11,
            fontweight="bold",
            color="#1a1a1a",
            bbox={"boxstyle": "round,pad=0.3", "fc": "white", "ec": colour, "lw": 1.5},
        )
    ax.set_xticks([])
    ax.set_yticks([])
    for side in ("top", "right", "left", "bottom"):
        ax.spines[side].set_color("#cccccc")
    ax.set_title("Opinion map: each opinion group at its centre", fontsize=11)
    ax.legend(loc="best", fontsize=8, frameon=True)
    fig.tight_layout()
    return svg_text(fig)


def describe(data: dict[str, Any]) -> str:
    """The text alternative for the opinion map of a stored result payload."""
    groups = data.get("groups", [])
    if not groups:
        return "Opinion map: no opinion groups yet."
    parts = [
        f"{group['label']} ({group['size']} people)"
        if group["size"] is not None
        else f"{group['label']}"
        for group in groups
    ]
    return (
        f"Opinion map of {len(groups)} opinion groups: {', '.join(parts)}. "
        "Groups close together voted alike. The table below gives the same groups in words."
    )
