"""Atoms: the partition of contributors that every released figure is a union of.

A *namespace* is one kind of value being summed: "who answered the wave" (counts), one scale's
scores, the votes on one statement. In each namespace a :class:`ReleaseLedger` keeps a partition
of contributors into *atoms* of at least ``k`` (the minimum group size). A release may only
describe whole atoms; to serve a new figure the planner may

* split an atom in two, when both parts keep at least ``k`` contributors (every figure released
  before stays a union of atoms, now of the two parts);
* make the figure's not-yet-counted contributors a new atom, when there are at least ``k``;
* and otherwise leave contributors out of the figure (``partial``) or refuse it (``exact``).

So at every moment every figure ever released in the namespace is a sum of whole atoms, hence so
is every linear combination of them: its support is a union of atoms, which is empty or holds at
least ``k`` contributors. That is the guarantee; see :mod:`walkthetalk.analysis.privacy`.

Contributors are int64 *codes*. Use :func:`codes_of` to turn ids (strings, UUIDs, ints) into
codes. A contributor whose value changes must get a new code (for example a hash of the
participant and the value), so an atom is always a fixed set of fixed values; an atom that lost
a member (a changed vote) can then never be shown whole again and its other members stay out of
new figures — the price of never subtracting one old answer from a new figure.
"""

from __future__ import annotations

import base64
import hashlib
import zlib
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .policy import DEFAULT_MIN_SIZE, PrivacyError, validate_min_size

Codes = NDArray[np.int64]

PENDING = -1
"""Label of a contributor in no atom yet (never described by any released figure)."""
FROZEN = -2
"""Label of a contributor whose atom is smaller than ``k`` (from an old ledger): never shown."""

_INT_LIMIT = 1 << 62
_EMPTY = np.empty(0, dtype=np.int64)


def code_of(contributor: Hashable) -> int:
    """A stable int64 code for one contributor id (ints below 2**62 are their own code).

    Other ids are hashed with BLAKE2b into the range [2**62, 2**63): stable across processes,
    and with 2**62 codes a collision among even a million contributors has odds below 1e-6.
    """
    if isinstance(contributor, int | np.integer) and not isinstance(contributor, bool):
        value = int(contributor)
        if 0 <= value < _INT_LIMIT:
            return value
    digest = hashlib.blake2b(repr(contributor).encode(), digest_size=8).digest()
    return _INT_LIMIT | (int.from_bytes(digest, "little") & (_INT_LIMIT - 1))


def codes_of(contributors: Iterable[Hashable]) -> Codes:
    """Codes for many contributor ids, in order (see :func:`code_of`)."""
    return np.fromiter((code_of(c) for c in contributors), dtype=np.int64)


class Reason(StrEnum):
    """Why a figure was released whole, in part, or not at all."""

    RELEASED = "released"
    PARTIAL = "partial"  # released over fewer contributors than asked (see the other reasons)
    BELOW_MINIMUM = "below_minimum"  # fewer than k contributors asked for
    CROSSES = "crosses"  # it would split an atom into a part smaller than k
    WAITING = "waiting"  # fewer than k contributors not yet counted in any figure
    TOO_SMALL_BEFORE = "too_small_before"  # touches an atom an older ledger left below k


@dataclass(frozen=True, eq=False)
class AtomSpace:
    """One namespace's partition: ``members`` (sorted, unique codes) and their atom ``labels``."""

    members: Codes = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    labels: NDArray[np.int64] = field(default_factory=lambda: np.empty(0, dtype=np.int64))

    def atoms(self) -> list[frozenset[int]]:
        """The atoms as sets of codes (for tests and audits)."""
        out: dict[int, set[int]] = {}
        for code, label in zip(self.members.tolist(), self.labels.tolist(), strict=True):
            out.setdefault(label, set()).add(code)
        return [frozenset(v) for _, v in sorted(out.items())]


_WIDTHS = (("u1", 1 << 8), ("<u2", 1 << 16), ("<u4", 1 << 32))


def _sorted_unique(a: NDArray[np.int64]) -> NDArray[np.int64]:
    """Sorted distinct values (by sorting: numpy's hash-based unique is slow on some codes)."""
    a = np.sort(a)
    return a[np.concatenate([[True], a[1:] != a[:-1]])] if a.size else a


def _pack(a: NDArray[np.int64]) -> str:
    """Text for ints: the narrowest little-endian width that holds them, raw bytes in base64
    (sorted ones are passed as deltas by the caller). No compression: at 3M votes zlib cost a
    fifth of a conversation refresh, for a ledger half the size."""
    a = np.asarray(a, dtype=np.int64)
    kind = "<i8"
    if a.size and a.min() >= 0:
        top = int(a.max())
        kind = next((k for k, limit in _WIDTHS if top < limit), "<i8")
    return kind + "=" + base64.b64encode(a.astype(kind).tobytes()).decode("ascii")


def _unpack(text: str) -> NDArray[np.int64]:
    """Read :func:`_pack`'s text, or the zlib-compressed form older ledgers stored (``:``)."""
    cut = min((i for i in (text.find("="), text.find(":")) if i >= 0), default=-1)
    kind, sep, body = text[:cut], text[cut : cut + 1], text[cut + 1 :]
    if cut < 0 or kind not in ("u1", "<u2", "<u4", "<i8"):
        raise PrivacyError("a stored release ledger is damaged (unknown number format)")
    try:
        raw = base64.b64decode(body.encode("ascii"))
        if sep == ":":
            raw = zlib.decompress(raw)
        return np.frombuffer(raw, dtype=kind).astype(np.int64)
    except (ValueError, zlib.error) as exc:
        raise PrivacyError("a stored release ledger is damaged") from exc


_TABLE_SPACES = 64
"""Up to this many namespaces, codes are stored once in a table (see ReleaseLedger.to_dict)."""


def _undeltas(
    d: NDArray[np.int64], cuts: NDArray[np.int64], firsts: NDArray[np.int64]
) -> NDArray[np.int64]:
    """Arrays laid end to end (``cuts`` their bounds) from their differences ``d`` (0 at each
    start) and first elements."""
    if d.size != int(cuts[-1]) or firsts.size != cuts.size - 1:
        raise PrivacyError("a stored release ledger is damaged")
    nonempty = np.diff(cuts) > 0
    starts = cuts[:-1][nonempty]
    d = d.copy()
    d[starts] = firsts[nonempty]
    total = np.cumsum(d)
    before = np.concatenate([[0], total])[starts]
    lengths = np.diff(np.concatenate([starts, [d.size]]))
    return total - np.repeat(before, lengths)


def _pack_sorted(a: NDArray[np.int64]) -> str:
    return _pack(np.diff(a, prepend=np.int64(0)) if a.size else a)


def _unpack_sorted(text: str) -> NDArray[np.int64]:
    return np.cumsum(_unpack(text), dtype=np.int64)


@dataclass(frozen=True, eq=False)
class ReleaseLedger:
    """Everything released so far about one wave, conversation or issue: its atoms per namespace.

    Plain data: :meth:`to_dict` gives JSON (codes and labels packed), :meth:`from_dict` reads it
    back (and also reads the older format that listed released cells, by turning those cells'
    overlaps into atoms). ``released`` (cells) lets a ledger start from figures published
    elsewhere: their overlaps become its atoms.
    """

    wave: str = ""
    min_size: int = DEFAULT_MIN_SIZE
    released: Iterable[Any] = ()
    spaces: Mapping[str, AtomSpace] = field(default_factory=dict)

    def __post_init__(self) -> None:
        validate_min_size(self.min_size)
        cells = tuple(self.released)
        if cells:
            spaces = dict(self.spaces)
            spaces.update(_spaces_from_cells(cells))
            object.__setattr__(self, "spaces", spaces)
        object.__setattr__(self, "released", ())

    @property
    def is_empty(self) -> bool:
        return all(s.members.size == 0 for s in self.spaces.values())

    def to_dict(self) -> dict[str, Any]:
        """JSON. Each namespace's members are stored as deltas of its sorted codes and its atom
        labels as small ints, all namespaces in one compressed array each; when there are only a
        few namespaces (a pulse wave: counts and each scale, sharing most members), the codes
        are stored once in a table and each namespace as positions in it."""
        names = sorted(self.spaces)
        spaces = [self.spaces[n] for n in names]
        sizes = np.array([s.members.size for s in spaces], dtype=np.int64)
        labels = np.concatenate([_EMPTY, *(s.labels for s in spaces)])
        out: dict[str, Any] = {
            "format": "atoms-4",
            "wave": self.wave,
            "min_size": self.min_size,
            "names": names,
            "sizes": _pack(sizes),
            "labels": _pack(labels),
        }
        if 1 < len(spaces) <= _TABLE_SPACES:
            table = _sorted_unique(np.concatenate([s.members for s in spaces]))
            at = [np.searchsorted(table, s.members) for s in spaces]
            out["table"] = _pack_sorted(table)
        else:
            at = [s.members for s in spaces]
        every = np.concatenate([_EMPTY, *at])
        starts = np.concatenate([[0], np.cumsum(sizes)])[:-1][sizes > 0]
        firsts = np.zeros(len(at), dtype=np.int64)
        firsts[sizes > 0] = every[starts]
        deltas = np.diff(every, prepend=every[:1]) if every.size else every
        deltas[starts] = 0  # each namespace's first code is kept apart, in "firsts"
        out["at"] = _pack(deltas)
        out["firsts"] = _pack(firsts)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ReleaseLedger:
        wave = str(data.get("wave", ""))
        min_size = int(data.get("min_size", DEFAULT_MIN_SIZE))
        if "released" in data:  # the older format: a list of released cells
            cells = [
                (str(c.get("dimension", "")), c["contributors"]) for c in data.get("released", ())
            ]
            return cls(wave, min_size, spaces=_spaces_from_cells_raw(cells, by_namespace=False))
        if data.get("format") not in ("atoms-3", "atoms-4"):  # the same fields; 3 is zlib
            raise PrivacyError("a stored release ledger has an unknown format")
        names = [str(n) for n in data["names"]]
        sizes = _unpack(data["sizes"])
        labels = _unpack(data["labels"])
        if sizes.size != len(names) or labels.size != int(sizes.sum()):
            raise PrivacyError("a stored release ledger is damaged")
        cuts = np.concatenate([[0], np.cumsum(sizes)])
        at = _undeltas(_unpack(data["at"]), cuts, _unpack(data["firsts"]))
        if "table" in data:
            table = _unpack_sorted(data["table"])
            if at.size and (at.min() < 0 or at.max() >= table.size):
                raise PrivacyError("a stored release ledger is damaged")
            members = table[at]
        else:
            members = at
        spaces = {
            name: AtomSpace(members[a:b], labels[a:b])
            for name, a, b in zip(names, cuts[:-1].tolist(), cuts[1:].tolist(), strict=True)
        }
        return cls(wave, min_size, spaces=spaces)

    def record(self, plan: Any) -> ReleaseLedger:
        """The ledger after ``plan``, a :class:`~walkthetalk.analysis.privacy.ReleasePlan`."""
        if plan.min_size < self.min_size:
            raise PrivacyError(
                f"plan used minimum size {plan.min_size}, below this wave's {self.min_size}"
            )
        if plan.based_on is not self and not (plan.based_on is None and self.is_empty):
            raise PrivacyError("this plan was not made against this ledger")
        after: ReleaseLedger = plan.ledger
        return ReleaseLedger(self.wave, max(self.min_size, after.min_size), spaces=after.spaces)


def _spaces_from_cells(cells: Iterable[Any]) -> dict[str, AtomSpace]:
    return _spaces_from_cells_raw(
        [(getattr(c, "namespace", ""), c.contributors) for c in cells], by_namespace=True
    )


def _spaces_from_cells_raw(
    cells: Iterable[tuple[str, Iterable[Hashable]]], *, by_namespace: bool
) -> dict[str, AtomSpace]:
    """Atoms from cells already released: contributors with the same memberships share an atom.

    Every released cell is a union of these (the cells' overlaps); an atom smaller than the
    minimum size is kept as it is and frozen at planning time, so nothing new touches it.
    """
    signature: dict[str, dict[int, list[int]]] = {}
    for i, (namespace, contributors) in enumerate(cells):
        ns = namespace if by_namespace else ""
        sig = signature.setdefault(ns, {})
        for code in codes_of(contributors).tolist():
            sig.setdefault(code, []).append(i)
    out = {}
    for ns, sig in signature.items():
        members = np.array(sorted(sig), dtype=np.int64)
        ids: dict[tuple[int, ...], int] = {}
        labels = np.array(
            [ids.setdefault(tuple(sig[c]), len(ids)) for c in members.tolist()], dtype=np.int64
        )
        out[ns] = AtomSpace(members, labels)
    return out


class Namespace:
    """Working state of one or more namespaces while a release is planned (see :class:`Planner`).

    Rows are the current contributors of each namespace, one namespace after another, in the
    caller's order (``offsets[i]`` is where namespace ``i`` starts), followed by ledger members
    that are not current: they stay in their atoms and are described by no new figure. Planning
    several namespaces together lets one call serve a figure in each (:meth:`take_many`).
    """

    def __init__(self, parts: list[tuple[Codes, AtomSpace | None]], k: int) -> None:
        self.k = k
        current: list[Codes] = []
        current_lab: list[NDArray[np.int64]] = []
        extra: list[Codes] = []
        extra_lab: list[NDArray[np.int64]] = []
        self.offsets: list[int] = []
        extra_sizes: list[int] = []
        atom_space: list[NDArray[np.int64]] = []
        base = 0
        at = 0
        for codes, old in parts:
            codes = np.asarray(codes, dtype=np.int64)
            lab = np.full(codes.size, PENDING, dtype=np.int64)
            self.offsets.append(at)
            at += codes.size
            if old is not None and old.members.size:
                pos = np.minimum(np.searchsorted(old.members, codes), old.members.size - 1)
                found = old.members[pos] == codes
                lab[found] = old.labels[pos[found]] + base
                gone = np.ones(old.members.size, dtype=bool)
                gone[pos[found]] = False
                extra.append(old.members[gone])
                extra_lab.append(old.labels[gone] + base)
                extra_sizes.append(int(gone.sum()))
                n_old = int(old.labels.max()) + 1
                atom_space.append(np.full(n_old, len(self.offsets) - 1, dtype=np.int64))
                base += n_old
            else:
                extra_sizes.append(0)
            current.append(codes)
            current_lab.append(lab)
        self.offsets.append(at)
        self.n_current = at
        self.n_spaces = len(parts)
        lengths = [b - a for a, b in zip(self.offsets, self.offsets[1:], strict=False)]
        self.space_index = np.repeat(np.arange(len(parts), dtype=np.int64), lengths)
        self.extra_offsets = (
            at + np.concatenate([[0], np.cumsum(extra_sizes, dtype=np.int64)])
        ).tolist()
        self.codes = np.concatenate([_EMPTY, *current, *extra])
        lab = np.concatenate([_EMPTY, *current_lab, *extra_lab])
        # one count per atom; index 0 gathers the rows in none (PENDING + 1)
        sizes = np.bincount(lab + 1, minlength=base + 1)[1:].astype(np.int64)
        small = (sizes > 0) & (sizes < k)
        self.original: NDArray[np.int64] | None = None  # the labels before freezing, if any
        if small.any():
            self.original = lab.copy()
            lab[(lab >= 0) & small[np.maximum(lab, 0)]] = FROZEN
            sizes[small] = 0
        self.size = sizes
        self.next_id = base
        self.atom_space = np.concatenate([_EMPTY, *atom_space])
        self.lab = lab
        self.weight: NDArray[np.int64] | None = None  # rows stand for this many (bundles)

    def bundled(
        self, kinds: NDArray[np.int64], n_kinds: int
    ) -> tuple[Namespace, NDArray[np.int64], NDArray[np.int64]]:
        """The current rows gathered into *bundles*, for serving many figures at once.

        ``kinds`` gives each current row a kind in ``0 … n_kinds - 1``. Rows of one namespace
        that share their kind and their atom (or are all in none yet, or all frozen) are treated
        alike by every figure whose rows are whole kinds: each decision of :meth:`take_many`
        depends only on how many rows of each atom, and how many not yet in one, a figure
        holds. So such figures can be served on the bundles instead of the rows — far fewer —
        with each bundle weighing its number of rows; :meth:`absorb` then gives every row its
        bundle's atom.

        Returns the namespace of bundles (in namespace order), each row's bundle, and each
        bundle's kind.
        """
        n, spaces = self.n_current, self.n_spaces
        lab = self.lab[:n]
        kinds = np.asarray(kinds, dtype=np.int64)
        if kinds.shape != (n,) or (n and (kinds.min() < 0 or kinds.max() >= n_kinds)):
            raise PrivacyError("one kind in [0, n_kinds) per current row")
        # where a row stands: frozen (2 * namespace), waiting (2 * namespace + 1), or its atom
        key = lab + 2 * spaces
        loose = np.flatnonzero(lab < 0)
        key[loose] = 2 * self.space_index[loose] + (lab[loose] - FROZEN)
        key *= n_kinds
        key += kinds
        reach = (2 * spaces + self.next_id) * n_kinds
        table = reach <= 4 * n + 1024  # a table over every possible key: no sort of the rows
        if table:
            count = np.bincount(key, minlength=reach)
            present = np.flatnonzero(count)
            count = count[present]
        else:
            present, of_row, count = np.unique(key, return_inverse=True, return_counts=True)
        b_where, b_kind = np.divmod(present, n_kinds)
        atom = b_where >= 2 * spaces
        b_lab = np.where(atom, b_where - 2 * spaces, b_where % 2 + FROZEN)
        b_space = b_where // 2
        b_space[atom] = self.atom_space[b_lab[atom]]
        order = np.argsort(b_space, kind="stable")
        rank = np.empty(order.size, dtype=np.int64)
        rank[order] = np.arange(order.size)
        if table:
            index = np.zeros(reach, dtype=np.int64)
            index[present] = rank
            of_row = index[key]
        else:
            of_row = rank[of_row]
        bundles = Namespace.__new__(Namespace)
        bundles.k = self.k
        bundles.space_index = b_space[order]
        bundles.offsets = np.searchsorted(bundles.space_index, np.arange(spaces + 1)).tolist()
        bundles.n_current, bundles.n_spaces = int(order.size), spaces
        bundles.lab = b_lab[order]
        bundles.size = self.size.copy()
        bundles.atom_space = self.atom_space.copy()
        bundles.next_id = self.next_id
        bundles.weight = count[order].astype(np.int64)
        bundles.codes, bundles.original = _EMPTY, None
        bundles.extra_offsets = [bundles.n_current] * (spaces + 1)
        return bundles, of_row, b_kind[order]

    def absorb(self, bundles: Namespace, of_row: NDArray[np.int64]) -> None:
        """Take over the atoms of ``bundles`` (from :meth:`bundled`), row by row."""
        self.lab[: self.n_current] = bundles.lab[of_row]
        self.size, self.atom_space, self.next_id = bundles.size, bundles.atom_space, bundles.next_id

    def take(self, rows: NDArray[np.int64], *, partial: bool) -> tuple[NDArray[np.int64], Reason]:
        """Release one figure over ``rows``; returns the rows it may describe, and why.

        With ``partial=False`` that is all of ``rows`` or nothing (and nothing changes); with
        ``partial=True`` it is the largest part that can be described now (possibly empty).
        """
        if self.n_spaces != 1:
            raise PrivacyError("take() is for one namespace; use take_many() for several")
        rows = np.asarray(rows, dtype=np.int64)
        keep, reasons = self.take_many(rows, partial=partial)
        return rows[keep], reasons[0]

    def take_many(
        self, rows: NDArray[np.int64], *, partial: bool
    ) -> tuple[NDArray[np.bool_], list[Reason]]:
        """Release one figure in each namespace at once: its rows are those of ``rows`` that
        belong to the namespace (rows must be current and distinct).

        Namespaces never share an atom, so this is the same as serving the figures one by one.
        Returns which of ``rows`` are described, and a reason per namespace.
        """
        rows = np.asarray(rows, dtype=np.int64)
        if not rows.size:  # an empty figure in every namespace: released, describing no one
            return np.zeros(0, dtype=bool), [Reason.RELEASED] * self.n_spaces
        ordered = rows.size < 2 or bool((rows[1:] > rows[:-1]).all())
        low, high = (rows[0], rows[-1]) if ordered else (rows.min(), rows.max())
        if low < 0 or high >= self.n_current:
            raise PrivacyError("a figure may only describe current contributors")
        touch = _Touch.of(self, rows, ordered=ordered)
        go = ~touch.small if partial else touch.why == 0
        keep, new_rows, new_owner, split_go, described = touch.described(go)
        self._split(rows, touch, np.flatnonzero(split_go))
        self._new_atoms(rows[new_rows], touch.owner[new_rows], np.flatnonzero(new_owner), touch)
        reasons = [
            Reason.RELEASED if w == 0 else (Reason.PARTIAL if partial and d else _WHY[w])
            for w, d in zip(touch.why.tolist(), described.tolist(), strict=True)
        ]
        return keep, reasons

    def _grow(self, spaces: NDArray[np.int64]) -> None:
        """Room for new atoms, one in each namespace of ``spaces``."""
        if spaces.size:
            self.size = np.concatenate([self.size, np.zeros(spaces.size, np.int64)])
            self.atom_space = np.concatenate([self.atom_space, spaces])

    def _split(self, rows: NDArray[np.int64], touch: _Touch, atoms: NDArray[np.int64]) -> None:
        """Move the described part of each atom in ``atoms`` to a new atom of its own."""
        if not atoms.size:
            return
        self._grow(self.atom_space[atoms])
        remap = np.full(touch.inside.size, -1, dtype=np.int64)
        remap[atoms] = self.next_id + np.arange(atoms.size)
        to = remap[touch.s_lab]
        moved = to >= 0
        self.lab[rows[touch.s_at[moved]]] = to[moved]
        self.size[remap[atoms]] = touch.inside[atoms]
        self.size[atoms] -= touch.inside[atoms]
        self.next_id += atoms.size

    def _new_atoms(
        self,
        rows: NDArray[np.int64],
        owner: NDArray[np.int64],
        owners: NDArray[np.int64],
        touch: _Touch,
    ) -> None:
        """Make the pending ``rows`` of each namespace in ``owners`` one new atom."""
        if not owners.size:
            return
        self._grow(owners)
        ids = np.full(self.n_spaces, -1, dtype=np.int64)
        ids[owners] = self.next_id + np.arange(owners.size)
        self.lab[rows] = ids[owner]
        self.size[ids[owners]] = touch.n_pending[owners]
        self.next_id += owners.size

    def spaces(self) -> list[AtomSpace]:
        """Each namespace's atoms after the release (frozen atoms kept as they were)."""
        if self.weight is not None:
            raise PrivacyError("bundles hold no codes: absorb() them into their namespace")
        lab = self.lab
        if self.original is not None:  # frozen atoms are kept as they were
            lab = np.where(lab == FROZEN, self.original, lab)
        dense = self._dense_labels(lab)
        n, at = self.n_current, self.n_spaces
        codes = self.codes[:n]
        # namespaces whose current codes are not strictly increasing, or that keep old members
        # no longer current, are sorted and checked one by one; the rest are sliced as they are
        step = np.flatnonzero(codes[1:] <= codes[:-1]) + 1
        step = step[self.space_index[step] == self.space_index[step - 1]]
        slow = np.zeros(at, dtype=bool)
        slow[self.space_index[step]] = True
        slow |= np.diff(self.extra_offsets) > 0
        dropped = np.flatnonzero(dense[:n] < 0)  # rows in no atom (usually few)
        offsets = np.asarray(self.offsets, dtype=np.int64)
        kept = (offsets - np.searchsorted(dropped, offsets)).tolist()
        if dropped.size:
            keep = np.ones(n, dtype=bool)
            keep[dropped] = False
            members, labels = codes[keep], dense[:n][keep]
        else:
            members, labels = codes, dense[:n]
        out = []
        for i in range(at):
            if slow[i]:
                out.append(self._sorted_space(i, dense))
            else:
                out.append(AtomSpace(members[kept[i] : kept[i + 1]], labels[kept[i] : kept[i + 1]]))
        return out

    def _sorted_space(self, i: int, dense: NDArray[np.int64]) -> AtomSpace:
        a, b = self.offsets[i], self.offsets[i + 1]
        c, d = self.extra_offsets[i], self.extra_offsets[i + 1]
        members = np.concatenate([self.codes[a:b], self.codes[c:d]])
        labels = np.concatenate([dense[a:b], dense[c:d]])
        order = np.argsort(members, kind="stable")
        members, labels = members[order], labels[order]
        if members.size > 1 and (members[1:] == members[:-1]).any():
            raise PrivacyError("contributor codes must be unique within a namespace")
        keep = labels >= 0
        return AtomSpace(members[keep], labels[keep])

    def _dense_labels(self, lab: NDArray[np.int64]) -> NDArray[np.int64]:
        """Atom ids renumbered 0, 1, … within each namespace, in the order of the ids (-1 for
        rows in no atom); one pass over every namespace at once."""
        used = np.bincount(lab + 1, minlength=self.next_id + 1)[1:] > 0
        present = np.flatnonzero(used)
        by_space = present[np.argsort(self.atom_space[present], kind="stable")]
        space_of = self.atom_space[by_space]
        starts = np.searchsorted(space_of, np.arange(self.n_spaces))
        rank = np.full(self.next_id + 1, -1, dtype=np.int64)  # rank[0]: rows in no atom
        rank[by_space + 1] = np.arange(by_space.size) - starts[space_of]
        return rank[lab + 1]


@dataclass(eq=False)
class _Touch:
    """How one request (rows in one or more namespaces) meets the current atoms.

    ``why[i]`` is namespace ``i``'s first problem (an index into :data:`_WHY`, 0 for none);
    atoms touched are ``full`` (all inside) or ``split`` (both parts at least ``k``). Rows in an
    atom are at ``s_at`` (positions in the request), with their atoms ``s_lab``; rows in no atom
    yet at ``p_at``.
    """

    owner: NDArray[np.int64]
    s_at: NDArray[np.int64]
    s_lab: NDArray[np.int64]
    p_at: NDArray[np.int64]
    inside: NDArray[np.int64]
    atom_owner: NDArray[np.int64]
    full: NDArray[np.bool_]
    split: NDArray[np.bool_]
    n_pending: NDArray[np.int64]
    new_ok: NDArray[np.bool_]
    small: NDArray[np.bool_]
    why: NDArray[np.int64]

    @classmethod
    def of(cls, ns: Namespace, rows: NDArray[np.int64], *, ordered: bool) -> _Touch:
        k, n_owners = ns.k, ns.n_spaces
        whole = ordered and rows.size == ns.n_current  # every current row, in order
        lab = ns.lab[: ns.n_current] if whole else ns.lab[rows]
        s_at = np.flatnonzero(lab >= 0)
        s_lab = lab[s_at]
        p_at = np.flatnonzero(lab == PENDING) if s_at.size < rows.size else _EMPTY
        n_atoms = ns.size.size
        w = None if ns.weight is None else ns.weight if whole else ns.weight[rows]
        if w is None:
            inside = np.bincount(s_lab, minlength=n_atoms)
        else:
            inside = _weighed(s_lab, w[s_at], n_atoms)
        atom_owner = ns.atom_space  # one namespace per atom, by construction
        touched = inside > 0
        full = touched & (inside == ns.size)
        split = touched & ~full & (inside >= k) & (ns.size - inside >= k)
        if whole:
            owner = ns.space_index
            cuts = np.asarray(ns.offsets, dtype=np.int64)
        elif ordered:  # sorted rows (the usual case): each namespace's rows are one run
            cuts = np.searchsorted(rows, ns.offsets)
            owner = np.repeat(np.arange(n_owners, dtype=np.int64), np.diff(cuts))
        if w is not None:  # rows are bundles, each weighing its number of rows
            if not ordered:
                owner = ns.space_index[rows]
            n_rows = _weighed(owner, w, n_owners)
            n_pending = _weighed(owner[p_at], w[p_at], n_owners)
        elif ordered:
            n_rows = np.diff(cuts)
            n_pending = np.diff(np.searchsorted(p_at, cuts))
        else:
            owner = ns.space_index[rows]
            n_pending = np.bincount(owner[p_at], minlength=n_owners)
            n_rows = np.bincount(owner, minlength=n_owners)
        frozen = s_at.size + p_at.size < rows.size  # neither in an atom nor pending
        small = (n_rows > 0) & (n_rows < k)
        problems = [  # in order of precedence, as in _WHY
            small,
            _any_per_owner(owner, lab == FROZEN, n_owners)
            if frozen
            else np.zeros(n_owners, dtype=bool),
            np.bincount(atom_owner[touched & ~(full | split)], minlength=n_owners) > 0,
            (n_pending > 0) & (n_pending < k),
        ]
        new_ok = n_pending >= k
        why = np.zeros(n_owners, dtype=np.int64)
        for code, mask in enumerate(problems, start=1):
            why[mask & (why == 0)] = code
        return cls(
            owner,
            s_at,
            s_lab,
            p_at,
            inside,
            atom_owner,
            full,
            split,
            n_pending,
            new_ok,
            small,
            why,
        )

    def described(
        self, go: NDArray[np.bool_]
    ) -> tuple[
        NDArray[np.bool_],
        NDArray[np.int64],
        NDArray[np.bool_],
        NDArray[np.bool_],
        NDArray[np.int64],
    ]:
        """For the namespaces that go ahead (``go``): which rows are described, the positions
        of those that start a new atom, which namespaces get one, which atoms are split, and
        how many rows each namespace describes."""
        touched = self.inside > 0
        go_atom = np.zeros(self.inside.size, dtype=bool)
        go_atom[touched] = go[self.atom_owner[touched]]
        taken = (self.full | self.split) & go_atom
        keep = np.zeros(self.owner.size, dtype=bool)
        keep[self.s_at] = taken[self.s_lab]
        new_owner = self.new_ok & go
        new_rows = self.p_at[new_owner[self.owner[self.p_at]]]
        keep[new_rows] = True
        n_owners = new_owner.size
        described = np.bincount(
            self.atom_owner[taken], weights=self.inside[taken], minlength=n_owners
        ).astype(np.int64) + np.where(new_owner, self.n_pending, 0)
        return keep, new_rows, new_owner, self.split & go_atom, described


def _weighed(labels: NDArray[np.int64], weights: NDArray[np.int64], n: int) -> NDArray[np.int64]:
    """The total weight of each label 0 … n-1 (exact: counts far below 2**53)."""
    return np.bincount(labels, weights=weights, minlength=n).astype(np.int64)


def _any_per_owner(
    owner: NDArray[np.int64], mask: NDArray[np.bool_], n_owners: int
) -> NDArray[np.bool_]:
    """Whether each owner has a row in ``mask`` (no further pass when none has)."""
    if not mask.any():
        return np.zeros(n_owners, dtype=bool)
    return np.bincount(owner[mask], minlength=n_owners) > 0


_WHY = (
    Reason.RELEASED,
    Reason.BELOW_MINIMUM,
    Reason.TOO_SMALL_BEFORE,
    Reason.CROSSES,
    Reason.WAITING,
)


class Planner:
    """Plans one release against a ledger, namespace by namespace; :meth:`ledger` gives the result.

    Use one planner per release (one page, export, API answer or refresh) and save
    :meth:`ledger` *before* showing anything it released.
    """

    def __init__(self, ledger: ReleaseLedger | None, min_size: int, wave: str = "") -> None:
        validate_min_size(min_size)
        self.base = ledger if ledger is not None else ReleaseLedger(wave, min_size)
        self.k = max(min_size, self.base.min_size)
        self._planned: list[tuple[list[str], Namespace]] = []
        self._names: set[str] = set()

    def namespace(self, name: str, codes: Codes) -> Namespace:
        """Start planning ``name`` with its current contributors (each namespace once)."""
        return self.namespaces([(name, codes)])

    def namespaces(self, parts: list[tuple[str, Codes]]) -> Namespace:
        """Plan several namespaces together (rows one namespace after another)."""
        names = [name for name, _ in parts]
        for name in names:
            if name in self._names:
                raise PrivacyError(f"namespace {name!r} is already being planned in this release")
            self._names.add(name)
        ns = Namespace([(codes, self.base.spaces.get(name)) for name, codes in parts], self.k)
        self._planned.append((names, ns))
        return ns

    def ledger(self) -> ReleaseLedger:
        spaces = dict(self.base.spaces)
        for names, ns in self._planned:
            spaces.update(zip(names, ns.spaces(), strict=True))
        return ReleaseLedger(self.base.wave, self.k, spaces=spaces)
