import numpy as np

from walkthetalk.analysis.commonground import Settings, analyze
from walkthetalk.analysis.commonground.matrix import VoteMatrix
from walkthetalk.analysis.commonground.sectors import sector_breakdown

from .conftest import planted


def test_small_cells_and_their_complements_are_suppressed():
    # Group 0 has 20 members, group 1 has 10; sector "staff" has 3 people.
    labels = np.array([0] * 20 + [1] * 10 + [-1] * 6)
    sectors = ["peer"] * 15 + ["staff"] * 3 + ["peer"] * 2 + ["peer"] * 10 + ["peer"] * 6
    out = {s.sector: s for s in sector_breakdown(sectors, labels, 2, 5)}
    staff = out["staff"]
    assert staff.participants is None  # 3 < 5
    assert staff.groups == {"0": None, "1": 0, "none": 0}  # empty cells describe nobody
    peer = out["peer"]
    # peer total 33 is fine on its own, but with the known total of everyone (36) it would
    # reveal staff = 3, so it is suppressed as a complement; peer x group 0 (17) would reveal
    # staff x group 0 (3) from the published size of group 0 (20).
    assert peer.participants is None
    assert peer.groups["0"] is None
    assert peer.groups["1"] == 10  # group 1 is all peer: nothing to recover
    assert peer.groups["none"] == 6


def test_nothing_is_suppressed_when_every_cell_is_large():
    labels = np.array([0] * 20 + [1] * 20)
    sectors = (["a"] * 10 + ["b"] * 10) * 2
    out = {s.sector: s for s in sector_breakdown(sectors, labels, 2, 5)}
    assert out["a"].participants == 20 and out["b"].participants == 20
    assert out["a"].groups == {"0": 10, "1": 10, "none": 0}


def test_engine_reports_sectors_when_votes_carry_them():
    m, _ = planted(n=120, m=20, k=2)
    sectors = tuple("peer" if i % 4 else "leader" for i in range(120))
    m = VoteMatrix(m.participant_ids, m.statement_ids, m.values, sectors)
    result = analyze(m, settings=Settings(min_group_size=5)).result
    assert result.sectors is not None
    assert {s.sector for s in result.sectors} == {"peer", "leader"}
    for s in result.sectors:
        for v in s.groups.values():
            assert v is None or v == 0 or v >= 5
    data = result.to_json()["sectors"]
    assert set(data) == {"peer", "leader"}
    assert set(data["peer"]) == {"participants", "groups"}
