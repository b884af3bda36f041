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

Beside the stored result, an outcome carries ``placement``: the fitted projection a later
request places one participant with ("where do I stand"). It holds the exact mean vote per
statement, a figure never released, so it is stored apart (``ConversationPlacement``) and never
put into ``data``.
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any
from uuid import UUID

import numpy as np

from walkthetalk.analysis import privacy
from walkthetalk.analysis.commonground import NotEnoughDataError, Settings, analyze
from walkthetalk.analysis.commonground.matrix import from_indices
from walkthetalk.analysis.commonground.placement import PlacementState
from walkthetalk.conversations.result_states import ResultState
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
    placement: dict[str, Any] | None = None  # never released: see ConversationPlacement


def failed(exc: BaseException) -> Outcome:
    """The outcome stored when computing failed (the error's kind only, never its details)."""
    return Outcome(
        state=ResultState.FAILED,
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
        state=ResultState.WAITING,
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
        sectors_first=shown_by_sector_only(analysis.result),
    )
    stored = release.ledger.to_dict()
    if not release.participants[privacy.EVERYONE].n:
        return replace(waiting, ledger=stored, based_on=snapshot.ledger)
    data, extremity_by_col = build_payload(analysis, release, statements)
    return Outcome(
        state=ResultState.READY,
        data=data,
        svg=_opinion_map(data),
        n_votes=int(data["votes"]),
        extremity={statements[j][0]: float(e) for j, e in enumerate(extremity_by_col)},
        ledger=stored,
        based_on=snapshot.ledger,
        placement=PlacementState.from_analysis(analysis).to_dict() if data["groups"] else None,
    )


def shown_by_sector_only(result: Any) -> set[str]:
    """Statements whose shares are shown by sector and not by opinion group: the engine's
    common-ground candidates that are neither divides nor representative of a group. Their
    votes are planned by sector before by group (the two breakdowns cut across each other, and
    only the one planned first can be shown on a small conversation)."""
    cons = result.consensus
    candidates = {c.statement for c in [*cons.agree, *cons.majority_agree]}
    by_group = {d.statement for d in result.divides}
    by_group |= {rep.statement for reps in result.repness.values() for rep in reps}
    return candidates - by_group


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


@dataclass(frozen=True)
class _Released:
    """The released figures of one refresh, with what every part of the payload needs."""

    release: privacy.ConversationRelease
    text: dict[str, str]
    n_groups: int
    _group_pcts: dict[str, dict[str, tuple[int | None, int | None]]] = field(
        default_factory=dict, compare=False, repr=False
    )

    @property
    def k(self) -> int:
        return self.release.min_size

    @property
    def names(self) -> list[str]:
        return [group_label(g) for g in range(self.n_groups)]

    def tally(self, sid: str, key: str) -> privacy.Tally:
        return self.release.statements[sid][key]

    def group_tally(self, sid: str, g: int) -> privacy.Tally:
        return self.tally(sid, f"group:{g}")

    def size(self, key: str) -> int | None:
        return self.release.participants[key].n or None

    @cached_property
    def placed(self) -> dict[str, list[int]]:
        """Sectors the released counts place wholly in opinion groups."""
        return privacy.placed_sectors(self.release.participants, self.n_groups)

    def group_pcts(self, sid: str) -> dict[str, tuple[int | None, int | None]]:
        """Agree and disagree shares of every opinion group on one statement, as released."""
        if sid not in self._group_pcts:
            self._group_pcts[sid] = privacy.group_shares(
                self.release.statements[sid], self.placed, self.n_groups, self.k
            )
        return self._group_pcts[sid]

    def pct(self, sid: str, key: str, direction: str) -> int | None:
        """A share by opinion group (:meth:`group_pcts`) or overall (sector shares:
        :func:`privacy.sector_shares`)."""
        if key.startswith("group:"):
            agree, disagree = self.group_pcts(sid)[key]
        else:
            agree, disagree = privacy.statement_shares(
                self.tally(sid, key), self.k, by_sector=False
            )
        return agree if direction == "agree" else disagree

    def overall(self, sid: str) -> dict[str, Any]:
        t = self.tally(sid, privacy.EVERYONE)
        agree, disagree = privacy.statement_shares(t, self.k, by_sector=False)
        return {
            "id": sid,
            "text": self.text[sid],
            "agree": agree,
            "disagree": disagree,
            "seen": t.seen,
        }

    def leans_in_every_group(self, sid: str, direction: str) -> bool:
        """Every opinion group leans this way (at least half of those counted who saw it)."""
        for g in range(self.n_groups):
            t = self.group_tally(sid, g)
            n = t.agree if direction == "agree" else t.disagree
            if t.seen and n * 2 < t.seen:
                return False
        return True

    def sector_names(self) -> list[str]:
        return sorted(
            key.removeprefix("sector:")
            for key in self.release.participants
            if key.startswith("sector:") and "/group:" not in key
        )


def _extremity(figures: _Released, statement_ids: Sequence[str]) -> np.ndarray:
    """How far apart the opinion groups lean on each statement, from released tallies only."""
    extremity = np.zeros(len(statement_ids))
    if figures.n_groups < 2:
        return extremity
    for j, sid in enumerate(statement_ids):
        seen = [figures.group_tally(sid, g) for g in range(figures.n_groups)]
        leans = [(t.agree - t.disagree) / t.seen for t in seen if t.seen]
        extremity[j] = max(leans) - min(leans) if len(leans) >= 2 else 0.0
    return extremity


def _groups(figures: _Released, result: Any) -> list[dict[str, Any]]:
    """Each opinion group: its released size, centre and representative statements."""
    groups = []
    for g, name in enumerate(figures.names):
        reps = [
            {
                "id": rep.statement,
                "text": figures.text[rep.statement],
                "direction": rep.direction,
                "share": figures.pct(rep.statement, f"group:{g}", rep.direction),
            }
            for rep in result.repness.get(g, [])
        ]
        centre = result.groups[g].centre
        groups.append(
            {
                "label": name,
                "size": figures.size(f"group:{g}"),
                "centre": [round(centre[0], 4), round(centre[1], 4)],
                "representative": reps,
            }
        )
    return groups


def _shared(figures: _Released, candidates: Sequence[Any], direction: str) -> list[dict[str, Any]]:
    """The engine's candidates every group leans towards, with a clear overall share."""
    leaning = [
        figures.overall(c.statement)
        for c in candidates
        if figures.leans_in_every_group(c.statement, direction)
    ]
    return _clear(leaning, direction)


def _divides(figures: _Released, result: Any) -> list[dict[str, Any]]:
    divides = []
    for div in result.divides:
        entry = figures.overall(div.statement)
        entry["groups"] = {
            name: figures.pct(div.statement, f"group:{g}", "agree")
            for g, name in enumerate(figures.names)
        }
        divides.append(entry)
    return divides


def _shares_by_group(figures: _Released, statement_ids: Sequence[str]) -> dict[str, Any]:
    """Every statement's agree / disagree / pass shares in each opinion group, as released:
    ``None`` where the group's votes on it are fewer than the minimum group size or the plan
    did not release them, and all three ``None`` where :func:`privacy.group_shares` hides
    either share (hidden, never 0)."""
    out: dict[str, Any] = {}
    for sid in statement_ids:
        row: dict[str, dict[str, int | None]] = {}
        for g, name in enumerate(figures.names):
            t = figures.group_tally(sid, g)
            agree, disagree = figures.group_pcts(sid)[f"group:{g}"]
            if agree is None or disagree is None:
                # one bar is the three shares together; and a pass share beside one hidden
                # share would give it back (100 minus the others)
                row[name] = {"agree": None, "disagree": None, "pass": None}
            else:
                passed = round(100 * t.passed / t.seen)
                row[name] = {"agree": agree, "disagree": disagree, "pass": passed}
        out[sid] = row
    return out


def _sectors(figures: _Released, sector_names: list[str]) -> dict[str, Any]:
    """Participants per sector and per sector × opinion group."""
    return {
        "groups": figures.names,
        "rows": [
            {
                "sector": name,
                "participants": figures.size(f"sector:{name}"),
                "groups": {
                    label: figures.size(f"sector:{name}/group:{g}")
                    for g, label in enumerate(figures.names)
                },
            }
            for name in sector_names
        ],
    }


def _agreement_by_sector(
    figures: _Released, sector_names: list[str], shortlist: list[str]
) -> dict[str, Any]:
    """Agree shares by sector for the shortlisted statements (never unanimous, and none hidden
    can be had back by subtracting the others from the overall share)."""
    rows = []
    for sid in shortlist:
        shares = privacy.sector_shares(figures.release.statements[sid], figures.k)
        rows.append(
            {
                "id": sid,
                "text": figures.text[sid],
                "sectors": {name: shares[f"sector:{name}"][0] for name in sector_names},
            }
        )
    return {"sectors": sector_names, "rows": rows}


def build_payload(
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
    figures = _Released(release, {sid: t for _, sid, t in statements}, len(result.groups))
    statement_ids = [sid for _, sid, _ in statements]
    cons = result.consensus
    common_ground = _shared(figures, [*cons.agree, *cons.majority_agree], "agree")
    divides = _divides(figures, result)
    sector_names = figures.sector_names()
    shortlist = list(dict.fromkeys(e["id"] for e in (common_ground + divides)))[: SHORTLIST * 2]
    everyone = [figures.tally(sid, privacy.EVERYONE) for sid in statement_ids]
    payload = {
        "min_group_size": figures.k,
        "participants": figures.size(privacy.EVERYONE),
        "votes": sum(t.seen for t in everyone),
        "statements": len(statements),
        "groups": _groups(figures, result),
        "common_ground": common_ground,
        "common_disagreement": _shared(
            figures, [*cons.disagree, *cons.majority_disagree], "disagree"
        ),
        "divides": divides,
        "uncertainty": [figures.overall(c.statement) for c in cons.uncertainty],
        "sectors": _sectors(figures, sector_names),
        "agreement_by_sector": _agreement_by_sector(figures, sector_names, shortlist),
        "statement_groups": _shares_by_group(figures, statement_ids),
        "statement_tallies": {
            sid: {"seen": t.seen, "agree": t.agree, "disagree": t.disagree, "pass": t.passed}
            for sid, t in zip(statement_ids, everyone, strict=True)
        },
    }
    return payload, _extremity(figures, statement_ids)
