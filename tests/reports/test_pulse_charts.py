"""Pulse charts when nothing is released: a sentence, never empty axes or a warning."""

from __future__ import annotations

import re
import warnings
from typing import Any, cast

import pytest

from walkthetalk.reports import pulse_charts
from walkthetalk.reports.pulse import Dashboard


def nothing_released() -> Dashboard:
    """A wave whose every group is under the minimum size: no row, no unit, no trend."""
    return Dashboard(
        wave=cast(Any, None),
        instrument=cast(Any, None),
        min_size=5,
        total_n=None,
        levels=[],
        level_ns=[],
        heat_rows=[],
        mirrors=[],
        scale_names={},
        unit_scale="trust",
        unit_rows=[],
        trend=[],
    )


@pytest.mark.parametrize(
    ("draw", "alt"),
    [
        (pulse_charts.heatmap_svg, pulse_charts.heatmap_alt),
        (pulse_charts.trend_svg, pulse_charts.trend_alt),
        (
            lambda d: pulse_charts.units_svg(d, "total", "trust"),
            lambda d: pulse_charts.units_alt(d, "total", "trust"),
        ),
    ],
    ids=["heatmap", "trend", "units"],
)
def test_a_chart_with_nothing_released_says_so_in_words(draw: Any, alt: Any) -> None:
    d = nothing_released()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warned of singular limits before
        svg = draw(d)
    assert svg.startswith("<?xml")
    texts = re.findall(r"<text[^>]*>(.*?)</text>", svg, flags=re.S)
    words = " ".join(re.sub(r"<[^>]+>", " ", " ".join(texts)).split())
    assert words == " ".join(alt(d).split())
    assert " no " in f" {alt(d)}"
