"""Computing a conversation's common ground with the engine: pure, from a snapshot of votes.

The worker (:mod:`walkthetalk.conversations.tasks`) reads the snapshot, calls :func:`compute`
and stores the :class:`Outcome`; nothing here reads or writes the database.

The engine gets a vote matrix whose rows are labelled only ``p0, p1, …`` in the order of the
participants' random keys. What is stored and exported is aggregate only: opinion groups,
representative statements, common ground, divides, uncertainty and sector breakdowns. Every
figure about a group passes through :mod:`walkthetalk.analysis.privacy` with the care
system's minimum group size; per-statement shares are shown only when at least that many
people in the group saw the statement.
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import numpy as np
import scipy.sparse as sp

from walkthetalk.analysis import privacy
from walkthetalk.analysis.commonground import NotEnoughDataError, Settings, analyze
from walkthetalk.analysis.commonground.matrix import from_indices
from walkthetalk.conversations.models import ConversationResult
from walkthetalk.reports.render.opinion_map import opinion_map_svg

SHORTLIST = 6
CLEAR_SHARE = 60


def group_label(g: int) -> str:
    return f"Group {string.ascii_uppercase[g % 26]}"


def _share(n: int, seen: int, min_size: int) -> int | None:
    """A whole-number percentage, or None when too few people saw the statement."""
    if seen < min_size or seen == 0:
        return None
    return round(100 * n / seen)


def _clear(entries: list[dict[str, Any]], direction: str) -> list[dict[str, Any]]:
    """Entries whose overall share in ``direction`` is clear (at least 60%), each once."""
    out: dict[str, dict[str, Any]] = {}
    for entry in entries:
        share = entry[direction]
        if share is not None and share >= CLEAR_SHARE and entry["id"] not in out:
            out[entry["id"]] = entry
    return list(out.values())


@dataclass(frozen=True)
class VoteSnapshot:
    """What a refresh reads: published statements and their votes, in a fixed order.

    ``statements`` are ``(pk, public_id, text)`` by pk; ``votes`` are ``(participant key,
    statement pk, value, participant's sector name)`` ordered by participant key.
    """

    statements: Sequence[tuple[int, str, str]]
    votes: Sequence[tuple[UUID, int, int, str | None]]
    min_size: int


@dataclass(frozen=True)
class Outcome:
    """A computed result, ready to be stored as it is."""

    state: str
    message: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    svg: str = ""
    n_votes: int = 0
    extremity: dict[int, float] = field(default_factory=dict)


def failed(exc: BaseException) -> Outcome:
    """The outcome stored when computing failed (the error's kind only, never its details)."""
    return Outcome(
        state=ConversationResult.State.FAILED,
        message=f"The results could not be computed this time ({type(exc).__name__}).",
    )


def compute(snapshot: VoteSnapshot) -> Outcome:
    """The common ground of a snapshot, or why it must wait (no database, no side effects)."""
    min_size = snapshot.min_size
    statements, votes = snapshot.statements, snapshot.votes
    col = {pk: j for j, (pk, _, _) in enumerate(statements)}
    participant_keys = sorted({v[0] for v in votes})
    row = {key: i for i, key in enumerate(participant_keys)}
    sector_of: dict[int, str | None] = {row[v[0]]: v[3] for v in votes}
    n_votes = len(votes)
    waiting = Outcome(
        state=ConversationResult.State.WAITING,
        message=(
            f"Results appear once at least {min_size} people have each voted on a few statements."
        ),
        n_votes=n_votes,
    )
    if len(participant_keys) < min_size or not statements:
        return waiting
    shape = (len(participant_keys), len(statements))
    matrix = from_indices(
        [row[v[0]] for v in votes],
        [col[v[1]] for v in votes],
        [v[2] for v in votes],
        shape,
        participant_ids=[f"p{i}" for i in range(shape[0])],
        statement_ids=[s[1] for s in statements],
    )
    try:
        analysis = analyze(
            matrix,
            (),
            Settings(seed=0, min_group_size=min_size),
            statement_text={sid: text for _, sid, text in statements},
        )
    except NotEnoughDataError:
        return waiting
    if int(analysis.counts_mask.sum()) < min_size:
        return waiting
    data, extremity_by_col = build_payload(analysis, matrix.values, statements, sector_of, min_size)
    return Outcome(
        state=ConversationResult.State.READY,
        data=data,
        svg=_opinion_map(analysis, data),
        n_votes=n_votes,
        extremity={statements[j][0]: float(e) for j, e in enumerate(extremity_by_col)},
    )


def _opinion_map(analysis: Any, data: dict[str, Any]) -> str:
    """The opinion map of the placed participants, in the engine's row order."""
    result = analysis.result
    labels = np.asarray(analysis.labels)
    points = np.array(list(result.projection.values()), dtype=float).reshape(-1, 2)
    rows = [int(pid[1:]) for pid in result.projection]
    return opinion_map_svg(points, labels[rows] if rows else labels[:0], data["groups"])


def _group_tallies(
    values: sp.csr_matrix, labels: np.ndarray, n_groups: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Agree, disagree and seen counts per (group, statement)."""
    n = values.shape[0]
    member = labels >= 0
    g = sp.csr_matrix(
        (np.ones(int(member.sum())), (labels[member], np.flatnonzero(member))),
        shape=(n_groups, n),
    )
    data = values.data
    agree = sp.csr_matrix(((data == 1).astype(float), values.indices, values.indptr), values.shape)
    disagree = sp.csr_matrix(
        ((data == -1).astype(float), values.indices, values.indptr), values.shape
    )
    seen = sp.csr_matrix((np.ones(data.size), values.indices, values.indptr), values.shape)
    return (
        np.asarray((g @ agree).todense()),
        np.asarray((g @ disagree).todense()),
        np.asarray((g @ seen).todense()),
    )


def build_payload(
    analysis: Any,
    values: sp.csr_matrix,
    statements: Sequence[tuple[int, str, str]],
    sector_of: dict[int, str | None],
    min_size: int,
) -> tuple[dict[str, Any], np.ndarray]:
    result = analysis.result
    labels = np.asarray(analysis.labels)
    n_groups = len(result.groups)
    text = {sid: t for _, sid, t in statements}
    index = {sid: j for j, (_, sid, _) in enumerate(statements)}
    a, d, s = _group_tallies(values, labels, n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        lean = np.where(s > 0, (a - d) / np.maximum(s, 1), np.nan)
    extremity = np.zeros(len(statements))
    if n_groups >= 2:
        seen_any = (s > 0).sum(axis=0) >= 2
        spread = np.nanmax(lean, axis=0) - np.nanmin(lean, axis=0)
        extremity = np.where(seen_any, np.nan_to_num(spread), 0.0)
    counted = int(analysis.counts_mask.sum())
    names = [group_label(g) for g in range(n_groups)]

    group_sizes = privacy.suppress_counts(
        {**{names[g]: int((labels == g).sum()) for g in range(n_groups)}, "total": counted},
        min_size,
    )
    overall_seen = np.diff(values.tocsc().indptr)
    agree_total = np.bincount(values.indices[values.data == 1], minlength=len(statements))
    disagree_total = np.bincount(values.indices[values.data == -1], minlength=len(statements))

    def overall(sid: str) -> dict[str, Any]:
        j = index[sid]
        seen = int(overall_seen[j])
        return {
            "id": sid,
            "text": text[sid],
            "agree": _share(int(agree_total[j]), seen, min_size),
            "disagree": _share(int(disagree_total[j]), seen, min_size),
            "seen": seen,
        }

    groups = []
    for g in range(n_groups):
        reps = []
        for rep in result.repness.get(g, []):
            j = index[rep.statement]
            n = int(a[g, j] if rep.direction == "agree" else d[g, j])
            reps.append(
                {
                    "id": rep.statement,
                    "text": text[rep.statement],
                    "direction": rep.direction,
                    "share": _share(n, int(s[g, j]), min_size),
                }
            )
        centre = result.groups[g].centre
        groups.append(
            {
                "label": names[g],
                "size": group_sizes[names[g]],
                "centre": [round(centre[0], 4), round(centre[1], 4)],
                "representative": reps,
            }
        )

    cons = result.consensus

    def across_groups(sid: str, tally: np.ndarray) -> bool:
        """Every opinion group leans this way (at least half of those who saw it)."""
        j = index[sid]
        return all(tally[g, j] * 2 >= s[g, j] for g in range(n_groups) if s[g, j] > 0)

    common_ground = _clear(
        [
            overall(c.statement)
            for c in [*cons.agree, *cons.majority_agree]
            if across_groups(c.statement, a)
        ],
        "agree",
    )
    common_disagreement = _clear(
        [
            overall(c.statement)
            for c in [*cons.disagree, *cons.majority_disagree]
            if across_groups(c.statement, d)
        ],
        "disagree",
    )
    divides = []
    for div in result.divides:
        j = index[div.statement]
        entry = overall(div.statement)
        entry["groups"] = {
            names[g]: _share(int(a[g, j]), int(s[g, j]), min_size) for g in range(n_groups)
        }
        divides.append(entry)
    uncertainty = [overall(c.statement) for c in cons.uncertainty]

    sectors = sector_breakdown(labels, sector_of, names, counted, min_size)
    shortlist = [e["id"] for e in (common_ground + divides)][: SHORTLIST * 2]
    sector_agreement = agreement_by_sector(
        values, sector_of, [index[sid] for sid in dict.fromkeys(shortlist)], statements, min_size
    )
    payload = {
        "min_group_size": min_size,
        "participants": group_sizes["total"],
        "votes": int(values.nnz),
        "statements": len(statements),
        "groups": groups,
        "common_ground": common_ground,
        "common_disagreement": common_disagreement,
        "divides": divides,
        "uncertainty": uncertainty,
        "sectors": sectors,
        "agreement_by_sector": sector_agreement,
    }
    return payload, extremity


def sector_breakdown(
    labels: np.ndarray,
    sector_of: dict[int, str | None],
    names: list[str],
    counted: int,
    min_size: int,
) -> dict[str, Any]:
    """Participants by declared sector and opinion group, suppressed as one release.

    Cells are released through :func:`privacy.plan_release` in priority order — everyone, the
    opinion groups, the sectors, then sector-by-group cells — so no hidden cell can be
    recovered by subtracting shown ones along a row or a column.
    """
    rows_in = [i for i in range(labels.size) if labels[i] >= 0]
    cells = [privacy.Cell.of("everyone", rows_in)]
    cells += [
        privacy.Cell.of(f"group:{g}", (i for i in rows_in if labels[i] == g))
        for g in range(len(names))
    ]
    sector_names = sorted({sector_of.get(i) or "" for i in rows_in} - {""})
    sector_cells = {
        name: privacy.Cell.of(f"sector:{name}", (i for i in rows_in if sector_of.get(i) == name))
        for name in sector_names
    }
    cells += sorted(sector_cells.values(), key=lambda c: -c.n)
    cross = [
        privacy.Cell.of(
            f"cross:{name}:{g}",
            (i for i in rows_in if sector_of.get(i) == name and labels[i] == g),
        )
        for name in sector_names
        for g in range(len(names))
    ]
    cells += sorted(cross, key=lambda c: -c.n)
    plan = privacy.plan_release(cells, min_size)
    rows = []
    for name in sector_names:
        total = sector_cells[name]
        rows.append(
            {
                "sector": name,
                "participants": total.n if plan.is_released(total.key) else None,
                "groups": {
                    names[g]: (len(c.contributors) if plan.is_released(c.key) else None)
                    for g in range(len(names))
                    for c in [next(x for x in cross if x.key == f"cross:{name}:{g}")]
                },
            }
        )
    return {"groups": names, "rows": rows}


def agreement_by_sector(
    values: sp.csr_matrix,
    sector_of: dict[int, str | None],
    columns: list[int],
    statements: Sequence[tuple[int, str, str]],
    min_size: int,
) -> dict[str, Any]:
    """Share agreeing with each shortlisted statement, by sector; small sectors suppressed."""
    csc = values.tocsc()
    sector_names = sorted({s for s in sector_of.values() if s})
    out_rows = []
    for j in columns:
        start, end = csc.indptr[j], csc.indptr[j + 1]
        voters = csc.indices[start:end]
        votes = csc.data[start:end]
        seen: dict[str, int] = dict.fromkeys(sector_names, 0)
        agree: dict[str, int] = dict.fromkeys(sector_names, 0)
        for r, v in zip(voters.tolist(), votes.tolist(), strict=True):
            name = sector_of.get(r)
            if name:
                seen[name] += 1
                agree[name] += int(v == 1)
        shown = privacy.suppress_counts({**seen, "total": int(end - start)}, min_size)
        out_rows.append(
            {
                "id": statements[j][1],
                "text": statements[j][2],
                "sectors": {
                    name: (_share(agree[name], seen[name], min_size) if shown[name] else None)
                    for name in sector_names
                },
            }
        )
    return {"sectors": sector_names, "rows": out_rows}
