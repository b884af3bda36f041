"""Dashboard summaries over released groups: means, shrunken unit estimates, level profiles."""

import numpy as np
import pytest

from walkthetalk.analysis.pulse import (
    UnitGroup,
    level_profiles,
    mean_if_enough,
    shrunken_unit_estimates,
)


def test_a_mean_needs_enough_answers_and_ignores_the_unanswered() -> None:
    values = np.array([4.0, np.nan, 5.0, 3.0])
    assert mean_if_enough(values, 3) == pytest.approx(4.0)
    assert mean_if_enough(values, 4) is None


def test_units_are_shrunk_toward_their_parent_one_depth_at_a_time() -> None:
    values = np.array([5.0, 5, 4, 5, 4, 5, 3, 2, 3, 3, 4, 3])
    program = UnitGroup("unit:1", tuple(range(12)), "", 0)
    day = UnitGroup("unit:2", tuple(range(6)), "unit:1", 1)
    evening = UnitGroup("unit:3", tuple(range(6, 12)), "unit:1", 1)
    estimates = shrunken_unit_estimates(values, [program, day, evening], 3.9, 5)
    assert set(estimates) == {"unit:2", "unit:3"}  # one unit alone at depth 0 is not shrunk
    parent = values.mean()
    assert estimates["unit:2"].parent_mean == pytest.approx(parent)
    assert parent < estimates["unit:2"].shrunken_mean <= estimates["unit:2"].mean
    assert shrunken_unit_estimates(values, [program, day, evening], None, 5) == {}


def test_levels_with_too_few_shown_rules_are_left_out_of_the_comparison() -> None:
    cells = {"a": [4.0, 3.0, None], "b": [3.5, 3.0, 2.0], "c": [3.0, None, 2.5]}
    profiles, parent_of = level_profiles(["Top", "Middle", "Front"], cells, min_rules=2)
    assert profiles == {
        "Top": {"a": 4.0, "b": 3.5, "c": 3.0},
        "Middle": {"a": 3.0, "b": 3.0},
        "Front": {"b": 2.0, "c": 2.5},
    }
    assert parent_of == {"Middle": "Top", "Front": "Middle"}
    _, strict = level_profiles(["Top", "Middle", "Front"], cells, min_rules=3)
    assert strict == {}
