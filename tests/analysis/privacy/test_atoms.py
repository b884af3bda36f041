"""The atom ledger: invariants after any sequence of figures, and storage as plain data."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from walkthetalk.analysis.privacy import Planner, Reason, ReleaseLedger, codes_of
from walkthetalk.analysis.privacy.atoms import AtomSpace
from walkthetalk.analysis.privacy.policy import PrivacyError


@settings(max_examples=150, deadline=None)
@given(
    st.integers(3, 6),
    st.lists(st.lists(st.integers(0, 30), max_size=31), max_size=8),
    st.booleans(),
)
def test_atoms_stay_at_least_k_and_every_figure_is_a_union_of_them(k, figures, partial) -> None:
    codes = codes_of(range(31))
    planner = Planner(None, k)
    ns = planner.namespace("x", codes)
    released = []
    for fig in figures:
        rows = np.array(sorted(set(fig)), dtype=np.int64)
        got, reason = ns.take(rows, partial=partial)
        assert set(got.tolist()) <= set(rows.tolist())
        if not partial:
            assert got.size in (0, rows.size)
            assert (reason is Reason.RELEASED) == (got.size == rows.size)
        released.append(frozenset(codes[got].tolist()))
    atoms = planner.ledger().spaces["x"].atoms()
    assert all(len(a) >= k for a in atoms)
    assert all(a.isdisjoint(b) for i, a in enumerate(atoms) for b in atoms[i + 1 :])
    for r in released:
        assert all(a <= r or a.isdisjoint(r) for a in atoms)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.lists(st.integers(0, 2**62 + 5), unique=True, max_size=12), min_size=0, max_size=70)
)
def test_ledger_round_trips_in_both_storage_layouts(spaces) -> None:
    planner = Planner(None, 3)
    for i, members in enumerate(spaces):
        ns = planner.namespace(f"n{i}", np.array(members, dtype=np.int64))
        ns.take(np.arange(len(members)), partial=True)
    ledger = planner.ledger()
    again = ReleaseLedger.from_dict(json.loads(json.dumps(ledger.to_dict())))
    assert sorted(again.spaces) == sorted(ledger.spaces)
    for name, space in ledger.spaces.items():
        assert again.spaces[name].atoms() == space.atoms()


def test_a_damaged_ledger_is_refused() -> None:
    import pytest

    from walkthetalk.analysis.privacy import PrivacyError

    planner = Planner(None, 3)
    planner.namespace("x", codes_of(range(5))).take(np.arange(5), partial=False)
    data = planner.ledger().to_dict()
    with pytest.raises(PrivacyError):
        ReleaseLedger.from_dict({**data, "format": "atoms-0"})
    with pytest.raises(PrivacyError):
        ReleaseLedger.from_dict({**data, "names": ["x", "y"]})


def _as_zlib_ledger(data: dict) -> dict:
    """The same ledger in the previous stored form ("atoms-3": each array zlib-compressed)."""
    import base64
    import zlib

    out = {**data, "format": "atoms-3"}
    for key in ("sizes", "labels", "at", "firsts", "table"):
        if key in data:
            kind, _, body = data[key].partition("=")
            raw = zlib.compress(base64.b64decode(body))
            out[key] = kind + ":" + base64.b64encode(raw).decode("ascii")
    return out


def test_ledgers_stored_compressed_by_earlier_versions_still_read() -> None:
    planner = Planner(None, 3)
    for i in range(70):  # more than the table layout holds
        ns = planner.namespace(f"n{i}", codes_of(range(i, i + 9)))
        ns.take(np.arange(9), partial=False)
        ns.take(np.arange(4), partial=False)
    data = planner.ledger().to_dict()
    assert data["format"] == "atoms-4" and "=" in data["labels"]
    old = ReleaseLedger.from_dict(_as_zlib_ledger(data))
    for name, space in planner.ledger().spaces.items():
        assert old.spaces[name].atoms() == space.atoms()
        assert len(space.atoms()) == 2


def test_a_truncated_ledger_array_is_refused() -> None:
    import pytest

    from walkthetalk.analysis.privacy import PrivacyError

    planner = Planner(None, 3)
    planner.namespace("x", codes_of(range(400))).take(np.arange(400), partial=False)
    data = planner.ledger().to_dict()
    with pytest.raises(PrivacyError):
        ReleaseLedger.from_dict({**data, "at": data["at"][:-8]})
    with pytest.raises(PrivacyError):
        ReleaseLedger.from_dict({**data, "labels": "u3=AAAA"})


@settings(max_examples=120, deadline=None)
@given(
    st.integers(3, 5),
    st.lists(  # namespaces: (current members, earlier members, earlier atom of each)
        st.tuples(
            st.lists(st.integers(0, 40), unique=True, max_size=30),
            st.lists(st.tuples(st.integers(0, 40), st.integers(0, 4)), max_size=30),
        ),
        min_size=1,
        max_size=5,
    ),
    st.lists(st.integers(0, 5), min_size=41, max_size=41),  # the kind of each code
    st.lists(st.sets(st.integers(0, 5)), max_size=8),  # figures: sets of kinds
)
def test_figures_served_on_bundles_move_exactly_as_served_row_by_row(
    k, spaces, kind_of, figures
) -> None:
    earlier = {}
    for i, (_, old) in enumerate(spaces):
        by_code = dict(old)  # one earlier atom per code (atoms below k are frozen)
        members = np.array(sorted(by_code), dtype=np.int64)
        labels = np.unique([by_code[c] for c in members.tolist()], return_inverse=True)[1]
        earlier[f"n{i}"] = AtomSpace(members, labels.astype(np.int64).reshape(-1))
    ledger = ReleaseLedger("w", k, spaces=earlier)
    parts = [(f"n{i}", np.array(now, dtype=np.int64)) for i, (now, _) in enumerate(spaces)]
    by_rows, by_bundles = Planner(ledger, k), Planner(ledger, k)
    rows_ns, whole = by_rows.namespaces(parts), by_bundles.namespaces(parts)
    kinds = np.array(kind_of, dtype=np.int64)[np.concatenate([c for _, c in parts])]
    bundles, of_row, bundle_kind = whole.bundled(kinds, 6)
    assert bundles.weight is not None and bundles.weight.sum() == kinds.size
    for figure in figures:
        wanted = np.isin(kinds, sorted(figure))
        keep, reasons = rows_ns.take_many(np.flatnonzero(wanted), partial=True)
        b_keep, b_reasons = bundles.take_many(
            np.flatnonzero(np.isin(bundle_kind, sorted(figure))), partial=True
        )
        described = np.zeros(bundle_kind.size, dtype=bool)
        described[np.flatnonzero(np.isin(bundle_kind, sorted(figure)))[b_keep]] = True
        assert b_reasons == reasons
        assert np.flatnonzero(wanted)[keep].tolist() == np.flatnonzero(described[of_row]).tolist()
    whole.absorb(bundles, of_row)
    a, b = by_rows.ledger(), by_bundles.ledger()
    for name in a.spaces:
        assert a.spaces[name].members.tolist() == b.spaces[name].members.tolist()
        assert a.spaces[name].labels.tolist() == b.spaces[name].labels.tolist()


def test_bundles_refuse_kinds_out_of_range_and_hold_no_codes() -> None:
    planner = Planner(None, 3)
    ns = planner.namespace("x", codes_of(range(10)))
    before = ns.lab.copy()
    with pytest.raises(PrivacyError, match="one kind"):
        ns.bundled(np.full(10, 4, dtype=np.int64), 4)
    with pytest.raises(PrivacyError, match="one kind"):
        ns.bundled(np.zeros(9, dtype=np.int64), 4)
    assert ns.lab.tolist() == before.tolist()
    bundles, _, _ = ns.bundled(np.arange(10, dtype=np.int64) % 2, 2)
    with pytest.raises(PrivacyError, match="absorb"):
        bundles.spaces()


def test_bundles_are_the_same_whether_counted_in_a_table_or_sorted() -> None:
    rng = np.random.default_rng(3)
    earlier = Planner(None, 3)
    old = earlier.namespaces([("a", codes_of(range(0, 40))), ("b", codes_of(range(20, 70)))])
    old.take_many(np.arange(0, 90, 2), partial=True)
    parts = [("a", codes_of(range(5, 50))), ("b", codes_of(range(20, 80)))]
    kinds = rng.integers(0, 6, 105)
    few = Planner(earlier.ledger(), 3).namespaces(parts).bundled(kinds, 6)  # a table
    many = Planner(earlier.ledger(), 3).namespaces(parts).bundled(kinds, 10**6)  # sorted
    for (small, of_small, kind_small), (big, of_big, kind_big) in [(few, many)]:
        assert small.weight is not None and big.weight is not None
        assert small.lab.tolist() == big.lab.tolist()
        assert small.weight.tolist() == big.weight.tolist()
        assert small.space_index.tolist() == big.space_index.tolist()
        assert kind_small.tolist() == kind_big.tolist()
        assert of_small.tolist() == of_big.tolist()
        assert sorted(set(small.lab.tolist())) != [-1]  # earlier atoms are among the bundles
