"""The opinion map: the same votes give the same SVG, with its labels kept as text."""

import numpy as np

from walkthetalk.reports.render import opinion_map


def test_the_opinion_map_is_reproducible_and_keeps_text_as_text() -> None:
    points = np.array([[0.0, 0.0], [1.0, 1.0], [0.5, -0.5]])
    labels = np.array([0, 1, -1])
    groups = [{"label": "Group A", "centre": [0, 0]}, {"label": "Group B", "centre": [1, 1]}]
    first = opinion_map.opinion_map_svg(points, labels, groups)
    assert first == opinion_map.opinion_map_svg(points, labels, groups)
    assert "<svg" in first and "Group A" in first


def test_the_text_alternative_names_each_group_and_its_size() -> None:
    data = {"groups": [{"label": "Group A", "size": 7}, {"label": "Group B", "size": None}]}
    text = opinion_map.describe(data)
    assert "2 opinion groups" in text and "Group A (7 people)" in text and "Group B" in text
    assert opinion_map.describe({}) == "Opinion map: no opinion groups yet."
