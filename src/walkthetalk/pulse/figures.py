"""The figures a wave may show: groups of responses, released through the privacy ledger.

Every count, mean or chart the pulse app shows or exports about a wave is computed here, from
groups (cells) that :func:`walkthetalk.pulse.services.release` has cleared: the whole wave,
each level, each unit with everything below it, each sector. Cells are offered totals first,
then levels, then units from the top of the map down, then sectors, so what is suppressed is
the smallest, most specific group.
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from dataclasses import dataclass, field

import numpy as np

from walkthetalk.analysis.privacy import Cell, ReleaseLedger, ReleasePlan
from walkthetalk.analysis.pulse import (
    Heatmap,
    Instrument,
    Mirroring,
    UnitEstimate,
    WaveChange,
    mirroring_between_levels,
    rules_by_levels,
    score_scales,
    unit_estimates,
    wave_changes,
)
from walkthetalk.caremap.models import Level, Sector, Unit
from walkthetalk.pulse import services
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

    @property
    def n(self) -> int:
        return len(self.ids)


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


@dataclass
class Released:
    """Groups with their privacy decision."""

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


def load(wave: Wave) -> WaveData:
    inst = services.instrument_for(wave)
    rows = list(
        Response.objects.filter(wave=wave)
        .order_by("id")
        .values_list("id", "unit_id", "level_id", "sector_id", "answers")
    )
    answers = {
        item: [r[4].get(item) if isinstance(r[4], dict) else None for r in rows]
        for item in inst.item_ids
    }
    scores = (
        score_scales(inst, answers, validate=False)
        if rows
        else {s.id: np.empty(0) for s in inst.scales}
    )
    return WaveData(
        wave=wave,
        instrument=inst,
        ids=[r[0].hex for r in rows],
        unit_ids=[r[1] for r in rows],
        level_ids=[r[2] for r in rows],
        sector_ids=[r[3] for r in rows],
        scores=scores,
    )


def _unit_groups(data: WaveData) -> list[Group]:
    wave = data.wave
    covered = services.covered_unit_ids(wave)
    units = {u.pk: u for u in Unit.objects.filter(pk__in=covered)}
    children: dict[int | None, list[Unit]] = {}
    for unit in units.values():
        parent = unit.parent_id if unit.parent_id in units else None
        children.setdefault(parent, []).append(unit)
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

    depth: dict[int, int] = {}
    order: list[Unit] = []
    stack = [(u, 0) for u in sorted(children.get(None, []), key=lambda u: u.name, reverse=True)]
    while stack:
        unit, d = stack.pop()
        depth[unit.pk] = d
        order.append(unit)
        stack.extend(
            (c, d + 1)
            for c in sorted(children.get(unit.pk, []), key=lambda u: u.name, reverse=True)
        )
    for root in children.get(None, []):
        collect(root)
    # priority: top of the map first (so the smallest, deepest groups are the ones suppressed)
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
    levels = list(Level.objects.filter(care_system_id=data.wave.care_system_id))
    for level in levels:
        rows = tuple(i for i, lv in enumerate(data.level_ids) if lv == level.pk)
        # key and dimension match walkthetalk.analysis.pulse.heatmap's level cells
        out.append(Group(f"level:{level.name}", "level", level.name, rows, ""))
    units = _unit_groups(data)
    out.extend(sorted(units, key=lambda g: g.depth))
    sectors = list(Sector.objects.filter(care_system_id=data.wave.care_system_id))
    for sector in sectors:
        rows = tuple(i for i, s in enumerate(data.sector_ids) if s == sector.pk)
        if rows:
            out.append(Group(f"sector:{sector.slug}", "sector", sector.name, rows, "sector"))
    return out


def release_groups(data: WaveData) -> Released:
    cands = groups(data)
    cells = [Cell.of(g.key, (data.ids[i] for i in g.rows), g.dimension) for g in cands]
    plan, ledger = services.release(data.wave, cells)
    # display order: total, levels, units in tree order, sectors
    units = [g for g in cands if g.kind == "unit"]
    tree_order = {g.key: i for i, g in enumerate(_unit_groups(data))}
    units.sort(key=lambda g: tree_order[g.key])
    display = (
        [g for g in cands if g.kind in ("total", "level")]
        + units
        + [g for g in cands if g.kind == "sector"]
    )
    return Released(display, plan, ledger, plan.min_size)


# --------------------------------------------------------------------------- counts


@dataclass(frozen=True)
class CountRow:
    kind: str
    label: str
    n: int | None
    depth: int


def response_counts(wave: Wave) -> tuple[list[CountRow], int]:
    """Response counts by level, unit and sector, suppressed; and the wave's minimum size."""
    data = load(wave)
    rel = release_groups(data)
    rows = [CountRow(g.kind, g.label, rel.n(g), g.depth) for g in rel.groups]
    return rows, rel.min_size


# --------------------------------------------------------------------------- dashboard


@dataclass
class HeatRow:
    scale_id: str
    name: str
    rule: str | None
    kind: str
    higher_is: str
    overall: float | None
    cells: list[float | None]


@dataclass
class UnitRow:
    label: str
    depth: int
    n: int
    estimate: UnitEstimate | None


@dataclass
class TrendPoint:
    wave: Wave
    n: int | None
    means: dict[str, float | None]


@dataclass(frozen=True)
class ThroughLine:
    """A rule that mirrors across two or more adjacent pairs of levels (a parallel process)."""

    scale_id: str
    name: str
    pattern: str  # shared_strength | shared_strain
    levels: tuple[str, ...]


def through_lines(
    mirrors: list[Mirroring], level_order: list[str], names: dict[str, str], limit: int = 3
) -> list[ThroughLine]:
    """Rules shared as a strength (first) or a growing edge by two or more adjacent pairs.

    The ``limit`` clearest of each are kept (largest shared departures from each level's own
    average), so the page leads with the through-lines that matter most.
    """
    found: dict[tuple[str, str], set[str]] = {}
    pairs: dict[tuple[str, str], int] = {}
    weight: dict[tuple[str, str], float] = {}
    for m in mirrors:
        for r in m.rules:
            if r.pattern in ("shared_strength", "shared_strain"):
                key = (r.pattern, r.rule)
                found.setdefault(key, set()).update({str(m.unit), str(m.parent)})
                pairs[key] = pairs.get(key, 0) + 1
                weight[key] = weight.get(key, 0.0) + abs(r.unit_deviation) + abs(r.parent_deviation)
    position = {name: i for i, name in enumerate(level_order)}
    out = [
        ThroughLine(
            rule,
            names.get(rule, rule),
            pattern,
            tuple(sorted(lv, key=lambda name: position.get(name, len(position)))),
        )
        for (pattern, rule), lv in found.items()
        if pairs[(pattern, rule)] >= 2
    ]
    # the clearest first: the largest shared departures from each level's own average
    out.sort(key=lambda t: (t.pattern != "shared_strength", -weight[(t.pattern, t.scale_id)]))
    strengths = [t for t in out if t.pattern == "shared_strength"][:limit]
    return strengths + [t for t in out if t.pattern == "shared_strain"][:limit]


@dataclass
class Dashboard:
    wave: Wave
    instrument: Instrument
    min_size: int
    total_n: int | None
    levels: list[str]
    level_ns: list[int | None]
    heat_rows: list[HeatRow]
    mirrors: list[Mirroring]
    scale_names: dict[str, str]
    unit_scale: str
    unit_rows: list[UnitRow]
    trend: list[TrendPoint]
    changes: dict[str, WaveChange] = field(default_factory=dict)
    previous: Wave | None = None
    through: list[ThroughLine] = field(default_factory=list)

    @property
    def has_figures(self) -> bool:
        return any(c is not None for r in self.heat_rows for c in r.cells)


def _mean(values: np.ndarray, min_size: int) -> float | None:
    v = values[~np.isnan(values)]
    return float(v.mean()) if v.size >= min_size else None


def _heatmap(data: WaveData, rel: Released) -> tuple[Heatmap, list[str]]:
    level_names = [g.label for g in rel.of_kind("level") if g.rows]
    names = {lv.pk: lv.name for lv in Level.objects.filter(care_system_id=data.wave.care_system_id)}
    labels = [names.get(lv, NO_LEVEL) if lv is not None else NO_LEVEL for lv in data.level_ids]
    heat = rules_by_levels(
        data.instrument,
        data.scores,
        labels,
        level_order=level_names,
        respondent_ids=data.ids,
        ledger=rel.ledger,
        min_size=rel.min_size,
    )
    services.record_release(data.wave, heat.plan)
    return heat, level_names


def _unit_rows(data: WaveData, rel: Released, scale_id: str) -> list[UnitRow]:
    """Unit scores with uncertainty, shrunk toward the parent unit (or the whole wave)."""
    values = data.scores[scale_id]
    shown = [g for g in rel.of_kind("unit") if rel.shown(g.key) and g.rows]
    means: dict[str, float | None] = {
        g.key: _mean(values[list(g.rows)], rel.min_size) for g in shown
    }
    overall = _mean(values, rel.min_size) if rel.shown("total") else None
    by_depth: dict[int, list[Group]] = {}
    for g in shown:
        if means[g.key] is not None:
            by_depth.setdefault(g.depth, []).append(g)
    estimates: dict[str, UnitEstimate] = {}
    parent_key = {
        g.key: f"unit:{g.unit.parent_id}" if g.unit and g.unit.parent_id else "" for g in shown
    }
    for depth_groups in by_depth.values():
        if overall is None:
            continue
        vals: list[float] = []
        labels: list[str] = []
        parents: dict[Hashable, float] = {}
        for g in depth_groups:
            for i in g.rows:
                vals.append(values[i])
                labels.append(g.key)
            pm = means.get(parent_key[g.key])
            parents[g.key] = pm if pm is not None else overall
        arr = np.asarray(vals, dtype=float)
        ok = ~np.isnan(arr)
        if len(depth_groups) < 2:
            continue  # shrinkage needs at least two units to estimate how much units differ
        for est in unit_estimates(
            arr[ok], [labels[i] for i in np.flatnonzero(ok)], parent_mean=parents
        ):
            estimates[str(est.unit)] = est
    return [UnitRow(g.label, g.depth, len(g.rows), estimates.get(g.key)) for g in shown]


def _trend(wave: Wave) -> tuple[list[TrendPoint], dict[str, WaveChange], Wave | None]:
    waves = list(
        Wave.objects.filter(
            care_system_id=wave.care_system_id,
            instrument_key=wave.instrument_key,
            opened_on__lte=wave.opened_on,
        ).order_by("opened_on", "id")
    )
    waves = [w for w in waves if w.opened_on < wave.opened_on or w.pk <= wave.pk]
    waves = waves[-6:]
    points: list[TrendPoint] = []
    totals: dict[int, dict[str, np.ndarray]] = {}
    for w in waves:
        data = load(w)
        plan, _ = services.release(w, [Cell.of("total", data.ids, "hierarchy")])
        if not plan.is_released("total") or data.n == 0:
            points.append(TrendPoint(w, None, {s.id: None for s in data.instrument.scales}))
            continue
        totals[w.pk] = data.scores
        points.append(
            TrendPoint(
                w,
                data.n,
                {k: _mean(v, plan.min_size) for k, v in data.scores.items()},
            )
        )
    changes: dict[str, WaveChange] = {}
    previous = None
    earlier = [p for p in points[:-1] if p.n is not None]
    if earlier and wave.pk in totals:
        previous = earlier[-1].wave
        changes = wave_changes(
            totals[previous.pk], totals[wave.pk], min_size=max(wave.min_group_size, 2)
        )
    return points, changes, previous


def dashboard(wave: Wave, scale_id: str | None = None) -> Dashboard:
    data = load(wave)
    rel = release_groups(data)
    heat, level_names = _heatmap(data, rel)
    level_groups = {g.label: g for g in rel.of_kind("level")}
    level_ns = [rel.n(level_groups[name]) for name in level_names]
    heat_rows = [
        HeatRow(
            r.scale_id,
            r.name,
            r.rule,
            r.kind,
            r.higher_is,
            r.overall_mean,
            [c.mean if not c.suppressed else None for c in r.cells],
        )
        for r in heat.rows
    ]
    # Mirroring: each shown level against the nearest shown level above it.
    profiles: dict[str, dict[str, float]] = {}
    for i, name in enumerate(level_names):
        profile = {
            r.scale_id: r.cells[i] for r in heat_rows if r.kind == "rule" and r.cells[i] is not None
        }
        if len(profile) >= 3:
            profiles[name] = {k: v for k, v in profile.items() if v is not None}
    ordered = [name for name in level_names if name in profiles]
    parent_of = {below: above for above, below in zip(ordered, ordered[1:], strict=False)}
    mirrors = mirroring_between_levels(profiles, parent_of)
    position = {name: i for i, name in enumerate(level_names)}
    mirrors.sort(key=lambda m: position[str(m.unit)])
    scale_names = {s.id: s.name for s in data.instrument.scales}
    rule_ids = [r.scale_id for r in heat_rows if r.kind == "rule"]
    if scale_id not in scale_names:
        scale_id = rule_ids[0] if rule_ids else data.instrument.scales[0].id
    unit_rows = _unit_rows(data, rel, scale_id) if data.n else []
    trend, changes, previous = _trend(wave)
    total = rel.groups[0]
    return Dashboard(
        wave=wave,
        instrument=data.instrument,
        min_size=rel.min_size,
        total_n=rel.n(total),
        levels=level_names,
        level_ns=level_ns,
        heat_rows=heat_rows,
        mirrors=mirrors,
        scale_names=scale_names,
        unit_scale=scale_id,
        unit_rows=unit_rows,
        trend=trend,
        changes=changes,
        previous=previous,
        through=through_lines(mirrors, level_names, scale_names),
    )


# --------------------------------------------------------------------------- export


CSV_HEADER = (
    "wave",
    "group_type",
    "group",
    "responses",
    "scale",
    "scale_name",
    "rule",
    "higher_is",
    "mean",
    "status",
)


def export_rows(wave: Wave) -> list[tuple[object, ...]]:
    """Suppressed aggregates for CSV: one row per group and scale."""
    data = load(wave)
    rel = release_groups(data)
    out: list[tuple[object, ...]] = []
    for g in rel.groups:
        shown = rel.shown(g.key)
        for scale in data.instrument.scales:
            mean = _mean(data.scores[scale.id][list(g.rows)], rel.min_size) if shown else None
            status = (
                "shown"
                if mean is not None
                else ("no answers" if shown and not g.rows else "hidden to protect privacy")
            )
            out.append(
                (
                    wave.title,
                    g.kind,
                    g.label,
                    len(g.rows) if shown else "",
                    scale.id,
                    scale.name,
                    scale.rule or "",
                    scale.higher_is,
                    "" if mean is None else f"{mean:.2f}",
                    status,
                )
            )
    return out


def fmt(value: float | None, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:.{digits}f}"
