"""Mirroring between levels: profiles that echo each other once the common pattern is removed."""

from __future__ import annotations

import numpy as np
import pytest

from walkthetalk.analysis.pulse import (
    compare_profiles,
    mirroring_between_levels,
)

RULES = ["talk", "trust", "feel", "roles", "think", "question", "ask", "play", "mistakes"]


def test_profiles_that_echo_mirror() -> None:
    parent = dict(zip(RULES, [3.0, 3.5, 2.0, 2.5, 3.0, 4.0, 2.2, 3.8, 2.1], strict=True))
    unit = {k: v - 0.4 for k, v in parent.items()}  # same shape, lower level
    m = compare_profiles(unit, parent, unit="team", parent="program")
    assert m.shape_r == pytest.approx(1.0)
    assert m.mean_abs_difference == pytest.approx(0.4)
    assert m.rules[0].rule == "question" and m.rules[0].pattern == "shared_strength"
    assert set(m.shared_strains) == {"feel", "ask", "mistakes", "roles"}
    flipped = {k: 6 - v for k, v in parent.items()}
    assert compare_profiles(flipped, parent).shape_r == pytest.approx(-1.0)


def test_reference_profile_removes_the_common_pattern() -> None:
    reference = dict(zip(RULES, [3.0, 3.5, 2.0, 2.5, 3.0, 4.0, 2.2, 3.8, 2.1], strict=True))
    rng = np.random.default_rng(3)
    unit = {k: v + rng.normal(0, 0.3) for k, v in reference.items()}
    parent = {k: v + rng.normal(0, 0.3) for k, v in reference.items()}
    plain = compare_profiles(unit, parent).shape_r
    beyond = compare_profiles(unit, parent, reference=reference).shape_r
    assert plain > 0.8  # both just follow the common pattern
    assert abs(beyond) < plain


def test_mirroring_between_levels_and_missing_rules() -> None:
    profiles = {
        "agency": {"talk": 3.0, "trust": 4.0, "feel": 2.0},
        "program": {"talk": 3.1, "trust": 4.2, "feel": 2.1, "play": np.nan},
        "team": {"talk": 4.0, "trust": 2.0, "feel": 3.0},
    }
    result = mirroring_between_levels(
        profiles, {"program": "agency", "team": "program", "lost": "agency"}
    )
    assert [(m.unit, m.parent) for m in result] == [("program", "agency"), ("team", "program")]
    assert result[0].n_rules == 3 and result[0].shape_r > 0.9
    assert result[1].shape_r < 0
