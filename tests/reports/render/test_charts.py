"""The one chart helper: figures owned by the caller, rendered to SVG without pyplot."""

import matplotlib

from walkthetalk.reports.render import charts


def test_a_figure_becomes_an_svg_data_uri_and_leaves_matplotlib_settings_alone() -> None:
    before = dict(matplotlib.rcParams)
    fig, ax = charts.new_figure(2, 2)
    ax.plot([1, 2], [3, 4])
    assert charts.svg_data_uri(fig).startswith("data:image/svg+xml;base64,")
    assert "<svg" in charts.svg_text(fig)
    assert dict(matplotlib.rcParams) == before
