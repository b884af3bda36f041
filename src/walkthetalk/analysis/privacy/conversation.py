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

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from .atoms import Codes, Planner, Reason, ReleaseLedger
from .shares import share_shown
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


@dataclass(frozen=True, eq=False)
class Tally:
    """Votes on one statement within one released figure."""

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


def plan_refresh(  # noqa: C901 - one pass per namespace kind
    participant_codes: Codes,
    votes: sp.csr_matrix,
    statement_ids: Sequence[str],
    *,
    labels: NDArray[np.int64],
    counted: NDArray[np.bool_],
    sectors: Sequence[str | None],
    min_size: int,
    ledger: ReleaseLedger | None = None,
    cross: bool = True,
    keep_codes: bool = False,
) -> ConversationRelease:
    """Release a refresh's figures; save ``.ledger`` with the result before anyone sees it.

    ``votes`` is participants × statements with values -1 / 0 / 1 stored for each vote cast
    (an explicit 0 is a pass), ``labels`` the opinion group of each participant (-1: none),
    ``counted`` those the analysis placed, ``sectors`` each participant's sector name or None.
    ``keep_codes`` keeps each tally's vote codes (for audits and tests; costly at scale).
    """
    codes = np.asarray(participant_codes, dtype=np.int64)
    n = codes.size
    labels = np.asarray(labels, dtype=np.int64)
    counted = np.asarray(counted, dtype=bool)
    if votes.shape != (n, len(statement_ids)) or labels.shape != (n,) or counted.shape != (n,):
        raise ValueError("participants, votes, labels and counted must agree in size")
    if len(sectors) != n:
        raise ValueError("one sector (or None) per participant")
    names = sorted({s for s in sectors if s})
    sector_index = {name: i for i, name in enumerate(names)}
    sec = np.array([sector_index[s] if s else -1 for s in sectors], dtype=np.int64)
    n_groups = int(labels.max()) + 1 if labels.size else 0
    planner = Planner(ledger, min_size)
    k = planner.k

    rows = np.arange(n, dtype=np.int64)
    space = planner.namespace(PARTICIPANTS, codes)
    participants: dict[str, Figure] = {}

    def take(key: str, r: NDArray[np.int64]) -> None:
        got, reason = space.take(r, partial=True)
        participants[key] = Figure(key, got, reason)

    everyone = rows[counted]
    take(EVERYONE, everyone)
    for g in range(n_groups):
        take(group_key(g), rows[counted & (labels == g)])
    for name, i in sector_index.items():
        take(sector_key(name), rows[counted & (sec == i)])
    if cross:
        for name, i in sector_index.items():
            for g in range(n_groups):
                take(cross_key(name, g), rows[counted & (sec == i) & (labels == g)])

    # Every statement is its own namespace; one kind of figure (everyone, one group, one
    # sector) is served for all statements together.
    csc = votes.tocsc()
    voters = csc.indices.astype(np.int64)
    values = np.rint(csc.data).astype(np.int64)
    m = len(statement_ids)
    owner = np.repeat(np.arange(m, dtype=np.int64), np.diff(csc.indptr))
    all_codes = vote_codes(codes[voters], values)
    batch = planner.namespaces(
        [
            (statement_namespace(sid), all_codes[a:b])
            for sid, a, b in zip(statement_ids, csc.indptr[:-1], csc.indptr[1:], strict=True)
        ]
    )
    # rows are in csc order (statement by statement), so each figure's rows come sorted
    statements: dict[str, dict[str, Tally]] = {sid: {} for sid in statement_ids}
    vl, vs = labels[voters], sec[voters]
    candidates: list[tuple[str, NDArray[np.int64]]] = [
        (EVERYONE, np.arange(voters.size, dtype=np.int64))
    ]
    candidates += [(group_key(g), np.flatnonzero(vl == g)) for g in range(n_groups)]
    candidates += [(sector_key(nm), np.flatnonzero(vs == i)) for nm, i in sector_index.items()]
    for key, rows in candidates:
        keep, reasons = batch.take_many(rows, partial=True)
        got = rows[keep]
        got_owner = owner[got]
        v = values[got]
        seen = np.bincount(got_owner, minlength=m)
        agree = np.bincount(got_owner[v == 1], minlength=m)
        disagree = np.bincount(got_owner[v == -1], minlength=m)
        for j, sid in enumerate(statement_ids):
            described = (
                frozenset(all_codes[got[got_owner == j]].tolist()) if keep_codes else frozenset()
            )
            statements[sid][key] = Tally(
                key, int(seen[j]), int(agree[j]), int(disagree[j]), reasons[j], described
            )
    return ConversationRelease(participants, statements, planner.ledger(), k)
