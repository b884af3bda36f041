"""Plain result dataclasses and their JSON form.

JSON layout (``CommonGroundResult.to_json``)::

    {
      "participants": {participant_id: group or null},
      "projection":   {participant_id: [x, y]},
      "groups":       [{"id", "size", "centre"}],
      "repness":      {group_id: [representative statement, ...]},
      "consensus":    {"agree": [...], "disagree": [...],
                       "majority": {"agree": [...], "disagree": [...]},
                       "uncertainty": [...]},
      "divides":      [...],
      "statements":   [{"id", "text", "status", "agree", "disagree", "pass", "seen",
                        "groups": [{"agree", "disagree", "pass", "seen"}],
                        "consensus": {"agree", "disagree"},
                        "repness": [{"direction", "p", "p_test", "r", "r_test", "metric",
                                     "representative"}]}],
      "reasons":      {list name: why it is empty},
      "sectors":      {...} or null,
      "meta":         {...}
    }

Every listed statement carries its ``text``. ``statements`` is the full per-statement table:
counts over the participants placed in the analysis, overall and per opinion group, Pol.is's
repness of each group (in the direction the group leans; ``representative`` when both tests
pass) and the group-informed consensus. ``status`` is ``"in"``, ``"moderated or meta"`` (out
of the analysis) or ``"about the participant"`` (in the projection, never listed).
``reasons`` says why a list is empty when the input cannot support it (e.g. every vote is a
pass, a single statement, too few people, one opinion group).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from functools import cached_property
from typing import Any

import numpy as np


@dataclass(frozen=True)
class RepresentativeStatement:
    """A statement that sets a group apart (see :mod:`.repness` for the formulas)."""

    statement: str
    direction: str  # "agree" or "disagree"
    n_agree: int
    n_disagree: int
    n_seen: int
    p: float  # pa or pd
    p_test: float  # pat or pdt
    r: float  # ra or rd
    r_test: float  # rat or rdt
    metric: float
    text: str = ""


@dataclass(frozen=True)
class ConsensusStatement:
    """A statement with its score in one direction (see :mod:`.consensus`)."""

    statement: str
    score: float
    n_agree: int
    n_disagree: int
    n_seen: int
    text: str = ""


@dataclass(frozen=True)
class Divide:
    """A statement the groups answer most differently; ``support`` is per group in [-1, 1]."""

    statement: str
    score: float
    support: list[float]
    text: str = ""


@dataclass(frozen=True)
class StatementTable:
    """Every statement's figures as arrays (statements in columns, groups in rows); see the
    module docstring for the JSON form (:meth:`to_json`)."""

    ids: tuple[str, ...]
    text: tuple[str, ...]
    status: tuple[str, ...]
    agree: np.ndarray  # (n_groups, n_statements) counts
    disagree: np.ndarray
    seen: np.ndarray
    consensus_agree: np.ndarray  # (n_statements,)
    consensus_disagree: np.ndarray
    agree_direction: np.ndarray  # (n_groups, n_statements): repness in the agree direction
    p: np.ndarray
    p_test: np.ndarray
    r: np.ndarray
    r_test: np.ndarray
    metric: np.ndarray
    representative: np.ndarray

    def to_json(self) -> list[dict[str, Any]]:
        a, d, s = (x.astype(np.int64).tolist() for x in (self.agree, self.disagree, self.seen))
        ta, td, ts = (
            np.asarray(x, dtype=np.int64).sum(axis=0).tolist()
            for x in (self.agree, self.disagree, self.seen)
        )
        n_groups = len(a)
        with_repness = n_groups >= 2
        figures = [
            np.round(x, 6).tolist() for x in (self.p, self.p_test, self.r, self.r_test, self.metric)
        ]
        direction = self.agree_direction.tolist()
        chosen = self.representative.tolist()
        gic_a = np.round(self.consensus_agree, 6).tolist()
        gic_d = np.round(self.consensus_disagree, 6).tolist()
        rows = []
        for c, sid in enumerate(self.ids):
            rows.append(
                {
                    "id": sid,
                    "text": self.text[c],
                    "status": self.status[c],
                    "agree": ta[c],
                    "disagree": td[c],
                    "pass": ts[c] - ta[c] - td[c],
                    "seen": ts[c],
                    "groups": [
                        {
                            "agree": a[g][c],
                            "disagree": d[g][c],
                            "pass": s[g][c] - a[g][c] - d[g][c],
                            "seen": s[g][c],
                        }
                        for g in range(n_groups)
                    ],
                    "consensus": {"agree": gic_a[c], "disagree": gic_d[c]},
                    "repness": [
                        {
                            "direction": "agree" if direction[g][c] else "disagree",
                            "p": figures[0][g][c],
                            "p_test": figures[1][g][c],
                            "r": figures[2][g][c],
                            "r_test": figures[3][g][c],
                            "metric": figures[4][g][c],
                            "representative": chosen[g][c],
                        }
                        for g in range(n_groups)
                    ]
                    if with_repness
                    else [],
                }
            )
        return rows


@dataclass(frozen=True)
class Group:
    id: int
    size: int
    centre: tuple[float, float]


@dataclass(frozen=True)
class Consensus:
    agree: list[ConsensusStatement]
    disagree: list[ConsensusStatement]
    majority_agree: list[ConsensusStatement]
    majority_disagree: list[ConsensusStatement]
    uncertainty: list[ConsensusStatement]


@dataclass(frozen=True)
class SectorBreakdown:
    """Participants of one declared sector by opinion group; ``None`` = suppressed."""

    sector: str
    participants: int | None
    groups: dict[str, int | None]


@dataclass(frozen=True)
class CommonGroundResult:
    """The analysis for people and programs.

    ``participants`` (group or ``None``) and ``projection`` (x, y) are dicts keyed by
    participant id, covering everyone who cast a vote that counts (never someone who only
    passed); they are built from the arrays on first use, so a million-row analysis does not
    pay for them unless they are read.
    """

    groups: list[Group]
    repness: dict[int, list[RepresentativeStatement]]
    consensus: Consensus
    divides: list[Divide]
    sectors: list[SectorBreakdown] | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    statements: StatementTable | None = None
    reasons: dict[str, str] = field(default_factory=dict)
    participant_ids: tuple[str, ...] = ()
    voters: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    voter_groups: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    voter_coordinates: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))

    @cached_property
    def participants(self) -> dict[str, int | None]:
        ids = self.participant_ids
        return {
            ids[i]: (g if g >= 0 else None)
            for i, g in zip(self.voters.tolist(), self.voter_groups.tolist(), strict=True)
        }

    @cached_property
    def projection(self) -> dict[str, tuple[float, float]]:
        ids = self.participant_ids
        return {
            ids[i]: (xy[0], xy[1])
            for i, xy in zip(self.voters.tolist(), self.voter_coordinates.tolist(), strict=True)
        }

    def to_json(self) -> dict[str, Any]:
        """The JSON-ready dict written by the CLI."""
        c = self.consensus
        return {
            "participants": dict(self.participants),
            "projection": {k: [round(v[0], 6), round(v[1], 6)] for k, v in self.projection.items()},
            "groups": [
                {
                    "id": g.id,
                    "size": g.size,
                    "centre": [round(g.centre[0], 6), round(g.centre[1], 6)],
                }
                for g in self.groups
            ],
            "repness": {str(g): [asdict(s) for s in stmts] for g, stmts in self.repness.items()},
            "consensus": {
                "agree": [asdict(s) for s in c.agree],
                "disagree": [asdict(s) for s in c.disagree],
                "majority": {
                    "agree": [asdict(s) for s in c.majority_agree],
                    "disagree": [asdict(s) for s in c.majority_disagree],
                },
                "uncertainty": [asdict(s) for s in c.uncertainty],
            },
            "divides": [asdict(d) for d in self.divides],
            "statements": [] if self.statements is None else self.statements.to_json(),
            "reasons": dict(self.reasons),
            "sectors": None
            if self.sectors is None
            else {
                s.sector: {"participants": s.participants, "groups": dict(s.groups)}
                for s in self.sectors
            },
            "meta": dict(self.meta),
        }
