"""Unit estimates with shrinkage, mirroring between levels, the heatmap and wave trends."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from walkthetalk.analysis.privacy import Cell, ReleaseLedger, plan_release
from walkthetalk.analysis.pulse import (
    compare_profiles,
    load_shipped_instrument,
    mirroring_between_levels,
    rules_by_levels,
    unit_estimates,
    wave_change,
)


def test_unit_estimates_shrink_small_units_more() -> None:
    rng = np.random.default_rng(1)
    units = np.array(["small"] * 5 + ["big"] * 60 + ["other"] * 40)
    y = np.concatenate([rng.normal(4.5, 1, 5), rng.normal(3.0, 1, 60), rng.normal(3.5, 1, 40)])
    est = {e.unit: e for e in unit_estimates(y, units, parent_mean=3.2, icc_1=0.1)}
    small, big = est["small"], est["big"]
    assert small.n == 5 and big.n == 60
    assert small.reliability == pytest.approx(5 * 0.1 / (1 + 4 * 0.1))
    assert small.reliability < big.reliability
    for e in (small, big):
        lo, hi = sorted((e.mean, e.parent_mean))
        assert lo <= e.shrunken_mean <= hi
        assert e.ci_low < e.mean < e.ci_high
        assert e.se == pytest.approx(e.sd / np.sqrt(e.n))
    assert abs(small.shrunken_mean - small.mean) > abs(big.shrunken_mean - big.mean)


def test_unit_estimates_parent_per_unit_and_estimated_icc() -> None:
    units = ["a"] * 6 + ["b"] * 6
    y = [1, 2, 2, 3, 2, 2, 4, 5, 4, 4, 5, 4]
    est = unit_estimates(y, units, parent_mean={"a": 2.0, "b": 4.0})
    assert [e.parent_mean for e in est] == [2.0, 4.0]
    assert all(0 < e.reliability < 1 for e in est)


@settings(max_examples=40, deadline=None)
@given(st.floats(-0.5, 1.0), st.integers(1, 40))
def test_shrunken_mean_lies_between_mean_and_parent(icc: float, n: int) -> None:
    y = np.linspace(1, 5, n) if n > 1 else np.array([4.0])
    (e,) = unit_estimates(y, ["u"] * n, parent_mean=2.0, icc_1=icc, within_variance=1.0)
    lo, hi = sorted((e.mean, 2.0))
    assert lo - 1e-12 <= e.shrunken_mean <= hi + 1e-12
    assert 0.0 <= e.reliability <= 1.0


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


def _heatmap_data() -> tuple[dict[str, np.ndarray], list[str]]:
    rng = np.random.default_rng(5)
    levels = ["system"] * 8 + ["agency"] * 7 + ["team"] * 3
    inst = load_shipped_instrument("walk_the_talk_pulse", "1.0")
    scores = {s.id: rng.uniform(1, 5, len(levels)) for s in inst.scales}
    scores["play"][:] = 4.9  # the strongest healthy counterpart
    scores["mistakes"][:] = 1.2
    return scores, levels


def test_heatmap_orders_strengths_first_and_suppresses_small_levels() -> None:
    inst = load_shipped_instrument("walk_the_talk_pulse", "1.0")
    scores, levels = _heatmap_data()
    hm = rules_by_levels(inst, scores, levels, level_order=["system", "agency", "team"])
    kinds = [r.kind for r in hm.rows]
    assert kinds[0] == "strengths" and kinds[-1] == "strain"
    rule_rows = [r for r in hm.rows if r.kind == "rule"]
    assert rule_rows[0].scale_id == "play" and rule_rows[-1].scale_id == "mistakes"
    assert rule_rows[0].name == "We make room for play" and rule_rows[0].rule == "Don't play"
    means = [r.overall_mean for r in rule_rows]
    assert None not in means
    assert means == sorted((m for m in means if m is not None), reverse=True)
    cells = {c.level: c for c in rule_rows[0].cells}
    assert cells["system"].n == 8 and cells["system"].mean == pytest.approx(4.9)
    assert cells["team"].suppressed and cells["team"].mean is None and cells["team"].n is None
    assert not hm.plan.is_released("level:team")


def test_heatmap_respects_earlier_releases_in_the_wave() -> None:
    inst = load_shipped_instrument("walk_the_talk_pulse", "1.0")
    scores, levels = _heatmap_data()
    ids = [f"r{i}" for i in range(len(levels))]
    # Earlier in the wave the agency column was shown with 6 of its 7 respondents.
    earlier = plan_release([_cell("level:agency", ids[8:14])], 5)
    ledger = ReleaseLedger("wave-1").record(earlier)
    hm = rules_by_levels(inst, scores, levels, respondent_ids=ids, ledger=ledger)
    assert not hm.plan.is_released("level:agency")  # 7 - 6 = 1 person would be revealed
    assert hm.plan.is_released("level:system")


def _cell(key: str, ids: list[str]) -> Cell:
    return Cell.of(key, ids)


def test_wave_change_with_uncertainty() -> None:
    rng = np.random.default_rng(2)
    before, after = rng.normal(3.0, 0.8, 40), rng.normal(3.6, 0.8, 40)
    ch = wave_change(before, after)
    assert ch.difference == pytest.approx(after.mean() - before.mean())
    assert ch.ci_low is not None and ch.ci_high is not None
    assert ch.difference is not None
    assert ch.ci_low < ch.difference < ch.ci_high
    assert ch.se == pytest.approx(np.sqrt(before.var(ddof=1) / 40 + after.var(ddof=1) / 40))
    small = wave_change(before, after[:4])
    assert small.difference is None and small.n_current == 4


def test_heatmap_hides_a_scale_cell_with_too_few_answers() -> None:
    inst = load_shipped_instrument("walk_the_talk_pulse", "1.0")
    scores, levels = _heatmap_data()
    scores["talk"][8:11] = np.nan  # three of the agency's seven skipped the talk items
    hm = rules_by_levels(inst, scores, levels)
    talk = next(r for r in hm.rows if r.scale_id == "talk")
    trust = next(r for r in hm.rows if r.scale_id == "trust")
    assert {c.level: c.suppressed for c in talk.cells} == {
        "system": False,
        "agency": True,
        "team": True,
    }
    assert [c.n for c in trust.cells] == [8, 7, None]


def test_heatmap_ledger_needs_ids() -> None:
    scores, levels = _heatmap_data()
    with pytest.raises(ValueError, match="respondent_ids"):
        rules_by_levels(
            load_shipped_instrument("walk_the_talk_pulse", "1.0"),
            scores,
            levels,
            ledger=ReleaseLedger("w"),
        )
