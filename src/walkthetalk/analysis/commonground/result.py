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
from typing import Any


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
class Tally:
    agree: int
    disagree: int
    passed: int

    @property
    def seen(self) -> int:
        return self.agree + self.disagree + self.passed

    def to_json(self) -> dict[str, int]:
        return {
            "agree": self.agree,
            "disagree": self.disagree,
            "pass": self.passed,
            "seen": self.seen,
        }


@dataclass(frozen=True)
class GroupRepness:
    direction: str
    p: float
    p_test: float
    r: float
    r_test: float
    metric: float
    representative: bool


@dataclass(frozen=True)
class StatementRow:
    """One statement's full figures (see the module docstring)."""

    statement: str
    text: str
    status: str
    overall: Tally
    groups: list[Tally]
    consensus_agree: float
    consensus_disagree: float
    repness: list[GroupRepness]

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.statement,
            "text": self.text,
            "status": self.status,
            **self.overall.to_json(),
            "groups": [g.to_json() for g in self.groups],
            "consensus": {
                "agree": round(self.consensus_agree, 6),
                "disagree": round(self.consensus_disagree, 6),
            },
            "repness": [
                {
                    "direction": r.direction,
                    "p": round(r.p, 6),
                    "p_test": round(r.p_test, 6),
                    "r": round(r.r, 6),
                    "r_test": round(r.r_test, 6),
                    "metric": round(r.metric, 6),
                    "representative": r.representative,
                }
                for r in self.repness
            ],
        }


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
    participants: dict[str, int | None]
    projection: dict[str, tuple[float, float]]
    groups: list[Group]
    repness: dict[int, list[RepresentativeStatement]]
    consensus: Consensus
    divides: list[Divide]
    sectors: list[SectorBreakdown] | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    statements: list[StatementRow] = field(default_factory=list)
    reasons: dict[str, str] = field(default_factory=dict)

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
            "statements": [row.to_json() for row in self.statements],
            "reasons": dict(self.reasons),
            "sectors": None
            if self.sectors is None
            else {
                s.sector: {"participants": s.participants, "groups": dict(s.groups)}
                for s in self.sectors
            },
            "meta": dict(self.meta),
        }
