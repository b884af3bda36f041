"""Conversations: refreshes over time, with new voters, changed votes and regrouping.

Every figure :func:`plan_refresh` releases at every refresh goes to the independent auditor as
the set of (participant, vote) contributions it describes, per statement, and as the set of
participants for the counts; no combination may single out fewer than k.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from walkthetalk.analysis.privacy import (
    EVERYONE,
    Reason,
    ReleaseLedger,
    group_shares,
    placed_sectors,
    plan_refresh,
    sector_shares,
    share_shown,
    spread_shown,
    statement_shares,
)
from walkthetalk.analysis.privacy.conversation import Tally

from .auditor import determined, find_small_support


def matrix(votes: dict[tuple[int, int], int], n: int, m: int) -> sp.csr_matrix:
    rows = [p for p, _ in votes]
    cols = [s for _, s in votes]
    mat = sp.csr_matrix(([v + 2 for v in votes.values()], (rows, cols)), shape=(n, m))
    mat.data = mat.data - 2  # a pass is an explicit 0
    return mat


@st.composite
def conversations(draw):
    m = draw(st.integers(1, 3))
    k = draw(st.integers(3, 5))
    steps = draw(st.integers(1, 3))
    history = []
    votes: dict[tuple[int, int], int] = {}
    n = 0
    for _ in range(steps):
        n += draw(st.integers(0, 9))
        for p in range(n):
            for s in range(m):
                if draw(st.integers(0, 4)) > 0:  # most people vote on most statements
                    votes[(p, s)] = draw(st.sampled_from([-1, 0, 1]))
        labels = np.array([draw(st.integers(-1, 1)) for _ in range(n)], dtype=np.int64)
        sectors = [draw(st.sampled_from([None, "peer", "clinic"])) for _ in range(n)]
        first = draw(st.sets(st.integers(0, m - 1)))
        history.append((n, dict(votes), labels, sectors, [f"s{j}" for j in first]))
    return m, k, history


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(conversations())
def test_every_refresh_passes_the_auditor(conv) -> None:
    m, k, history = conv
    ledger = ReleaseLedger("c", min_size=k)
    by_statement: dict[str, list[frozenset[int]]] = {}
    counts: list[frozenset[int]] = []
    sectors_seen: list[str | None] = []
    for n, votes, labels, sectors, sectors_first in history:
        sectors_seen = sectors
        rel = plan_refresh(
            np.arange(n, dtype=np.int64) + 100,
            matrix(votes, n, m),
            [f"s{j}" for j in range(m)],
            labels=labels,
            counted=labels >= 0,
            sectors=sectors,
            min_size=k,
            ledger=ledger,
            keep_codes=True,
            sectors_first=sectors_first,
        )
        ledger = rel.ledger
        for fig in rel.participants.values():
            counts.append(frozenset(fig.rows.tolist()))
            assert fig.n == 0 or fig.n >= k
        for sid, tallies in rel.statements.items():
            for t in tallies.values():
                assert t.seen == len(t.codes) and (t.seen == 0 or t.seen >= k)
                by_statement.setdefault(sid, []).append(t.codes)
    assert find_small_support(counts, k) is None
    for cells in by_statement.values():
        assert find_small_support(cells, k) is None
    assert len(sectors_seen) == history[-1][0]


def test_seen_by_ten_never_becomes_seen_by_eleven() -> None:
    votes = {(p, 0): 1 if p < 7 else -1 for p in range(10)}
    codes = np.arange(12, dtype=np.int64)
    common = {"labels": np.zeros(10, np.int64), "counted": np.ones(10, bool)}
    first = plan_refresh(
        codes[:10], matrix(votes, 10, 1), ["s"], sectors=[None] * 10, min_size=5, **common
    )
    assert first.statements["s"][EVERYONE].seen == 10
    votes[(10, 0)] = 1
    later = plan_refresh(
        codes[:11],
        matrix(votes, 11, 1),
        ["s"],
        labels=np.zeros(11, np.int64),
        counted=np.ones(11, bool),
        sectors=[None] * 11,
        min_size=5,
        ledger=first.ledger,
    )
    t = later.statements["s"][EVERYONE]
    assert (t.seen, t.agree) == (10, 7) and t.reason is Reason.PARTIAL


def test_a_changed_vote_takes_its_old_atom_out_of_new_figures() -> None:
    votes = {(p, 0): 1 for p in range(10)}
    base = {"labels": np.full(10, -1, np.int64), "counted": np.zeros(10, bool)}
    first = plan_refresh(
        np.arange(10), matrix(votes, 10, 1), ["s"], sectors=[None] * 10, min_size=5, **base
    )
    assert first.statements["s"][EVERYONE].agree == 10
    votes[(0, 0)] = -1  # one person changes their mind
    later = plan_refresh(
        np.arange(10),
        matrix(votes, 10, 1),
        ["s"],
        sectors=[None] * 10,
        min_size=5,
        ledger=first.ledger,
        **base,
    )
    t = later.statements["s"][EVERYONE]
    assert t.disagree == 0 and t.seen in (0, 10)  # the change is never shown alone


def test_shares_by_sector_are_never_unanimous() -> None:
    t = Tally("sector:peer", 6, 6, 0, Reason.RELEASED)
    assert statement_shares(t, 5, by_sector=True) == (None, None)
    assert statement_shares(t, 5, by_sector=False) == (100, 0)
    assert share_shown(3, 6) and not share_shown(0, 6) and not share_shown(6, 6)
    assert spread_shown([4, 1]) and not spread_shown([5, 0]) and not spread_shown([])


def _crossing(**kwargs):
    """Ten voters on one statement, two opinion groups of 5 and two sectors of 5 that cut
    across them (3 + 2 each)."""
    votes = {(p, 0): 1 if p % 3 else -1 for p in range(10)}
    labels = np.array([0] * 5 + [1] * 5, dtype=np.int64)
    sectors = ["peer", "peer", "peer", "clinic", "clinic", "peer", "peer"] + ["clinic"] * 3
    return plan_refresh(
        np.arange(10),
        matrix(votes, 10, 1),
        ["s"],
        labels=labels,
        counted=np.ones(10, bool),
        sectors=sectors,
        min_size=5,
        keep_codes=True,
        **kwargs,
    )


def test_the_breakdown_planned_first_is_the_one_shown() -> None:
    groups_first = _crossing().statements["s"]
    assert groups_first["group:0"].seen == 5 and groups_first["group:1"].seen == 5
    assert groups_first["sector:peer"].seen == 0  # it would cut both group atoms below 5
    assert groups_first["sector:peer"].reason is Reason.CROSSES
    sectors_first = _crossing(sectors_first=["s"]).statements["s"]
    assert sectors_first["sector:peer"].seen == 5 and sectors_first["sector:clinic"].seen == 5
    assert sectors_first["group:0"].seen == 0 and sectors_first["group:1"].seen == 0
    assert sectors_first[EVERYONE].seen == 10
    # either way, the figures pass the auditor
    for tallies in (groups_first, sectors_first):
        cells = [t.codes for t in tallies.values()]
        assert find_small_support(cells, 5) is None


def _agrees(codes: frozenset[int]) -> int:
    """Agree votes among vote codes (participant * 4 + vote + 1), read independently."""
    return sum(1 for c in codes if c % 4 == 2)


def _sector_release(votes, sectors, k, **kwargs):
    n = len(sectors)
    rel = plan_refresh(
        np.arange(n),
        matrix(votes, n, 1),
        ["s"],
        labels=np.full(n, -1, np.int64),
        counted=np.zeros(n, bool),
        sectors=sectors,
        min_size=k,
        keep_codes=True,
        sectors_first=["s"],
        **kwargs,
    )
    tallies = rel.statements["s"]
    return tallies, sector_shares(tallies, k)


def _attack(tallies, shares, k) -> None:
    """Try the subtraction on every sector whose agree share is hidden for being unanimous: the
    overall tally minus every shown sector must neither determine it nor be unanimous. (When
    the overall share is itself unanimous it already tells every voter's vote: shown by design,
    a residual risk in docs/anonymity.md, and not this rule's to hide.)"""
    total = tallies[EVERYONE]
    if not share_shown(total.agree, total.seen):
        return
    shown = [key for key, (agree, _) in shares.items() if agree is not None]
    for key, t in tallies.items():
        if not key.startswith("sector:") or not t.seen or share_shown(t.agree, t.seen):
            continue
        assert shares[key][0] is None
        known = [total.codes] + [tallies[s].codes for s in shown]
        assert not determined(known, t.codes), key
        left = set(total.codes).difference(*[tallies[s].codes for s in shown])
        assert share_shown(_agrees(frozenset(left)), len(left)), key


def test_a_hidden_unanimous_sector_is_not_recovered_by_subtraction() -> None:
    # peer: 5 of 5 agree (hidden); clinic 3 of 5, family 2 of 5; everyone has a sector
    agree = [1] * 5 + [1, 1, 1, -1, -1] + [1, 1, -1, -1, 0]
    votes = {(p, 0): v for p, v in enumerate(agree)}
    sectors = ["peer"] * 5 + ["clinic"] * 5 + ["family"] * 5
    tallies, shares = _sector_release(votes, sectors, 5)
    assert {key: t.seen for key, t in tallies.items()} == {
        EVERYONE: 15,
        "sector:clinic": 5,
        "sector:family": 5,
        "sector:peer": 5,
    }
    # without the rule, 15 agree minus the two shown sectors would give peer's 5 of 5
    assert statement_shares(tallies["sector:clinic"], 5, by_sector=True) == (60, 40)
    assert shares["sector:peer"] == (None, None)
    assert shares["sector:clinic"][0] is None  # the complementary cell, hidden with it
    assert shares["sector:family"][0] == 40
    _attack(tallies, shares, 5)


def test_no_one_without_a_sector_left_over_is_no_cover_when_they_agree_too() -> None:
    # peer 5/5 agree hidden; clinic 2/5 shown; 5 people with no sector who all agree: the
    # overall minus clinic is 10 of 10 agreeing, which would tell peer's votes
    agree = [1] * 5 + [1, 1, -1, -1, -1] + [1] * 5
    votes = {(p, 0): v for p, v in enumerate(agree)}
    tallies, shares = _sector_release(votes, ["peer"] * 5 + ["clinic"] * 5 + [None] * 5, 5)
    assert tallies["sector:clinic"].seen == 5 and tallies["sector:peer"].seen == 5
    assert shares["sector:peer"][0] is None and shares["sector:clinic"][0] is None
    _attack(tallies, shares, 5)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(3, 4),
    st.lists(
        st.tuples(st.sampled_from([-1, 0, 1, 1, 1]), st.sampled_from(["a", "b", "c", None])),
        min_size=6,
        max_size=24,
    ),
)
def test_sector_shares_never_give_back_a_hidden_one(k, people) -> None:
    votes = {(p, 0): v for p, (v, _) in enumerate(people)}
    tallies, shares = _sector_release(votes, [s for _, s in people], k)
    _attack(tallies, shares, k)
    for key, (agree, disagree) in shares.items():  # the primary rule still holds
        t = tallies[key]
        assert agree is None or share_shown(t.agree, t.seen)
        assert disagree is None or share_shown(t.disagree, t.seen)


# ------------------------------------------------ opinion groups that a sector sits in


def _group_release(votes, labels, sectors, k):
    n = len(sectors)
    labels = np.asarray(labels, dtype=np.int64)
    rel = plan_refresh(
        np.arange(n),
        matrix(votes, n, 1),
        ["s"],
        labels=labels,
        counted=labels >= 0,
        sectors=sectors,
        min_size=k,
        keep_codes=True,
    )
    n_groups = int(labels.max()) + 1 if n else 0
    placed = placed_sectors(rel.participants, n_groups)
    return rel, n_groups, group_shares(rel.statements["s"], placed, n_groups, k)


def _sectors_in_groups(participants) -> dict[str, list[int]]:
    """What anyone reading the released counts learns (written apart from the production
    code): sectors whose sector × group counts add up to the sector's size, and their groups."""
    sizes = {
        key.split(":", 1)[1]: f.n
        for key, f in participants.items()
        if key.startswith("sector:") and "/" not in key and f.n
    }
    cells: dict[str, dict[int, int]] = {}
    for key, f in participants.items():
        if key.startswith("sector:") and "/group:" in key and f.n:
            sector, group = key.removeprefix("sector:").split("/group:")
            cells.setdefault(sector, {})[int(group)] = f.n
    return {s: sorted(cells[s]) for s, n in sizes.items() if sum(cells.get(s, {}).values()) == n}


def _told_of_a_sector(rel, n_groups, shares) -> list[tuple[str, str]]:
    """The attack: for a sector placed in groups, is every one of those groups known to have
    voted alike, the same way — from its shown share, or, for a group not shown, from the
    overall tally minus the shown groups (the groups not shown and whoever is in none) being
    unanimous? Returns (sector, direction) for every way the released figures tell each
    member's vote. A unanimous overall share tells everyone's: shown by design, not counted."""
    tallies = rel.statements["s"]
    total = tallies[EVERYONE]
    told = []
    for d, name in ((0, "agree"), (1, "disagree")):

        def way(codes, d: int = d) -> str | None:
            n_way = sum(1 for c in codes if c % 4 == (2, 0)[d])  # read from the vote codes
            return (
                None
                if not codes
                else "all"
                if n_way == len(codes)
                else "none"
                if not n_way
                else "?"
            )

        if way(total.codes) in ("all", "none"):
            continue
        shown = [g for g in range(n_groups) if shares[f"group:{g}"][d] is not None]
        rest = way(set(total.codes).difference(*[tallies[f"group:{g}"].codes for g in shown]))
        for sector, groups in _sectors_in_groups(rel.participants).items():
            ways = {way(tallies[f"group:{g}"].codes) if g in shown else rest for g in groups}
            ways.discard(None)
            if ways in ({"all"}, {"none"}):
                told.append((sector, name))
    return told


def test_a_sector_that_is_one_opinion_group_keeps_its_unanimous_vote() -> None:
    # Group 0 is exactly the 5 peers, who all agreed; group 1 is the 5 clinicians, mixed.
    # The counts show "peer: 5, of whom 5 in group A", so group A's 100% would tell every
    # peer's vote — what the peers' own share may never show.
    votes = {(p, 0): 1 for p in range(5)} | {
        (p, 0): v for p, v in zip(range(5, 10), [1, 1, -1, -1, 0], strict=True)
    }
    labels = [0] * 5 + [1] * 5
    sectors = ["peer"] * 5 + ["clinic"] * 5
    rel, n_groups, shares = _group_release(votes, labels, sectors, 5)
    assert _sectors_in_groups(rel.participants) == {"peer": [0], "clinic": [1]}
    unguarded = {
        f"group:{g}": statement_shares(rel.statements["s"][f"group:{g}"], 5, by_sector=False)
        for g in range(n_groups)
    }
    assert unguarded["group:0"] == (100, 0)
    assert ("peer", "agree") in _told_of_a_sector(rel, n_groups, unguarded)  # control
    assert shares["group:0"] == (None, None)
    # group B is hidden too: everyone minus group B would give group A back
    assert shares["group:1"] == (None, None)
    assert _told_of_a_sector(rel, n_groups, shares) == []


def test_a_unanimous_group_no_sector_is_placed_in_keeps_its_share() -> None:
    # The same votes, but the peers are spread over both groups (3 + 2): no one's group can be
    # told from their sector, so group A's 100% tells nobody's vote.
    votes = {(p, 0): 1 for p in range(5)} | {
        (p, 0): v for p, v in zip(range(5, 10), [1, 1, -1, -1, 0], strict=True)
    }
    labels = [0] * 5 + [1] * 5
    sectors = ["peer", "peer", "peer", "clinic", "clinic"] + ["peer", "peer"] + [None] * 3
    rel, n_groups, shares = _group_release(votes, labels, sectors, 5)
    assert _sectors_in_groups(rel.participants) == {}
    assert shares["group:0"] == (100, 0)
    assert shares["group:1"] == (40, 40)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(3, 4),
    st.lists(
        st.tuples(
            st.sampled_from([-1, 0, 1, 1, 1]),
            st.integers(-1, 2),
            st.sampled_from(["a", "a", "b", None]),
        ),
        min_size=6,
        max_size=24,
    ),
)
def test_group_shares_never_tell_the_vote_of_a_sector_placed_in_groups(k, people) -> None:
    votes = {(p, 0): v for p, (v, _, _) in enumerate(people)}
    labels = [g for _, g, _ in people]
    rel, n_groups, shares = _group_release(votes, labels, [s for _, _, s in people], k)
    assert _told_of_a_sector(rel, n_groups, shares) == []
    for key, (agree, disagree) in shares.items():  # shown only from released tallies >= k
        t = rel.statements["s"][key]
        assert (agree is None and disagree is None) or t.seen >= k
