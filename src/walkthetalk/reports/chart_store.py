"""Dashboard charts drawn once per release state and kept beside the figures they draw.

A chart file (:func:`walkthetalk.reports.views.pulse_chart`) is drawn from the figures a page
shows now (:func:`walkthetalk.reports.pulse_store.dashboard`) and stored under their state, so
it is drawn once per state; the worker draws the ones a first view of a dashboard asks for right
after computing the figures (:func:`refresh`), so a page's first view draws nothing.
"""

from __future__ import annotations

from walkthetalk.pulse.models import Wave
from walkthetalk.reports import pulse_charts, pulse_store

CHARTS = ("heatmap", "units", "trend")


def chart(wave: Wave, name: str, scale_id: str | None, node: str) -> tuple[str, str]:
    """One dashboard chart (SVG) of the figures a page shows now, and their state: drawn once
    per state and stored. ``node`` is the group of the units chart ("" for the others); an
    unknown one raises ``LookupError``."""
    d, shown = pulse_store.dashboard(wave, scale_id)
    if name == "units" and d.group(node) is None:
        raise LookupError(node)
    draw = {
        "heatmap": lambda: pulse_charts.heatmap_svg(d),
        "units": lambda: pulse_charts.units_svg(d, node, d.unit_scale),
        "trend": lambda: pulse_charts.trend_svg(d),
    }[name]
    return pulse_store.stored(wave, chart_name(wave, name, scale_id, node), draw, shown)


def chart_name(wave: Wave, name: str, scale_id: str | None, node: str) -> str:
    return f"chart:{name}:{node if name == 'units' else ''}:{pulse_store.scale_of(wave, scale_id)}"


def refresh(wave: Wave) -> bool:
    """The worker's round for one wave: its figures (default healthy way) unless stored, then
    the charts a first view of its dashboard asks for; True if the figures were computed."""
    fresh = pulse_store.refresh(wave)
    d, _ = pulse_store.computed(wave)
    for name in CHARTS:
        if name != "trend" or len(d.trend) > 1:  # the page shows a trend from two waves on
            chart(wave, name, d.unit_scale, "total")
    return fresh
