"""The rendering toolkit: the one CSV writer and the one chart helper."""

import csv
import io

import matplotlib
import numpy as np

from walkthetalk.reports.render import charts, csv_writer, opinion_map


def test_every_formula_start_reaches_the_spreadsheet_as_text() -> None:
    risky = ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tx", "\rx"]
    text = csv_writer.write_csv(["=header"], [[value, 3, -4, None] for value in risky])
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["'=header"]
    assert [r[0] for r in rows[1:]] == ["'" + v for v in risky]
    # numbers stay numbers (a negative number is not text a spreadsheet would run), None is blank
    assert all(r[1:] == ["3", "-4", ""] for r in rows[1:])


def test_charts_leave_matplotlib_settings_alone_and_are_reproducible() -> None:
    before = dict(matplotlib.rcParams)
    points = np.array([[0.0, 0.0], [1.0, 1.0], [0.5, -0.5]])
    labels = np.array([0, 1, -1])
    groups = [{"label": "Group A", "centre": [0, 0]}, {"label": "Group B", "centre": [1, 1]}]
    first = opinion_map.opinion_map_svg(points, labels, groups)
    second = opinion_map.opinion_map_svg(points, labels, groups)
    assert dict(matplotlib.rcParams) == before
    assert first == second and "<svg" in first and "Group A" in first  # text kept as text
    fig, ax = charts.new_figure(2, 2)
    ax.plot([1, 2], [3, 4])
    assert charts.svg_data_uri(fig).startswith("data:image/svg+xml;base64,")
