"""Survey layout: parts in a per-participant random order, no headings for interleaved forms."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from walkthetalk.analysis.pulse import load_shipped_instrument, survey_parts

STAFF = load_shipped_instrument()
OLD = load_shipped_instrument("walk_the_talk_pulse", "1.0")
SERVED = load_shipped_instrument("walk_the_talk_pulse_served")


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**63 - 1), st.sampled_from([STAFF, SERVED]), st.integers(1, 12))
def test_every_item_appears_once_and_no_part_is_headed(seed: int, inst, size: int) -> None:
    parts = survey_parts(inst, seed, size)
    ids = [i for p in parts for i in p.item_ids]
    assert sorted(ids) == sorted(inst.item_ids)
    assert all(p.heading is None for p in parts)
    assert all(0 < len(p.item_ids) for p in parts)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**63 - 1))
def test_no_two_neighbours_share_a_scale_and_own_answer_items_come_apart(seed: int) -> None:
    parts = survey_parts(STAFF, seed)
    shared = [i for p in parts if not p.own_answers for i in p.item_ids]
    scales = [STAFF.scale_of(i).id for i in shared]
    assert all(a != b for a, b in zip(scales, scales[1:], strict=False))
    own = [p for p in parts if p.own_answers]
    assert [sorted(p.item_ids) for p in own] == [sorted(STAFF.scale("strengths").item_ids)]
    assert parts[-1].own_answers


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**63 - 1))
def test_the_same_seed_gives_the_same_order(seed: int) -> None:
    assert survey_parts(STAFF, seed) == survey_parts(STAFF, seed)


def test_orders_differ_between_participants() -> None:
    firsts = {survey_parts(STAFF, seed)[0].item_ids for seed in range(20)}
    assert len(firsts) > 15


def test_version_1_0_keeps_one_headed_part_per_scale() -> None:
    parts = survey_parts(OLD, seed=1)
    assert [p.heading for p in parts] == [s.name for s in OLD.scales]
    assert [p.item_ids for p in parts] == [s.item_ids for s in OLD.scales]


def test_part_size_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least one item"):
        survey_parts(STAFF, 1, 0)
