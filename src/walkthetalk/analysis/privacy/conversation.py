"""Planning a conversation's figures at each refresh, against its release ledger.

Two kinds of namespace:

* :data:`PARTICIPANTS` — how many people are in everyone counted, each opinion group, each
  sector and each sector × group cell; contributors are participants.
* one per statement (:func:`statement_namespace`) — agree / disagree / pass shares over those
  who voted on it, overall, per opinion group and per sector; a contributor is a participant
  *with their vote* (:func:`vote_codes`), so a changed vote is a new contribution and the old one
  can never be subtracted out.

Opinion groups are recomputed at every refresh; atoms formed at earlier refreshes stay, so a
group's figure describes the atoms inside it. Everything moves in steps of at least ``k`` people:
"seen by 10" does not become "seen by 11". Sector shares must also pass
:func:`~walkthetalk.analysis.privacy.shares.share_shown`, never unanimous (see
:func:`statement_shares`).
"""

from __future__ import annotations

import itertools
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from .atoms import Codes, Planner, Reason, ReleaseLedger
from .shares import complementary_hidden, share_shown
from .wave import Figure

PARTICIPANTS = "participants"
EVERYONE = "everyone"


def statement_namespace(statement_id: str) -> str:
    return f"statement:{statement_id}"


def group_key(g: int) -> str:
    return f"group:{g}"


def sector_key(name: str) -> str:
    return f"sector:{name}"


def cross_key(name: str, g: int) -> str:
    return f"sector:{name}/group:{g}"


def vote_codes(participant_codes: Codes, values: NDArray[np.int64]) -> Codes:
    """Codes for (participant, vote): participant codes must be below 2**60."""
    p = np.asarray(participant_codes, dtype=np.int64)
    if p.size and (p.min() < 0 or p.max() >= 1 << 60):
        raise ValueError("participant codes for votes must be in [0, 2**60)")
    return p * 4 + (np.asarray(values, dtype=np.int64) + 1)


class Tally(NamedTuple):
    """Votes on one statement within one released figure (a named tuple: 13,000 of them at
    1,000 statements are made at every refresh)."""

    key: str
    seen: int
    agree: int
    disagree: int
    reason: Reason
    codes: frozenset[int] = frozenset()  # the votes described, only when asked (for audits)

    @property
    def passed(self) -> int:
        return self.seen - self.agree - self.disagree


@dataclass(frozen=True, eq=False)
class ConversationRelease:
    participants: dict[str, Figure]
    statements: dict[str, dict[str, Tally]]
    ledger: ReleaseLedger
    min_size: int


def statement_shares(tally: Tally, k: int, *, by_sector: bool) -> tuple[int | None, int | None]:
    """Whole-number agree and disagree percentages, or ``None`` where they must not be shown.

    Every figure needs ``seen >= k`` (the ledger already holds it to whole atoms); a share by
    sector must also not be unanimous (:func:`share_shown`), so no sector shows that all its
    members who saw a statement agreed (or that none did).
    """
    if tally.seen < k or tally.seen == 0:
        return None, None

    def pct(n: int) -> int | None:
        if by_sector and not share_shown(n, tally.seen):
            return None
        return round(100 * n / tally.seen)

    return pct(tally.agree), pct(tally.disagree)


def sector_shares(tallies: Mapping[str, Tally], k: int) -> dict[str, tuple[int | None, int | None]]:
    """Agree and disagree percentages of every sector of one statement (``tallies`` are the
    statement's released tallies, keyed as in :func:`plan_refresh`).

    Each is shown only when :func:`statement_shares` allows it (never unanimous), and when one
    is hidden the overall tally minus the shown sectors must not give it back: complementary
    sectors are hidden with it (:func:`~walkthetalk.analysis.privacy.shares.complementary_hidden`),
    separately for agree and disagree.
    """
    total = tallies[EVERYONE]
    sectors = {key: t for key, t in tallies.items() if key.startswith("sector:")}
    out = {key: list(statement_shares(t, k, by_sector=True)) for key, t in sectors.items()}
    for d in (0, 1):
        counts = {key: (t.seen, (t.agree, t.disagree)[d]) for key, t in sectors.items()}
        hidden = [key for key, t in sectors.items() if t.seen and out[key][d] is None]
        whole = (total.seen, (total.agree, total.disagree)[d])
        for key in complementary_hidden(whole, counts, hidden, _not_unanimous):
            out[key][d] = None
    return {key: (agree, disagree) for key, (agree, disagree) in out.items()}


def placed_sectors(participants: Mapping[str, Figure], n_groups: int) -> dict[str, list[int]]:
    """Sectors whose released figures place every member in opinion groups: the released
    sector × group counts add up to the sector's released size. Returns, for each, the groups
    holding some of its members.

    Who is in which group is never released, so a group's share is about people no one can
    name — except here: anyone who knows a person's sector then knows the person is in one of
    these groups (in *the* group, when there is one)."""
    placed = {}
    for key, figure in participants.items():
        if not key.startswith("sector:") or "/group:" in key or not figure.n:
            continue
        name = key.removeprefix("sector:")
        cells = {g: participants[cross_key(name, g)].n for g in range(n_groups)}
        cells = {g: n for g, n in cells.items() if n}
        if cells and sum(cells.values()) == figure.n:
            placed[name] = sorted(cells)
    return placed


def group_shares(
    tallies: Mapping[str, Tally], placed: Mapping[str, Sequence[int]], n_groups: int, k: int
) -> dict[str, tuple[int | None, int | None]]:
    """Agree and disagree percentages of every opinion group on one statement (``tallies``
    are its released tallies; ``placed`` from :func:`placed_sectors`).

    Each needs ``seen >= k`` (:func:`statement_shares`). A group's share may be unanimous
    (members are not known by name), unless a sector is placed in groups that are all known to
    have voted alike the same way (all agreed, or none did): then each member of that sector is
    known to have voted that way, exactly what a sector's own share may never tell. A group is
    known to have voted alike from its shown share, or, when its share is not shown, from the
    overall tally minus the shown groups (it and whoever is in no group) being unanimous. Until
    no placed sector is told, the smallest shown group of a told sector (or, if none of its
    groups is shown, the smallest shown group: it joins the remainder) is hidden in that
    direction. Where the overall share is itself unanimous it already tells every voter's vote
    (shown by design: common ground), and nothing is hidden for it.
    """
    keys = [group_key(g) for g in range(n_groups)]
    out = {key: list(statement_shares(tallies[key], k, by_sector=False)) for key in keys}
    total = tallies[EVERYONE]
    for d in (0, 1):
        if _alike(total, d) in ("all", "none"):
            continue
        while (key := _next_to_hide(tallies, out, placed, total, d)) is not None:
            out[key][d] = None
    return {key: (agree, disagree) for key, (agree, disagree) in out.items()}


def _alike(t: Tally, d: int) -> str:
    """Whether everyone in ``t`` voted that way ("all"), nobody did ("none"), or neither ("";
    also for no one)."""
    n = (t.agree, t.disagree)[d]
    return "" if not t.seen else "all" if n == t.seen else "none" if n == 0 else ""


def _next_to_hide(
    tallies: Mapping[str, Tally],
    out: Mapping[str, list[int | None]],
    placed: Mapping[str, Sequence[int]],
    total: Tally,
    d: int,
) -> str | None:
    """The group whose share in direction ``d`` must be hidden next (see :func:`group_shares`),
    or None when no placed sector is told."""
    shown = [tallies[key] for key, shares in out.items() if shares[d] is not None]
    seen = total.seen - sum(t.seen for t in shown)
    yes = (total.agree, total.disagree)[d] - sum((t.agree, t.disagree)[d] for t in shown)
    rest = _alike(Tally("rest", seen, yes, yes, Reason.RELEASED), 0) if seen else None
    for groups in placed.values():
        parts = [tallies[group_key(g)] for g in groups]
        ways = {_alike(t, d) if out[t.key][d] is not None else rest for t in parts}
        ways.discard(None)
        if ways in ({"all"}, {"none"}):
            candidates = [t for t in parts if out[t.key][d] is not None] or shown
            if candidates:
                return min(candidates, key=lambda t: (t.seen, t.key)).key
    return None


def _not_unanimous(counts: Sequence[int]) -> bool:
    return share_shown(counts[1], counts[0])


@dataclass(frozen=True, eq=False)
class _People:
    """Each participant's opinion group (-1: none) and sector (an index into ``sector_names``,
    -1: none)."""

    labels: NDArray[np.int64]
    sector: NDArray[np.int64]
    sector_names: list[str]
    n_groups: int
    cell: NDArray[np.int64]  # (opinion group + 1, sector + 1) as one number

    @classmethod
    def of(cls, labels: NDArray[np.int64], sectors: Sequence[str | None]) -> _People:
        names = sorted({s for s in sectors if s})
        index = {name: i for i, name in enumerate(names)}
        sector = np.array([index[s] if s else -1 for s in sectors], dtype=np.int64)
        n_groups = int(labels.max()) + 1 if labels.size else 0
        return cls(labels, sector, names, n_groups, (labels + 1) * (len(names) + 1) + sector + 1)


def _by_value(values: NDArray[np.int64], n: int) -> list[NDArray[np.int64]]:
    """For each value 0 … n-1, the positions holding it, in increasing order (one stable radix
    sort of small ints instead of a pass per value)."""
    if n >= 1 << 15:
        return [np.flatnonzero(values == v) for v in range(n)]
    order = np.argsort(values.astype(np.int16), kind="stable")
    cuts = np.searchsorted(values[order], np.arange(n + 1))
    return [order[cuts[v] : cuts[v + 1]] for v in range(n)]


def plan_refresh(
    participant_codes: Codes,
    votes: sp.spmatrix,
    statement_ids: Sequence[str],
    *,
    labels: NDArray[np.int64],
    counted: NDArray[np.bool_],
    sectors: Sequence[str | None],
    min_size: int,
    ledger: ReleaseLedger | None = None,
    cross: bool = True,
    keep_codes: bool = False,
    sectors_first: Collection[str] = (),
) -> ConversationRelease:
    """Release a refresh's figures; save ``.ledger`` with the result before anyone sees it.

    ``votes`` is participants × statements with values -1 / 0 / 1 stored for each vote cast
    (an explicit 0 is a pass), ``labels`` the opinion group of each participant (-1: none),
    ``counted`` those the analysis placed, ``sectors`` each participant's sector name or None.
    ``keep_codes`` keeps each tally's vote codes (for audits and tests; costly at scale).

    Each statement's votes are planned everyone first, then by opinion group, then by sector;
    for the statements in ``sectors_first`` (those whose shares are shown by sector and not by
    group), by sector before by group. The two breakdowns cut across each other, so on small
    conversations the one planned first is the one that can be shown.
    """
    codes = np.asarray(participant_codes, dtype=np.int64)
    n = codes.size
    labels = np.asarray(labels, dtype=np.int64)
    counted = np.asarray(counted, dtype=bool)
    if votes.shape != (n, len(statement_ids)) or labels.shape != (n,) or counted.shape != (n,):
        raise ValueError("participants, votes, labels and counted must agree in size")
    if len(sectors) != n:
        raise ValueError("one sector (or None) per participant")
    people = _People.of(labels, sectors)
    planner = Planner(ledger, min_size)
    participants = _plan_participants(planner, codes, counted, people, cross=cross)
    early = set(sectors_first)
    first = np.array([sid in early for sid in statement_ids], dtype=bool)
    statements = _plan_statements(
        planner, codes, votes, statement_ids, people, first, keep_codes=keep_codes
    )
    return ConversationRelease(participants, statements, planner.ledger(), planner.k)


def _plan_participants(
    planner: Planner,
    codes: Codes,
    counted: NDArray[np.bool_],
    people: _People,
    *,
    cross: bool,
) -> dict[str, Figure]:
    """How many people are counted, in each opinion group, sector and sector × group."""
    space = planner.namespace(PARTICIPANTS, codes)
    rows = np.flatnonzero(counted).astype(np.int64)
    in_group = _by_value(people.labels[rows] + 1, people.n_groups + 1)[1:]
    in_sector = _by_value(people.sector[rows] + 1, len(people.sector_names) + 1)[1:]
    candidates = [(EVERYONE, rows)]
    candidates += [(group_key(g), rows[r]) for g, r in enumerate(in_group)]
    candidates += [
        (sector_key(nm), rows[r]) for nm, r in zip(people.sector_names, in_sector, strict=True)
    ]
    if cross:
        for name, r in zip(people.sector_names, in_sector, strict=True):
            by_group = _by_value(people.labels[rows[r]] + 1, people.n_groups + 1)[1:]
            candidates += [(cross_key(name, g), rows[r][q]) for g, q in enumerate(by_group)]
    figures: dict[str, Figure] = {}
    for key, r in candidates:
        got, reason = space.take(r, partial=True)
        figures[key] = Figure(key, got, reason)
    return figures


@dataclass(frozen=True, eq=False)
class _Votes:
    """Every vote, statement by statement: who cast it, its value and its code; the votes on
    statement ``j`` are ``bounds[j]`` to ``bounds[j + 1] - 1``."""

    voters: NDArray[np.int64]
    values: NDArray[np.int64]
    codes: Codes
    bounds: NDArray[np.int64]

    @classmethod
    def of(cls, votes: sp.spmatrix, participant_codes: Codes) -> _Votes:
        csc = sp.csc_matrix(votes)
        voters = csc.indices.astype(np.int64)
        values = (
            csc.data.astype(np.int64)
            if np.issubdtype(csc.data.dtype, np.integer)
            else np.rint(csc.data).astype(np.int64)
        )
        bounds = csc.indptr.astype(np.int64)
        codes = vote_codes(participant_codes[voters], values)
        return cls(voters, values, codes, bounds)

    def owner(self) -> NDArray[np.int64]:
        """The statement of each vote."""
        return np.repeat(np.arange(self.bounds.size - 1, dtype=np.int64), np.diff(self.bounds))

    def columns(self, j0: int, j1: int) -> _Votes:
        """The votes on statements ``j0`` to ``j1 - 1``, numbered from 0."""
        a, b = int(self.bounds[j0]), int(self.bounds[j1])
        return _Votes(
            self.voters[a:b], self.values[a:b], self.codes[a:b], self.bounds[j0 : j1 + 1] - a
        )

    def chunks(self, size: int) -> list[tuple[int, int]]:
        """Runs of whole statements with about ``size`` votes each (at least one statement)."""
        m = self.bounds.size - 1
        cuts = np.searchsorted(self.bounds, np.arange(size, int(self.bounds[-1]), size))
        edges = np.unique(np.concatenate([[0], np.clip(cuts, 1, m), [m]])) if m else [0, 0]
        return list(itertools.pairwise(np.asarray(edges).tolist()))


_CHUNK_VOTES = 1 << 18
"""Statements are planned in runs of about this many votes: the same figures as all at once
(every statement is its own namespace), with working arrays small enough to stay in cache."""


def _plan_statements(
    planner: Planner,
    codes: Codes,
    votes: sp.spmatrix,
    statement_ids: Sequence[str],
    people: _People,
    sectors_first: NDArray[np.bool_],
    *,
    keep_codes: bool,
) -> dict[str, dict[str, Tally]]:
    """Every statement is its own namespace; one kind of figure (everyone, one group, one
    sector) is served for a run of statements together."""
    every = _Votes.of(votes, codes)
    out: dict[str, dict[str, Tally]] = {}
    for j0, j1 in every.chunks(_CHUNK_VOTES):
        out.update(
            _plan_run(
                planner,
                every.columns(j0, j1),
                statement_ids[j0:j1],
                people,
                sectors_first[j0:j1],
                keep_codes=keep_codes,
            )
        )
    return out


def _plan_run(
    planner: Planner,
    v: _Votes,
    statement_ids: Sequence[str],
    people: _People,
    sectors_first: NDArray[np.bool_],
    *,
    keep_codes: bool,
) -> dict[str, dict[str, Tally]]:
    batch = planner.namespaces(
        [
            (statement_namespace(sid), v.codes[a:b])
            for sid, a, b in zip(
                statement_ids, v.bounds[:-1].tolist(), v.bounds[1:].tolist(), strict=True
            )
        ]
    )
    # Every figure is a union of (opinion group, sector, vote) kinds: serve them on bundles
    # of votes sharing a kind and an atom (Namespace.bundled), then give each vote its atom.
    n_sectors = len(people.sector_names) + 1
    n_cells = (people.n_groups + 1) * n_sectors
    kinds = people.cell[v.voters] * 3
    kinds += v.values
    kinds += 1
    bundles, of_vote, kind = batch.bundled(kinds, n_cells * 3)
    b_cell = kind // 3
    b_slot = 3 * bundles.space_index + kind % 3  # 3 * statement + value + 1
    b_weight = bundles.weight if bundles.weight is not None else np.ones(kind.size, np.int64)
    in_group = _by_value(b_cell // n_sectors, people.n_groups + 1)[1:]
    in_sector = _by_value(b_cell % n_sectors, n_sectors)[1:]
    groups = [(group_key(g), r) for g, r in enumerate(in_group)]
    sectors = [(sector_key(nm), r) for nm, r in zip(people.sector_names, in_sector, strict=True)]
    everyone = np.arange(kind.size, dtype=np.int64)
    every_statement = np.ones(sectors_first.size, dtype=bool)
    # (key, bundles, the statements they cover): bundles are in statement order, so each
    # figure's rows come sorted
    order = [(EVERYONE, everyone, every_statement)]
    if not sectors_first.any() or sectors_first.all():
        both = groups + sectors if not sectors_first.any() else sectors + groups
        order += [(key, r, every_statement) for key, r in both]
    else:
        early = sectors_first[bundles.space_index]
        late = ~sectors_first
        order += [(key, r[~early[r]], late) for key, r in groups]
        order += [(key, r[early[r]], sectors_first) for key, r in sectors]
        order += [(key, r[early[r]], sectors_first) for key, r in groups]
        order += [(key, r[~early[r]], late) for key, r in sectors]
    counts: dict[str, _Counts] = {}
    m = len(statement_ids)
    for key, rows, covers in order:
        keep, reasons = bundles.take_many(rows, partial=True)
        got = rows[keep]
        part = _Counts.of(b_slot[got], b_weight[got], reasons, m)
        if keep_codes:
            taken = np.zeros(kind.size, dtype=bool)
            taken[got] = True
            part = part.with_codes(v, np.flatnonzero(taken[of_vote]))
        counts[key] = counts[key].where(covers, part) if key in counts else part
    batch.absorb(bundles, of_vote)
    columns = [c.tallies(key) for key, c in counts.items()]
    return {
        sid: {t.key: t for t in row}
        for sid, row in zip(statement_ids, zip(*columns, strict=True), strict=True)
    }


_NO_CODES: frozenset[int] = frozenset()


@dataclass(frozen=True, eq=False)
class _Counts:
    """One kind of figure (everyone, a group, a sector) for every statement at once."""

    seen: NDArray[np.int64]
    agree: NDArray[np.int64]
    disagree: NDArray[np.int64]
    reasons: list[Reason]
    codes: list[frozenset[int]] | None

    @classmethod
    def of(
        cls, slot: NDArray[np.int64], weight: NDArray[np.int64], reasons: list[Reason], m: int
    ) -> _Counts:
        """Counts from the described votes' ``slot`` (3 * statement + value + 1), each
        standing for ``weight`` votes."""
        by_value = np.bincount(slot, weights=weight, minlength=3 * m).astype(np.int64).reshape(m, 3)
        return cls(by_value.sum(axis=1), by_value[:, 2], by_value[:, 0], reasons, None)

    def with_codes(self, v: _Votes, got: NDArray[np.int64]) -> _Counts:
        """These counts, keeping the codes of the votes ``got`` (positions in ``v``, sorted)."""
        cuts = np.searchsorted(v.owner()[got], np.arange(self.seen.size + 1))
        codes = [frozenset(v.codes[got[a:b]].tolist()) for a, b in itertools.pairwise(cuts)]
        return _Counts(self.seen, self.agree, self.disagree, self.reasons, codes)

    def where(self, covers: NDArray[np.bool_], other: _Counts) -> _Counts:
        """These counts, and ``other``'s for the statements it ``covers`` (each statement's
        figure of this kind is planned in one of two passes; the other pass saw no rows)."""
        pick = covers.tolist()
        return _Counts(
            np.where(covers, other.seen, self.seen),
            np.where(covers, other.agree, self.agree),
            np.where(covers, other.disagree, self.disagree),
            [b if p else a for a, b, p in zip(self.reasons, other.reasons, pick, strict=True)],
            None
            if self.codes is None or other.codes is None
            else [b if p else a for a, b, p in zip(self.codes, other.codes, pick, strict=True)],
        )

    def tallies(self, key: str) -> list[Tally]:
        """This figure's tally for every statement."""
        codes = self.codes if self.codes is not None else itertools.repeat(_NO_CODES)
        return list(
            map(
                Tally,
                itertools.repeat(key),
                self.seen.tolist(),
                self.agree.tolist(),
                self.disagree.tolist(),
                self.reasons,
                codes,
            )
        )
