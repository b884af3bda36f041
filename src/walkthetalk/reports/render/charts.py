"""The one chart helper: matplotlib ``Figure`` objects rendered to SVG, never through pyplot.

A figure is made with :func:`new_figure` and turned into text with :func:`svg_text` (or a
data URI for an ``<img>`` with :func:`svg_data_uri`); it belongs to the caller alone, so two
requests drawing at once share nothing. Font sizes are given per text, not through rcParams.

Matplotlib reads its SVG and saving options (text kept as text, the salt of element ids, the
background) from the process-wide ``rcParams`` while it writes a file, and has no per-figure
or per-call way to give them. So :func:`svg_text` writes every figure under
:data:`SVG_SETTINGS`, set for that one save only (``matplotlib.rc_context``) and under a lock, so
that two threads saving at once cannot undo each other's settings: nothing is set at import or
start-up, whatever else in the process changes ``rcParams`` does not reach the SVG, and the
same numbers always give the same SVG.
"""

from __future__ import annotations

import base64
import io
import textwrap
import threading
from typing import Any

import matplotlib
from matplotlib.axes import Axes
from matplotlib.figure import Figure

# Colour-blind-safe (Okabe–Ito) colours and distinct markers: colour is never the only cue.
COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"]
MARKERS = ["o", "s", "^", "D", "v", "P", "X"]


SVG_SETTINGS: dict[Any, Any] = {
    # matplotlib's own defaults for every option the SVG writer and savefig read ...
    **{
        key: value
        for key, value in matplotlib.rcParamsDefault.items()
        if key.startswith(("svg.", "savefig.")) or key == "image.composite_image"
    },
    # ... but text kept as text (readable, searchable, translatable) and a fixed salt for
    # element ids (matplotlib salts them with a random number otherwise).
    "svg.fonttype": "none",
    "svg.hashsalt": "walkthetalk",
}
"""The options every figure is saved with, whatever the process's ``rcParams`` hold."""

_SAVING = threading.Lock()


def new_figure(width: float, height: float) -> tuple[Figure, Axes]:
    """A figure of ``width`` × ``height`` inches with one set of axes, owned by the caller."""
    fig = Figure(figsize=(width, height), dpi=100)
    return fig, fig.subplots()


def svg_text(fig: Figure) -> str:
    """The figure as SVG text, without a creation date (the same numbers give the same SVG)."""
    out = io.StringIO()
    with _SAVING, matplotlib.rc_context(SVG_SETTINGS):
        fig.savefig(out, format="svg", metadata={"Date": None, "Creator": None})
    return out.getvalue()


def svg_data_uri(fig: Figure) -> str:
    """The figure as an SVG data URI for an ``<img>`` (nothing fetched from elsewhere)."""
    return svg_uri(svg_text(fig))


def svg_uri(svg: str) -> str:
    """SVG text as a data URI for an ``<img>``."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def wrap(text: str, width: int = 22) -> str:
    """Text broken into lines of at most ``width`` characters, for tick labels."""
    return "\n".join(textwrap.wrap(text, width)) or text


def plain_axes(ax: Axes, *sides: str) -> None:
    """Hide the given spines (all four when none are given)."""
    for side in sides or ("top", "right", "left", "bottom"):
        ax.spines[side].set_visible(False)
