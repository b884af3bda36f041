"""The heatmap of scales by level: strengths first, small cells suppressed against the ledger."""

from __future__ import annotations

import numpy as np
import pytest

from walkthetalk.analysis.privacy import Cell, ReleaseLedger, plan_release
from walkthetalk.analysis.pulse import (
    load_shipped_instrument,
    rules_by_levels,
)


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
