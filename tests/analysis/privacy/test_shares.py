"""Group disclosure: unanimity, and secondary suppression of a complementary cell."""

from __future__ import annotations

from walkthetalk.analysis.privacy import complementary_hidden, share_shown


def _ok(counts) -> bool:
    return share_shown(counts[1], counts[0])


def test_nothing_more_is_hidden_when_nothing_is() -> None:
    cells = {"a": (5, 5), "b": (5, 2)}
    assert complementary_hidden((10, 7), cells, [], _ok) == set()


def test_the_smallest_cell_that_covers_the_hidden_one_is_hidden_with_it() -> None:
    cells = {"a": (5, 5), "b": (7, 3), "c": (6, 2)}
    # total 18 of which 10 agree: remainder after b and c would be a's 5 of 5
    assert complementary_hidden((18, 10), cells, ["a"], _ok) == {"a", "c"}


def test_a_remainder_that_already_mixes_needs_no_more() -> None:
    cells = {"a": (5, 5), "b": (5, 2)}
    # 3 people in no cell, one of whom disagreed: total minus b is 7 of 8
    assert complementary_hidden((13, 9), cells, ["a"], _ok) == {"a"}


def test_every_cell_is_hidden_when_nothing_else_covers() -> None:
    cells = {"a": (5, 5), "b": (5, 5), "c": (5, 5)}
    assert complementary_hidden((15, 15), cells, ["a", "b", "c"], _ok) == {"a", "b", "c"}
    cells = {"a": (5, 5), "b": (6, 6)}
    assert complementary_hidden((11, 11), cells, ["a"], _ok) == {"a", "b"}
