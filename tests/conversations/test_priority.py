import random

from walkthetalk.conversations.priority import Candidate, choose, priority


def test_new_statements_come_before_well_voted_ones() -> None:
    fresh = Candidate(1, 0, 0, 0)
    worn = Candidate(2, 30, 30, 0)
    assert priority(fresh) > 10 * priority(worn)


def test_statements_people_pass_on_sink_and_divisive_ones_rise() -> None:
    passed = Candidate(1, 2, 2, 16)
    decided = Candidate(2, 10, 10, 0)
    assert priority(decided) > priority(passed)
    assert priority(Candidate(3, 10, 10, 0, extremity=1.5)) > priority(decided)


def test_choice_is_weighted_by_priority() -> None:
    rng = random.Random(3)
    fresh, worn = Candidate(1, 0, 0, 0), Candidate(2, 40, 40, 5)
    picks = [choose([fresh, worn], rng).key for _ in range(500)]
    assert picks.count(1) > 450 and picks.count(2) > 0
    assert choose([], rng) is None
