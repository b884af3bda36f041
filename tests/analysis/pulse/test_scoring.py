"""Scale scoring: reverse keying, the missing-data rule, strengths counts and item nonresponse."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from walkthetalk.analysis.pulse import (
    NOT_APPLICABLE,
    Instrument,
    ResponseError,
    item_nonresponse,
    keyed_items,
    load_shipped_instrument,
    reverse_key,
    scale_reliabilities,
    score_rows,
    score_scales,
)

answers = st.lists(st.integers(1, 5) | st.none(), min_size=1, max_size=30)


@given(answers)
def test_reverse_keying_twice_is_identity(values: list[int | None]) -> None:
    x = np.array([np.nan if v is None else v for v in values], dtype=float)
    back = reverse_key(reverse_key(x, 1, 5), 1, 5)
    np.testing.assert_array_equal(back, x)


@given(answers)
def test_reverse_keying_stays_on_the_scale(values: list[int | None]) -> None:
    x = np.array([np.nan if v is None else v for v in values], dtype=float)
    r = reverse_key(x, 1, 5)
    ok = ~np.isnan(x)
    assert np.all((r[ok] >= 1) & (r[ok] <= 5))
    np.testing.assert_array_equal(np.isnan(r), np.isnan(x))


def test_min_answered_rule() -> None:
    x = np.array([[1, 2, np.nan, np.nan], [1, np.nan, np.nan, np.nan], [4, 4, 4, 4]])
    np.testing.assert_array_equal(score_rows(x, 2), [1.5, np.nan, 4.0])


def test_scores_on_shipped_instrument() -> None:
    inst = load_shipped_instrument("walk_the_talk_pulse", "1.0")
    talk = inst.scale("talk")
    # Two people: one answers healthy items 5 and rule items 1 (fully healthy); one skips most.
    responses: dict[str, list[float | None]] = {}
    for item in talk.items:
        responses[item.id] = [1.0 if item.reverse else 5.0, None]
    responses["talk_1"][1] = 2.0
    scores = score_scales(inst, responses)
    assert scores["talk"][0] == 5.0
    assert np.isnan(scores["talk"][1])  # 1 of 4 answered < min_answered (2)
    assert np.isnan(scores["trust"]).all()  # not answered at all
    keyed = keyed_items(inst, "talk", responses)
    assert keyed.shape == (2, 4) and np.all(keyed[0] == 5.0)


def test_scale_reliabilities_on_simulated_pulse() -> None:
    inst = load_shipped_instrument("walk_the_talk_pulse", "1.0")
    rng = np.random.default_rng(11)
    n = 200
    responses: dict[str, list[float | None]] = {}
    for scale in inst.scales:
        trait = rng.normal(size=n)
        for item in scale.items:
            raw = np.clip(np.round(3 + trait + rng.normal(0, 0.8, n)), 1, 5)
            col: list[float | None] = list((6 - raw) if item.reverse else raw)
            col[int(rng.integers(n))] = None
            responses[item.id] = col
    rel = scale_reliabilities(inst, responses)
    for scale_id, r in rel.items():
        assert r is not None and r.alpha > 0.7, scale_id
        assert r.omega_total >= r.alpha - 0.02


def test_bad_responses_are_named() -> None:
    inst = load_shipped_instrument("walk_the_talk_pulse", "1.0")
    with pytest.raises(ResponseError, match="'talk_1' has value"):
        score_scales(inst, {"talk_1": [1, 7]})
    with pytest.raises(ResponseError, match="unknown item"):
        score_scales(inst, {"nope": [1]})
    with pytest.raises(ResponseError, match="different numbers"):
        score_scales(inst, {"talk_1": [1], "talk_2": [1, 2]})


def _answers(inst: Instrument, values: dict[str, object], n: int = 1) -> dict[str, list[object]]:
    return {i: [values.get(i)] * n for i in inst.item_ids}


def test_a_score_needs_three_answers_including_both_keyings() -> None:
    inst = load_shipped_instrument()
    # three healthy-direction answers only is not enough: both keyings are needed
    only_one_way = _answers(inst, {"talk_5": 5, "talk_8": 5, "talk_6": None, "talk_7": None})
    assert np.isnan(score_scales(inst, only_one_way)["talk"][0])
    both = _answers(inst, {"talk_5": 5, "talk_8": 4, "talk_6": 1})
    assert score_scales(inst, both)["talk"][0] == pytest.approx((5 + 4 + 5) / 3)
    two = _answers(inst, {"talk_5": 5, "talk_6": 1})
    assert np.isnan(score_scales(inst, two)["talk"][0])
    not_applicable = _answers(
        inst, {"talk_5": 5, "talk_8": NOT_APPLICABLE, "talk_6": 1, "talk_7": 2}
    )
    assert score_scales(inst, not_applicable)["talk"][0] == pytest.approx((5 + 5 + 4) / 3)


def test_strengths_are_a_count_of_experiences_lived_a_few_times_or_more() -> None:
    inst = load_shipped_instrument()
    answers = _answers(
        inst, {"strengths_5": 4, "strengths_6": 3, "strengths_7": 2, "strengths_8": 1}
    )
    assert score_scales(inst, answers)["strengths"][0] == 2.0
    three = _answers(inst, {"strengths_5": 4, "strengths_6": 3, "strengths_7": 2})
    assert score_scales(inst, three)["strengths"][0] == pytest.approx(2 * 4 / 3)
    with pytest.raises(ValueError, match="not among the response options"):
        score_scales(inst, _answers(inst, {"strengths_5": 5}))


def test_nonresponse_keeps_prefer_not_to_say_apart_from_does_not_apply() -> None:
    inst = load_shipped_instrument()
    responses = {i: [5, None, NOT_APPLICABLE, 3] for i in inst.item_ids}
    responses["strengths_5"] = [4, None, NOT_APPLICABLE, 3]
    counts = item_nonresponse(inst, responses)
    assert counts["talk_5"] == (2, 1, 1)
    assert set(counts) == set(inst.item_ids)
