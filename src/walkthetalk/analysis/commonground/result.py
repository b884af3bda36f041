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
      "sectors":      {...} or null,
      "meta":         {...}
    }
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


@dataclass(frozen=True)
class ConsensusStatement:
    """A statement with its score in one direction (see :mod:`.consensus`)."""

    statement: str
    score: float
    n_agree: int
    n_disagree: int
    n_seen: int


@dataclass(frozen=True)
class Divide:
    """A statement the groups answer most differently; ``support`` is per group in [-1, 1]."""

    statement: str
    score: float
    support: list[float]


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
            "sectors": None
            if self.sectors is None
            else {
                s.sector: {"participants": s.participants, "groups": dict(s.groups)}
                for s in self.sectors
            },
            "meta": dict(self.meta),
        }
