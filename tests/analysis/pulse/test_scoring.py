"""Scale scoring: reverse keying and the missing-data rule."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from walkthetalk.analysis.pulse import (
    ResponseError,
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
