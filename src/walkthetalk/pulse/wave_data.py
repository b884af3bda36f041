"""Loading a wave for its figures: responses as arrays, and the groups they may be shown by.

A wave's responses become scale scores in one fixed row order (:func:`load`); the candidate
groups (:func:`groups`) are the whole wave, each level, each unit with everything below it and
each sector, in release priority order: totals first, then levels, then units from the top of
the map down, then sectors, so what is suppressed is the smallest, most specific group.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from walkthetalk.analysis.pulse import Instrument, score_scales
from walkthetalk.caremap.models import Level, Sector, Unit
from walkthetalk.pulse import selectors, services, steps
from walkthetalk.pulse.models import Response, Wave

NO_LEVEL = "(level not given)"


@dataclass
class WaveData:
    """A wave's responses as arrays (rows in one fixed order)."""

    wave: Wave
    instrument: Instrument
    ids: list[str]
    unit_ids: list[int | None]
    level_ids: list[int | None]
    sector_ids: list[int | None]
    scores: dict[str, np.ndarray]
    answers: dict[str, list[object]]
    """Item id → each row's stored answer (a value, ``None`` or ``NOT_APPLICABLE``)."""
    steps: dict[str, np.ndarray]
    """Step question id → each row's answer to "did this step help?" (NaN where not asked,
    unanswered, "I don't know" or "prefer not to say"); see :mod:`walkthetalk.pulse.steps`."""

    @property
    def n(self) -> int:
        return len(self.ids)

    def level_labels(self) -> list[str]:
        """Each row's level name (:data:`NO_LEVEL` when not given)."""
        names = dict(
            Level.objects.filter(care_system_id=self.wave.care_system_id).values_list("pk", "name")
        )
        return [names.get(lv, NO_LEVEL) if lv is not None else NO_LEVEL for lv in self.level_ids]


@dataclass(frozen=True)
class Group:
    """A group of responses that may be described: one candidate cell."""

    key: str
    kind: str  # total | level | unit | sector
    label: str
    rows: tuple[int, ...]
    dimension: str
    depth: int = 0
    unit: Unit | None = None

    @property
    def parent_key(self) -> str:
        """The key of the unit above this unit group ('' at the top or for other kinds)."""
        return f"unit:{self.unit.parent_id}" if self.unit and self.unit.parent_id else ""


def load(wave: Wave) -> WaveData:
    """The wave's responses, scored, in the order they were stored."""
    inst = services.instrument_for(wave)
    rows = list(
        Response.objects.filter(wave=wave)
        .order_by("id")
        .values_list("id", "unit_id", "level_id", "sector_id", "answers")
    )
    answers: dict[str, list[object]] = {
        item: [r[4].get(item) if isinstance(r[4], dict) else None for r in rows]
        for item in inst.item_ids
    }
    scores = (
        score_scales(inst, answers, validate=False)
        if rows
        else {s.id: np.empty(0) for s in inst.scales}
    )
    step_values = {
        q.id: np.array([_step_value(r[4], q.id) for r in rows], dtype=float)
        for q in steps.questions(wave.step_questions or [])
    }
    return WaveData(
        wave=wave,
        instrument=inst,
        ids=[r[0].hex for r in rows],
        unit_ids=[r[1] for r in rows],
        level_ids=[r[2] for r in rows],
        sector_ids=[r[3] for r in rows],
        scores=scores,
        answers=answers,
        steps=step_values,
    )


def _step_value(stored: object, key: str) -> float:
    value = stored.get(key) if isinstance(stored, dict) else None
    return (
        float(value) if isinstance(value, int | float) and not isinstance(value, bool) else np.nan
    )


def _tree(units: dict[int, Unit]) -> dict[int | None, list[Unit]]:
    children: dict[int | None, list[Unit]] = {}
    for unit in units.values():
        parent = unit.parent_id if unit.parent_id in units else None
        children.setdefault(parent, []).append(unit)
    return children


def unit_groups(data: WaveData) -> list[Group]:
    """One group per covered unit (with everything below it), in tree order from the top."""
    units = {u.pk: u for u in Unit.objects.filter(pk__in=selectors.covered_unit_ids(data.wave))}
    children = _tree(units)
    rows_of: dict[int, list[int]] = {}
    for i, unit_id in enumerate(data.unit_ids):
        if unit_id is not None:
            rows_of.setdefault(unit_id, []).append(i)
    subtree: dict[int, list[int]] = {}

    def collect(unit: Unit) -> list[int]:
        rows = list(rows_of.get(unit.pk, []))
        for child in children.get(unit.pk, []):
            rows.extend(collect(child))
        subtree[unit.pk] = rows
        return rows

    def by_name(siblings: list[Unit]) -> list[Unit]:
        return sorted(siblings, key=lambda u: u.name, reverse=True)

    depth: dict[int, int] = {}
    order: list[Unit] = []
    stack = [(u, 0) for u in by_name(children.get(None, []))]
    while stack:
        unit, d = stack.pop()
        depth[unit.pk] = d
        order.append(unit)
        stack.extend((c, d + 1) for c in by_name(children.get(unit.pk, [])))
    for root in children.get(None, []):
        collect(root)
    return [
        Group(
            key=f"unit:{u.pk}",
            kind="unit",
            label=u.name,
            rows=tuple(sorted(subtree[u.pk])),
            dimension="hierarchy",
            depth=depth[u.pk],
            unit=u,
        )
        for u in order
    ]


def groups(data: WaveData) -> list[Group]:
    """Every candidate group of a wave, in release priority order (display order kept apart)."""
    out = [Group("total", "total", "Everyone who answered", tuple(range(data.n)), "hierarchy")]
    for level in Level.objects.filter(care_system_id=data.wave.care_system_id):
        rows = tuple(i for i, lv in enumerate(data.level_ids) if lv == level.pk)
        # key and dimension match walkthetalk.analysis.pulse.heatmap's level cells
        out.append(Group(f"level:{level.name}", "level", level.name, rows, ""))
    # priority: top of the map first (so the smallest, deepest groups are the ones suppressed)
    out.extend(sorted(unit_groups(data), key=lambda g: g.depth))
    for sector in Sector.objects.filter(care_system_id=data.wave.care_system_id):
        rows = tuple(i for i, s in enumerate(data.sector_ids) if s == sector.pk)
        if rows:
            out.append(Group(f"sector:{sector.slug}", "sector", sector.name, rows, "sector"))
    return out
