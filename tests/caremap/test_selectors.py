"""Reads of the care map: the unit tree as flat rows."""

import pytest

from walkthetalk.caremap import selectors

from .factories import small_system, thousand_unit_system

pytestmark = pytest.mark.django_db


def _balanced(rows: list[selectors.UnitRow]) -> bool:
    """Every branch a row opens is closed by later rows, never more."""
    open_branches = 0
    for row in rows:
        open_branches += 1 if row.below else 0
        open_branches -= len(row.closes)
        if open_branches < 0:
            return False
    return open_branches == 0


def test_unit_rows_walk_the_tree_depth_first_and_close_every_branch() -> None:
    system = thousand_unit_system()
    rows = selectors.unit_rows(system)
    assert len(rows) == 1000 and _balanced(rows)
    assert [r.name for r in rows[:4]] == [
        "Agency 01",
        "Organization 01",
        "Program 001",
        "Team 0001",
    ]
    assert [r.depth for r in rows[:4]] == [0, 1, 2, 3]
    assert rows[0].below == 4 + 20 + 80 and rows[1].below == 5 + 20
    assert rows[3].trail == "Agency 01 › Organization 01 › Program 001"
    assert rows[3].path == ""  # its parent is drawn: no path beside it
    assert not any(r.open for r in rows)  # a big tree is drawn closed


def test_unit_rows_search_keeps_the_units_above_and_below_a_match() -> None:
    system = thousand_unit_system()
    rows = selectors.unit_rows(system, query="  PROGRAM 114 ")
    names = [r.name for r in rows]
    assert names == ["Agency 06", "Organization 23", "Program 114"] + [
        f"Team {t:04d}" for t in range(453, 457)
    ]
    assert [r.matched for r in rows] == [False, False, True, False, False, False, False]
    assert _balanced(rows)
    assert selectors.unit_rows(system, query="no such unit") == []


def test_unit_rows_among_some_units_start_branches_with_their_path() -> None:
    system = thousand_unit_system()
    program = system.units.get(name="Program 114")
    among = set(system.units.filter(parent=program).values_list("pk", flat=True)) | {program.pk}
    rows = selectors.unit_rows(system, among=among)
    assert [r.name for r in rows] == ["Program 114"] + [f"Team {t:04d}" for t in range(453, 457)]
    assert rows[0].path == "Agency 06 › Organization 23" and _balanced(rows)


def test_unit_rows_open_the_branches_holding_a_chosen_unit_and_small_trees() -> None:
    system = thousand_unit_system()
    team = system.units.get(name="Team 0457")
    rows = {r.name: r for r in selectors.unit_rows(system, chosen=[team.pk])}
    assert rows["Team 0457"].chosen
    assert rows["Agency 06"].open and rows["Organization 23"].open and rows["Program 115"].open
    assert not rows["Agency 01"].open and not rows["Program 114"].open
    small = selectors.unit_rows(small_system("small"))
    assert all(r.open for r in small if r.below)
