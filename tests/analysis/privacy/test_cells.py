"""All-or-nothing cells, sibling counts and the minimum size (walkthetalk.analysis.privacy)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from walkthetalk.analysis.privacy import (
    DEFAULT_MIN_SIZE,
    Cell,
    MinimumSizePolicy,
    PrivacyError,
    Reason,
    ReleaseLedger,
    check_min_size_change,
    plan_release,
    suppress_counts,
)

from .auditor import audit


def cell(key: str, ids: range | list[int] | set[int]) -> Cell:
    return Cell.of(key, ids)


# --------------------------------------------------------------------------- the policy


def test_default_minimum_is_five() -> None:
    assert DEFAULT_MIN_SIZE == 5 and MinimumSizePolicy().min_size == 5


def test_minimum_cannot_be_lowered_once_a_wave_opens() -> None:
    policy = MinimumSizePolicy(5)
    assert policy.with_min_size(4).min_size == 4  # before any wave: allowed
    opened = policy.open_wave()
    assert opened.with_min_size(8).min_size == 8  # raising is always fine
    with pytest.raises(PrivacyError, match="cannot be lowered from 5 to 4"):
        opened.with_min_size(4)
    with pytest.raises(PrivacyError, match="cannot be lowered"):
        opened.with_min_size(8).with_min_size(5)
    with pytest.raises(PrivacyError):
        check_min_size_change(5, 3, wave_open=True)


@pytest.mark.parametrize("bad", [0, 1, 2, -5, 2.5, True, "5"])
def test_minimum_has_a_floor_and_a_type(bad: object) -> None:
    with pytest.raises(PrivacyError):
        MinimumSizePolicy(bad)  # type: ignore[arg-type]


def test_ledger_never_plans_below_the_waves_minimum() -> None:
    ledger = ReleaseLedger("w", min_size=7)
    plan = plan_release([cell("a", range(6))], 5, ledger=ledger)
    assert plan.min_size == 7 and not plan.is_released("a")
    with pytest.raises(PrivacyError):
        ReleaseLedger("w", min_size=7).record(plan_release([cell("b", range(9))], 5))


# --------------------------------------------------------------------------- hand-written attacks


def test_small_cell_is_suppressed_and_empty_cell_is_fine() -> None:
    plan = plan_release([cell("tiny", range(4)), cell("ok", range(10, 15)), cell("none", [])])
    assert plan.decision("tiny").reason is Reason.BELOW_MINIMUM
    assert plan.is_released("ok") and plan.is_released("none")


def test_total_minus_one() -> None:
    total = cell("team", range(10))
    most = cell("team:nurses", range(9))
    one = cell("team:others", [9])
    plan = plan_release([total, most, one])
    assert plan.is_released("team")
    assert plan.decision("team:nurses").reason is Reason.CROSSES  # 10 - 9 = 1 person
    assert not plan.is_released("team:others")


def test_complementary_suppression_of_siblings() -> None:
    total = cell("program", range(15))
    a, b, c = cell("a", range(6)), cell("b", range(6, 12)), cell("c", range(12, 15))
    plan = plan_release([total, a, b, c])
    assert plan.released_keys == ("program", "a")
    assert plan.decision("b").reason is Reason.CROSSES  # 15 - 6 - 6 = 3 = sibling c
    assert plan.decision("c").reason is Reason.BELOW_MINIMUM


def test_total_minus_many_siblings_at_different_depths() -> None:
    # agency of 22 = three programs 6 + 6 + 5 and 5 people in no program
    cells = [
        cell("agency", range(22)),
        cell("p1", range(6)),
        cell("p2", range(6, 12)),
        cell("p3", range(12, 17)),
    ]
    plan = plan_release(cells)
    assert all(plan.is_released(k) for k in ("agency", "p1", "p2", "p3"))  # residual 5 is fine
    cells[0] = cell("agency", range(20))  # residual would be 3
    plan = plan_release(cells)
    assert not plan.is_released("p3")


def test_three_cells_from_two_breakdowns() -> None:
    # The attack 1: org 16 = team A 10 (no sector) + team B 3 peers + team C 2 peers
    # and 1 person with no sector. Org, team A and the peer sector would give that person.
    org = cell("org", range(16))
    team_a = cell("team:A", range(10))
    peers = cell("sector:peer", range(10, 15))
    plan = plan_release([org, team_a, peers])
    assert plan.released_keys == ("org", "team:A")
    audit([c.contributors for c in plan.released_cells], 5)


def test_inclusion_exclusion_across_filters() -> None:
    # "nurses" and "day shift" overlap; their difference is one person.
    nurses = cell("nurses", range(7))
    day_shift = cell("day", range(1, 8))
    plan = plan_release([nurses, day_shift])
    assert plan.is_released("nurses") and not plan.is_released("day")
    # Unioned filters: "nurses or day" vs "nurses" reveals person 7.
    plan = plan_release([nurses, cell("nurses_or_day", range(8))])
    assert not plan.is_released("nurses_or_day")


def test_five_then_six_in_the_same_wave() -> None:
    ledger = ReleaseLedger("wave-3")
    first = plan_release([cell("team", range(5))], ledger=ledger)
    assert first.is_released("team")
    ledger = ledger.record(first)
    second = plan_release([cell("team-now", range(6))], ledger=ledger)
    assert second.decision("team-now").reason is Reason.WAITING  # one new person
    later = plan_release([cell("team-later", range(10))], ledger=ledger)
    assert later.is_released("team-later")  # five new people: an atom of five
    audit([range(5), range(10)], 5)


def test_earlier_release_as_a_sibling() -> None:
    ledger = ReleaseLedger("w").record(plan_release([cell("p1", range(6))]))
    plan = plan_release([cell("agency", range(20)), cell("p2", range(6, 18))], ledger=ledger)
    assert plan.is_released("agency")
    assert plan.decision("p2").reason is Reason.CROSSES  # 20 - 6 - 12 = 2


def test_a_plan_must_be_recorded_in_the_ledger_it_was_made_against() -> None:
    ledger = ReleaseLedger("w").record(plan_release([cell("p1", range(6))]))
    stray = plan_release([cell("p2", range(6, 12))])
    with pytest.raises(PrivacyError, match="not made against"):
        ledger.record(stray)


def test_a_changed_answer_never_lets_the_old_one_be_subtracted() -> None:
    # Contributor codes carry the value: when person 3 changes their answer, ("p3", "old")
    # leaves and ("p3", "new") arrives. The old atom can no longer be shown whole.
    before = [(f"p{i}", "old") for i in range(6)]
    ledger = ReleaseLedger("c").record(plan_release([Cell.of("all", before)]))
    after = [*before[:3], ("p3", "new"), *before[4:]]
    plan = plan_release([Cell.of("all", after)], ledger=ledger)
    assert not plan.is_released("all")
    grown = after + [(f"q{i}", "x") for i in range(5)]
    assert not plan_release([Cell.of("all", grown)], ledger=ledger).is_released("all")


def test_namespaces_are_planned_apart() -> None:
    # Counts of who took part and one scale's answers are different unknowns.
    plan = plan_release(
        [Cell.of("all", range(10)), Cell.of("all:talk", range(6), "talk"), cell("x", range(5))]
    )
    assert plan.released_keys == ("all", "all:talk", "x")


def test_keys_must_be_unique() -> None:
    with pytest.raises(PrivacyError, match="unique"):
        plan_release([cell("a", range(5)), cell("a", range(5))])


def test_old_ledgers_are_read_as_atoms() -> None:
    old = {
        "wave": "7",
        "min_size": 5,
        "released": [
            {"key": "total", "dimension": "hierarchy", "contributors": list(range(12))},
            {"key": "team", "dimension": "hierarchy", "contributors": list(range(9))},
        ],
    }
    ledger = ReleaseLedger.from_dict(old)
    assert sorted(len(a) for a in ledger.spaces[""].atoms()) == [3, 9]
    # the atom of 3 (already below the minimum) is never touched again
    plan = plan_release([cell("total", range(12)), cell("nine", range(9))], ledger=ledger)
    assert plan.released_keys == ("nine",)
    assert plan.decision("total").reason is Reason.TOO_SMALL_BEFORE


# --------------------------------------------------------------------------- suppress_counts


def test_suppress_counts_sector_breakdown() -> None:
    assert suppress_counts({"a": 10, "b": 10, "c": 10}) == {"a": 10, "b": 10, "c": 10}
    assert suppress_counts({"a": 8, "b": 7, "c": 2}) == {"a": 8, "b": None, "c": None}
    assert suppress_counts({"a": 8, "b": 3, "total": 11}) == {"a": None, "b": None, "total": 11}
    assert suppress_counts({"a": 2, "b": 1, "total": 3}) == {"a": None, "b": None, "total": None}
    assert suppress_counts({"a": 9, "none": 0, "b": 6}) == {"a": 9, "none": 0, "b": 6}
    # people outside every sibling keep the total from giving a sibling away
    assert suppress_counts({"a": 8, "b": 3, "total": 16}) == {"a": 8, "b": None, "total": 16}


def test_suppress_counts_errors_and_min_size() -> None:
    with pytest.raises(PrivacyError):
        suppress_counts({"a": -1})
    with pytest.raises(PrivacyError):
        suppress_counts({"a": 8, "total": 5})
    assert suppress_counts({"a": 7, "b": 7}, min_size=8) == {"a": None, "b": None}


@settings(max_examples=150, deadline=None)
@given(
    st.dictionaries(st.sampled_from("abcdefg"), st.integers(0, 15), min_size=1), st.integers(3, 6)
)
def test_suppress_counts_never_reveals_a_small_group(counts: dict[str, int], m: int) -> None:
    out = suppress_counts(counts, m)
    total = sum(counts.values())
    shown = [v for v in out.values() if v is not None]
    assert all(v == 0 or v >= m for v in shown)
    if total >= m:  # a smaller total is itself suppressed (then nothing else is shown)
        hidden = total - sum(shown)
        assert hidden == 0 or hidden >= m  # the (assumed known) total minus what is shown
    else:
        assert shown == [] or shown == [0] * len(shown)


# --------------------------------------------------------------------------- random hierarchies


population = st.lists(
    st.tuples(st.integers(0, 7), st.integers(0, 2)),  # (team, sector); program = team // 2
    min_size=0,
    max_size=40,
)


def _cells(people: list[tuple[int, int]], only: int | None = None, tag: str = "") -> list[Cell]:
    ids = range(len(people) if only is None else only)
    groups: dict[str, set[int]] = {"all": set(ids)}
    for i in ids:
        team, sector = people[i]
        program, agency = team // 2, team // 4
        for key in (
            f"agency{agency}",
            f"program{program}",
            f"team{team}",
            f"sector{sector}",
            f"agency{agency}/sector{sector}",
            f"program{program}/sector{sector}",
        ):
            groups.setdefault(key, set()).add(i)
    return [Cell.of(tag + k, v) for k, v in groups.items()]


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(population, st.integers(3, 5), st.data())
def test_random_hierarchies_and_filters_reveal_nobody(
    people: list[tuple[int, int]], m: int, data: st.DataObject
) -> None:
    ledger = ReleaseLedger("wave", min_size=m)
    # An earlier release in the same wave, when only the first few people had answered.
    first = data.draw(st.integers(0, len(people)), label="answered at first release")
    earlier = data.draw(st.permutations(_cells(people, only=first, tag="early:")))
    plan1 = plan_release(earlier, m, ledger=ledger)
    ledger = ledger.record(plan1)
    now = data.draw(st.permutations(_cells(people)), label="order now")
    plan2 = plan_release(now, m, ledger=ledger)
    released = [c.contributors for c in (*plan1.released_cells, *plan2.released_cells)]
    audit(released, m)
    if len(people) >= m:  # the whole wave alone is always released
        assert plan_release([Cell.of("all", range(len(people)))], m).is_released("all")


def test_ledger_round_trips_as_plain_data() -> None:
    import json

    plan = plan_release([Cell.of("a", range(6)), cell("b", range(6, 12))])
    ledger = ReleaseLedger("w1").record(plan)
    again = ReleaseLedger.from_dict(json.loads(json.dumps(ledger.to_dict())))
    assert [sorted(a) for a in again.spaces[""].atoms()] == [list(range(6)), list(range(6, 12))]
    assert not plan_release([cell("a+1", range(7))], ledger=again).is_released("a+1")
