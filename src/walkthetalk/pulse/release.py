"""Releasing a wave's groups through its privacy ledger, before any figure about them is shown.

Every count, mean or chart the pulse app shows or exports about a wave is computed from groups
(cells) that :func:`walkthetalk.pulse.services.release` has cleared here; the rows a page, a
download or the API reads come out of this module already decided.
"""

from __future__ import annotations

from dataclasses import dataclass

from walkthetalk.analysis.privacy import Cell, ReleaseLedger, ReleasePlan
from walkthetalk.analysis.pulse import Heatmap, Instrument, rules_by_levels
from walkthetalk.pulse import services
from walkthetalk.pulse.models import Wave
from walkthetalk.pulse.wave_data import Group, WaveData, groups, load, unit_groups


@dataclass
class Released:
    """Groups (in display order) with their privacy decision."""

    groups: list[Group]
    plan: ReleasePlan
    ledger: ReleaseLedger
    min_size: int

    def shown(self, key: str) -> bool:
        return self.plan.is_released(key)

    def n(self, group: Group) -> int | None:
        return len(group.rows) if self.shown(group.key) else None

    def of_kind(self, kind: str) -> list[Group]:
        return [g for g in self.groups if g.kind == kind]


def release_groups(data: WaveData) -> Released:
    """Release every candidate group of the wave; groups come back in display order.

    Display order: the whole wave, levels, units in tree order, sectors.
    """
    cands = groups(data)
    cells = [Cell.of(g.key, (data.ids[i] for i in g.rows), g.dimension) for g in cands]
    plan, ledger = services.release(data.wave, cells)
    tree_order = {g.key: i for i, g in enumerate(unit_groups(data))}
    units = sorted((g for g in cands if g.kind == "unit"), key=lambda g: tree_order[g.key])
    display = (
        [g for g in cands if g.kind in ("total", "level")]
        + units
        + [g for g in cands if g.kind == "sector"]
    )
    return Released(display, plan, ledger, plan.min_size)


def release_heatmap(data: WaveData, rel: Released) -> tuple[Heatmap, list[str]]:
    """Scale means by level, suppressed against the wave's ledger and recorded in it."""
    level_names = [g.label for g in rel.of_kind("level") if g.rows]
    heat = rules_by_levels(
        data.instrument,
        data.scores,
        data.level_labels(),
        level_order=level_names,
        respondent_ids=data.ids,
        ledger=rel.ledger,
        min_size=rel.min_size,
    )
    services.record_release(data.wave, heat.plan)
    return heat, level_names


def release_total(wave: Wave) -> tuple[WaveData, ReleasePlan]:
    """A wave's responses with the decision on its one whole-wave figure (for trends)."""
    data = load(wave)
    plan, _ = services.release(wave, [Cell.of("total", data.ids, "hierarchy")])
    return data, plan


@dataclass(frozen=True)
class CountRow:
    """Responses in one group; ``n`` is ``None`` when hidden to protect privacy."""

    kind: str
    label: str
    n: int | None
    depth: int


def response_counts(wave: Wave) -> tuple[list[CountRow], int]:
    """Response counts by level, unit and sector, suppressed; and the wave's minimum size."""
    rel = release_groups(load(wave))
    rows = [CountRow(g.kind, g.label, rel.n(g), g.depth) for g in rel.groups]
    return rows, rel.min_size


def instrument_of(wave: Wave) -> Instrument | None:
    """The instrument a wave was answered with, or ``None`` if that version is not installed."""
    try:
        return services.instrument_for(wave)
    except services.PulseError:
        return None
