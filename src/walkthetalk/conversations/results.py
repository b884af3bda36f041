"""Computing a conversation's common ground with the engine: pure, from a snapshot of votes.

The worker (:mod:`walkthetalk.conversations.tasks`) reads the snapshot, calls :func:`compute`
and stores the :class:`Outcome`; nothing here reads or writes the database.

The engine gets a vote matrix whose rows are labelled only ``p0, p1, …`` in the order of the
participants' random keys. What is stored and exported is aggregate only: opinion groups,
representative statements, common ground, divides, uncertainty and sector breakdowns. Every
figure comes from :func:`walkthetalk.analysis.privacy.plan_refresh`, planned against the
conversation's release ledger (read with the snapshot, stored with the outcome): counts and
shares describe whole atoms of at least the minimum group size, so they move in steps of that
many people ("seen by 10" never becomes "seen by 11"), and a share by sector is never
unanimous (that would tell each member's vote). The opinion map shows each opinion group as one
mark at its centre — never one mark per participant.
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from uuid import UUID

import numpy as np

from walkthetalk.analysis import privacy
from walkthetalk.analysis.commonground import NotEnoughDataError, Settings, analyze
from walkthetalk.analysis.commonground.matrix import from_indices
from walkthetalk.conversations.models import ConversationResult
from walkthetalk.reports.render.opinion_map import opinion_map_svg

SHORTLIST = 6
CLEAR_SHARE = 60


def group_label(g: int) -> str:
    return f"Group {string.ascii_uppercase[g % 26]}"


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
    ledger: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    """A computed result, ready to be stored as it is."""

    state: str
    message: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    svg: str = ""
    n_votes: int = 0
    extremity: dict[int, float] = field(default_factory=dict)
    ledger: dict[str, Any] | None = None  # the release ledger after this outcome, if it moved
    based_on: dict[str, Any] | None = None  # the ledger the snapshot had (to detect a race)


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
    waiting = Outcome(
        state=ConversationResult.State.WAITING,
        message=(
            f"Results appear once at least {min_size} people have each voted on a few statements."
        ),
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
    ledger = privacy.ReleaseLedger.from_dict(snapshot.ledger) if snapshot.ledger else None
    release = privacy.plan_refresh(
        np.array([participant_code(key) for key in participant_keys], dtype=np.int64),
        matrix.values,
        [s[1] for s in statements],
        labels=np.asarray(analysis.labels),
        counted=np.asarray(analysis.counts_mask, dtype=bool),
        sectors=[sector_of.get(i) for i in range(shape[0])],
        min_size=min_size,
        ledger=ledger,
    )
    stored = release.ledger.to_dict()
    if not release.participants[privacy.EVERYONE].n:
        return replace(waiting, ledger=stored, based_on=snapshot.ledger)
    data, extremity_by_col = build_payload(analysis, release, statements)
    return Outcome(
        state=ConversationResult.State.READY,
        data=data,
        svg=_opinion_map(data),
        n_votes=int(data["votes"]),
        extremity={statements[j][0]: float(e) for j, e in enumerate(extremity_by_col)},
        ledger=stored,
        based_on=snapshot.ledger,
    )


def participant_code(key: object) -> int:
    """A participant's contributor code: 56 bits of its random UUID key (below 2**60)."""
    text = key.hex if isinstance(key, UUID) else str(key).replace("-", "")
    try:
        return int(text[:14], 16)
    except ValueError:
        return privacy.code_of(text) & ((1 << 56) - 1)


def _opinion_map(data: dict[str, Any]) -> str:
    """The opinion map: each shown opinion group as one mark at its centre (no participant)."""
    shown = [g for g in data["groups"] if g["size"]]
    points = np.array([g["centre"] for g in shown], dtype=float).reshape(-1, 2)
    return opinion_map_svg(points, np.arange(len(shown)), shown)


def _pct(tally: privacy.Tally, k: int, *, by_sector: bool, direction: str) -> int | None:
    agree, disagree = privacy.statement_shares(tally, k, by_sector=by_sector)
    return agree if direction == "agree" else disagree


def build_payload(  # noqa: C901 - the payload, field by field
    analysis: Any,
    release: privacy.ConversationRelease,
    statements: Sequence[tuple[int, str, str]],
) -> tuple[dict[str, Any], np.ndarray]:
    """The stored result, from the released figures only (see the module docstring).

    Which statements are common ground, divides or representative is the engine's choice; every
    number shown beside them is a released one. ``extremity`` (kept for ordering statements, not
    shown) is computed from the released group tallies too.
    """
    result = analysis.result
    k = release.min_size
    n_groups = len(result.groups)
    names = [group_label(g) for g in range(n_groups)]
    text = {sid: t for _, sid, t in statements}
    tallies = release.statements

    def group_tally(sid: str, g: int) -> privacy.Tally:
        return tallies[sid][f"group:{g}"]

    extremity = np.zeros(len(statements))
    if n_groups >= 2:
        for j, (_, sid, _) in enumerate(statements):
            seen = [group_tally(sid, g) for g in range(n_groups)]
            leans = [(t.agree - t.disagree) / t.seen for t in seen if t.seen]
            extremity[j] = max(leans) - min(leans) if len(leans) >= 2 else 0.0

    def overall(sid: str) -> dict[str, Any]:
        t = tallies[sid][privacy.EVERYONE]
        agree, disagree = privacy.statement_shares(t, k, by_sector=False)
        return {"id": sid, "text": text[sid], "agree": agree, "disagree": disagree, "seen": t.seen}

    def size(key: str) -> int | None:
        return release.participants[key].n or None

    groups = []
    for g in range(n_groups):
        reps = [
            {
                "id": rep.statement,
                "text": text[rep.statement],
                "direction": rep.direction,
                "share": _pct(
                    group_tally(rep.statement, g), k, by_sector=False, direction=rep.direction
                ),
            }
            for rep in result.repness.get(g, [])
        ]
        centre = result.groups[g].centre
        groups.append(
            {
                "label": names[g],
                "size": size(f"group:{g}"),
                "centre": [round(centre[0], 4), round(centre[1], 4)],
                "representative": reps,
            }
        )

    def across_groups(sid: str, direction: str) -> bool:
        """Every opinion group leans this way (at least half of those counted who saw it)."""
        for g in range(n_groups):
            t = group_tally(sid, g)
            n = t.agree if direction == "agree" else t.disagree
            if t.seen and n * 2 < t.seen:
                return False
        return True

    cons = result.consensus
    common_ground = _clear(
        [
            overall(c.statement)
            for c in [*cons.agree, *cons.majority_agree]
            if across_groups(c.statement, "agree")
        ],
        "agree",
    )
    common_disagreement = _clear(
        [
            overall(c.statement)
            for c in [*cons.disagree, *cons.majority_disagree]
            if across_groups(c.statement, "disagree")
        ],
        "disagree",
    )
    divides = []
    for div in result.divides:
        entry = overall(div.statement)
        entry["groups"] = {
            names[g]: _pct(group_tally(div.statement, g), k, by_sector=False, direction="agree")
            for g in range(n_groups)
        }
        divides.append(entry)
    uncertainty = [overall(c.statement) for c in cons.uncertainty]
    sector_names = sorted(
        key.removeprefix("sector:")
        for key in release.participants
        if key.startswith("sector:") and "/group:" not in key
    )
    sectors = {
        "groups": names,
        "rows": [
            {
                "sector": name,
                "participants": size(f"sector:{name}"),
                "groups": {names[g]: size(f"sector:{name}/group:{g}") for g in range(n_groups)},
            }
            for name in sector_names
        ],
    }
    shortlist = list(dict.fromkeys(e["id"] for e in (common_ground + divides)))[: SHORTLIST * 2]
    agreement = {
        "sectors": sector_names,
        "rows": [
            {
                "id": sid,
                "text": text[sid],
                "sectors": {
                    name: _pct(tallies[sid][f"sector:{name}"], k, by_sector=True, direction="agree")
                    for name in sector_names
                },
            }
            for sid in shortlist
        ],
    }
    everyone = [tallies[sid][privacy.EVERYONE] for _, sid, _ in statements]
    payload = {
        "min_group_size": k,
        "participants": size(privacy.EVERYONE),
        "votes": sum(t.seen for t in everyone),
        "statements": len(statements),
        "groups": groups,
        "common_ground": common_ground,
        "common_disagreement": common_disagreement,
        "divides": divides,
        "uncertainty": uncertainty,
        "sectors": sectors,
        "agreement_by_sector": agreement,
        "statement_tallies": {
            sid: {"seen": t.seen, "agree": t.agree, "disagree": t.disagree, "pass": t.passed}
            for (_, sid, _), t in zip(statements, everyone, strict=True)
        },
    }
    return payload, extremity
