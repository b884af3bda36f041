"""The independent auditor finds each attack of issue 17 and is exact on small cases."""

from fractions import Fraction

from .auditor import find_small_support, rank


def test_rank_is_exact() -> None:
    f = Fraction
    assert rank([[f(1), f(1)], [f(1), f(1)]]) == 1
    assert rank([[f(1), f(0), f(1)], [f(0), f(1), f(1)], [f(1), f(1), f(2)]]) == 2
    assert rank([[f(1, 3), f(2, 3)], [f(1), f(2)]]) == 1
    assert rank([]) == 0


def test_finds_three_cells_from_two_breakdowns() -> None:
    org, team_a, peers = range(16), range(10), range(10, 15)
    assert find_small_support([org, team_a, peers], 5) == (1,)
    assert find_small_support([org, team_a], 5) is None


def test_finds_scale_level_non_response() -> None:
    # Org 10 = X 5 + Y 5; four of Y skip "talk": the talk means are over 6 and 5 people.
    talk_org, talk_x = [*range(5), 5], range(5)
    assert find_small_support([talk_org, talk_x], 5) == (1,)


def test_finds_refresh_differencing() -> None:
    assert find_small_support([range(10), range(11)], 5) == (1,)
    assert find_small_support([range(10), range(15)], 5) is None


def test_finds_combinations_no_pairwise_rule_sees() -> None:
    # a+b, b+c, a+c with a = 2 people: (ab + ac - bc) / 2 = a. No cell, and no difference of
    # two cells, is small.
    a, b, c = [0, 1], list(range(2, 9)), list(range(9, 16))
    cells = [a + b, b + c, a + c]
    assert all(len(x) >= 5 for x in cells)
    assert find_small_support(cells, 5) == (2,)


def test_large_classes_are_safe_whatever_the_overlaps() -> None:
    atoms = [list(range(i, i + 5)) for i in range(0, 30, 5)]
    cells = [atoms[0] + atoms[1], atoms[1] + atoms[2], atoms[0] + atoms[2] + atoms[3], atoms[5]]
    assert find_small_support(cells, 5) is None
