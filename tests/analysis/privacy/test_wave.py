"""Pulse waves: random unit trees × sectors × levels × scale non-response × releases over time.

Every figure :func:`plan_wave` releases, in every release, is handed to the independent
auditor as the set of responses it describes; no combination may single out fewer than k.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from walkthetalk.analysis.privacy import (
    RESPONSES,
    Reason,
    ReleaseLedger,
    codes_of,
    plan_wave,
    scale_namespace,
)

from .auditor import audit

SCALES = ("talk", "trust", "feel")


def wave_groups(units, parents, levels, sectors, n_levels, n_sectors, n_units):
    """Candidate groups as the pulse app builds them: total, levels, unit subtrees, sectors."""
    n = len(units)
    rows = np.arange(n)
    groups = [("total", rows)]
    groups += [(f"level:{lv}", rows[levels == lv]) for lv in range(n_levels)]
    members = {u: set() for u in range(n_units)}
    for i, u in enumerate(units.tolist()):
        while u is not None:
            members[u].add(i)
            u = parents[u]
    groups += [(f"unit:{u}", np.array(sorted(members[u]), dtype=np.int64)) for u in members]
    groups += [(f"sector:{s}", rows[sectors == s]) for s in range(n_sectors)]
    return groups


@st.composite
def waves(draw):
    n_units = draw(st.integers(1, 7))
    parents = [None] + [draw(st.integers(0, u - 1)) for u in range(1, n_units)]
    n = draw(st.integers(0, 45))
    n_levels, n_sectors = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    ints = st.lists(st.integers(0, 10**6), min_size=n, max_size=n)
    units = np.array(draw(ints), dtype=np.int64) % n_units
    levels = np.array(draw(ints), dtype=np.int64) % n_levels
    sectors = np.array(draw(ints), dtype=np.int64) % (n_sectors + 1)  # n_sectors = no sector
    skip = {
        s: np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool)
        for s in SCALES
    }
    # most people answer every scale; draw how many skip at all
    skipping = draw(st.integers(0, n))
    answered = {s: ~(skip[s] & (np.arange(n) < skipping)) for s in SCALES}
    cuts = sorted(draw(st.lists(st.integers(0, n), max_size=3)))
    k = draw(st.integers(3, 5))
    return n_units, parents, units, levels, sectors, n_levels, n_sectors, answered, cuts, k


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(waves())
def test_every_release_of_a_wave_passes_the_auditor(wave) -> None:
    n_units, parents, units, levels, sectors, n_levels, n_sectors, answered, cuts, k = wave
    n = units.size
    ids = codes_of(f"response-{i}" for i in range(n))
    ledger = ReleaseLedger("w", min_size=k)
    released: dict[str, list[frozenset[int]]] = {}
    for upto in [*cuts, n]:  # responses arrive; a page is loaded after each batch
        sl = slice(0, upto)
        groups = wave_groups(
            units[sl], parents, levels[sl], sectors[sl], n_levels, n_sectors, n_units
        )
        rel = plan_wave(
            ids[sl], groups, {s: a[sl] for s, a in answered.items()}, min_size=k, ledger=ledger
        )
        ledger = rel.ledger
        group_rows = dict(groups)
        for key, fig in rel.responses.items():
            assert set(fig.rows.tolist()) <= set(group_rows[key].tolist())  # never mislabelled
            assert fig.n == 0 or fig.n >= k
            released.setdefault(RESPONSES, []).append(frozenset(fig.rows.tolist()))
        for scale, figs in rel.scales.items():
            for key, fig in figs.items():
                assert set(fig.rows.tolist()) <= set(rel.responses[key].rows.tolist())
                assert answered[scale][fig.rows].all()
                released.setdefault(scale_namespace(scale), []).append(frozenset(fig.rows.tolist()))
    for cells in released.values():
        audit(cells, k)
    if n >= k and not cuts:
        # one release of a big enough wave always shows the whole wave's count
        assert released[RESPONSES][0] == frozenset(range(n))


def test_the_issues_attacks_fail_on_a_wave() -> None:
    # Attack 1: org 16 = team A 10 (no sector) + team B 3 peers + team C 2 peers + 1 none.
    # Attack 2: in team B and C, everyone but one skips "talk".
    units = np.array([1] * 10 + [2] * 3 + [3] * 3)
    parents = [None, 0, 0, 0]
    sectors = np.array([1] * 10 + [0] * 5 + [1])
    levels = np.zeros(16, dtype=np.int64)
    answered = {"talk": np.array([True] * 10 + [True] + [False] * 5), "trust": np.ones(16, bool)}
    groups = wave_groups(units, parents, levels, sectors, 1, 1, 4)
    rel = plan_wave(codes_of(range(16)), groups, answered, min_size=5)
    shown = {key: fig.n for key, fig in rel.responses.items() if fig.n}
    assert shown == {"total": 16, "level:0": 16, "unit:0": 16, "unit:1": 10}
    talk = {key: fig.n for key, fig in rel.scales["talk"].items() if fig.n}
    assert talk == {"total": 11, "level:0": 11, "unit:0": 11} or talk == {"unit:1": 10}
    audit([fig.rows.tolist() for fig in rel.scales["talk"].values()], 5)


def test_figures_move_in_steps_of_k() -> None:
    groups = [("total", np.arange(5))]
    rel = plan_wave(codes_of(range(5)), groups, {}, min_size=5)
    assert rel.responses["total"].n == 5
    more = plan_wave(
        codes_of(range(6)), [("total", np.arange(6))], {}, min_size=5, ledger=rel.ledger
    )
    assert more.responses["total"].n == 5  # the sixth waits
    assert more.responses["total"].reason is Reason.PARTIAL
    ten = plan_wave(
        codes_of(range(10)), [("total", np.arange(10))], {}, min_size=5, ledger=more.ledger
    )
    assert ten.responses["total"].n == 10


def test_bad_answered_mask_is_refused() -> None:
    with pytest.raises(ValueError, match="wrong length"):
        plan_wave(codes_of(range(5)), [("t", np.arange(5))], {"x": np.ones(4, bool)}, min_size=5)
