"""The atom ledger: invariants after any sequence of figures, and storage as plain data."""

from __future__ import annotations

import json

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from walkthetalk.analysis.privacy import Planner, Reason, ReleaseLedger, codes_of


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
