"""The opinion map: matplotlib rendered to SVG on the server (no script, no external font).

Each participant is a dot placed by how they voted; dots of one opinion group share a colour
and a marker shape (so colour is never the only cue), and each group is labelled at its
centre. The page shows it with a text alternative and the same numbers as a table.
"""

from __future__ import annotations

import io
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

# Colour-blind-safe (Okabe–Ito) colours and distinct markers.
COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9"]
MARKERS = ["o", "s", "^", "D", "v", "P"]


def opinion_map_svg(analysis: Any, data: dict[str, Any]) -> str:
    result = analysis.result
    labels = np.asarray(analysis.labels)
    points = np.array(list(result.projection.values()), dtype=float).reshape(-1, 2)
    plt.rcParams["svg.hashsalt"] = "walkthetalk"
    plt.rcParams["svg.fonttype"] = "none"
    fig, ax = plt.subplots(figsize=(6, 4.5), dpi=100)
    try:
        participant_rows = [int(pid[1:]) for pid in result.projection]
        row_labels = labels[participant_rows] if participant_rows else labels[:0]
        unplaced = points[row_labels < 0]
        if len(unplaced):
            ax.scatter(
                unplaced[:, 0],
                unplaced[:, 1],
                s=14,
                c="#8a8a8a",
                marker="x",
                label="Not in a group yet (few votes)",
            )
        for g, group in enumerate(data["groups"]):
            mine = points[row_labels == g]
            if not len(mine):
                continue
            colour, marker = COLOURS[g % len(COLOURS)], MARKERS[g % len(MARKERS)]
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
        ax.set_title("Opinion map: each dot is one participant", fontsize=11)
        ax.legend(loc="best", fontsize=8, frameon=True)
        fig.tight_layout()
        out = io.StringIO()
        fig.savefig(out, format="svg", metadata={"Date": None, "Creator": None})
        return out.getvalue()
    finally:
        plt.close(fig)


def describe(data: dict[str, Any]) -> str:
    """The text alternative for the opinion map."""
    groups = data.get("groups", [])
    if not groups:
        return "Opinion map: no opinion groups yet."
    parts = []
    for group in groups:
        size = group["size"]
        parts.append(
            f"{group['label']} ({size} people)" if size is not None else f"{group['label']}"
        )
    return (
        f"Opinion map of {len(groups)} opinion groups: {', '.join(parts)}. "
        "Dots close together voted alike. The table below gives the same groups in words."
    )
