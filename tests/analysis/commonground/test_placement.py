"""Placing one participant on an earlier fit (analysis.commonground.placement)."""

from __future__ import annotations

import numpy as np
import pytest

from walkthetalk.analysis.commonground import analyze
from walkthetalk.analysis.commonground.placement import PlacementState, place

from .conftest import planted


def _votes_of(matrix, i: int) -> dict[str, int]:
    row = matrix.values[i]
    return {matrix.statement_ids[j]: int(v) for j, v in zip(row.indices, row.data, strict=True)}


def test_participants_who_count_are_placed_in_the_group_the_engine_gave_them() -> None:
    matrix, _ = planted(n=240, m=30, k=3, votes_per=15, seed=3)
    analysis = analyze(matrix)
    state = PlacementState.from_analysis(analysis)
    centres = [g.centre for g in analysis.result.groups]
    assert len(centres) == 3
    counted = np.flatnonzero(analysis.counts_mask)
    placed = [place(state, _votes_of(matrix, i), centres) for i in counted]
    same = np.mean([p == analysis.labels[i] for p, i in zip(placed, counted, strict=True)])
    assert same >= 0.97, same


def test_a_stored_state_places_exactly_as_the_fitted_one() -> None:
    matrix, _ = planted(n=120, m=20, k=2, votes_per=12, seed=5)
    analysis = analyze(matrix)
    state = PlacementState.from_analysis(analysis)
    again = PlacementState.from_dict(state.to_dict())
    for i in range(0, 120, 7):
        a, b = state.coordinates(_votes_of(matrix, i)), again.coordinates(_votes_of(matrix, i))
        assert (a is None and b is None) or np.allclose(a, b)  # type: ignore[arg-type]


def test_too_few_votes_or_only_passes_are_not_placed() -> None:
    matrix, _ = planted(n=120, m=20, k=2, votes_per=12, seed=5)
    analysis = analyze(matrix)
    state = PlacementState.from_analysis(analysis)
    centres = [g.centre for g in analysis.result.groups]
    ids = matrix.statement_ids
    six = {sid: 1 for sid in ids[:6]}
    assert state.votes_needed(six) == 1
    assert place(state, six, centres) is None
    seven = {sid: 1 for sid in ids[:7]}
    assert state.votes_needed(seven) == 0
    assert place(state, seven, centres) in (0, 1)
    assert place(state, {sid: 0 for sid in ids[:10]}, centres) is None
    # Votes on statements the fit has not seen (published since) neither count nor move it.
    extra = {**six, "new-1": 1, "new-2": -1}
    assert state.votes_needed(extra) == 1 and place(state, extra, centres) is None
    assert place(state, seven, []) is None


def test_opposite_votes_land_in_different_groups() -> None:
    matrix, _ = planted(n=200, m=24, k=2, votes_per=24, seed=1)
    analysis = analyze(matrix)
    state = PlacementState.from_analysis(analysis)
    centres = [g.centre for g in analysis.result.groups]
    member = int(np.flatnonzero(analysis.labels == 0)[0])
    votes = _votes_of(matrix, member)
    flipped = {sid: -v for sid, v in votes.items()}
    assert place(state, votes, centres) == 0
    assert place(state, flipped, centres) == 1


@pytest.mark.parametrize(
    "change",
    [
        {"format": 99},
        {"center": [0.0]},
        {"components": [[0.0, 1.0]]},
        {"center": None},
        {"min_votes": 0},
    ],
)
def test_a_damaged_state_is_refused(change: dict) -> None:
    matrix, _ = planted(n=60, m=8, k=2, votes_per=8, seed=2)
    stored = {**PlacementState.from_analysis(analyze(matrix)).to_dict(), **change}
    with pytest.raises(ValueError):
        PlacementState.from_dict(stored)


def test_a_bad_vote_value_is_refused() -> None:
    matrix, _ = planted(n=60, m=8, k=2, votes_per=8, seed=2)
    state = PlacementState.from_analysis(analyze(matrix))
    with pytest.raises(ValueError):
        state.coordinates({matrix.statement_ids[0]: 2})
