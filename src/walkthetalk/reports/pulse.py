"""What a pulse wave shows and exports: the dashboard's view model and the aggregate rows.

Both are built from groups :mod:`walkthetalk.pulse.release` has cleared. :func:`aggregates`
gives typed rows (means as numbers) that the CSV download formats and the API serves as they
are, so the two can never disagree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from walkthetalk.analysis.pulse import (
    Instrument,
    Mirroring,
    UnitEstimate,
    UnitGroup,
    WaveChange,
    common_items,
    level_profiles,
    mean_if_enough,
    mirroring_between_levels,
    shrunken_unit_estimates,
    wave_changes,
)
from walkthetalk.pulse import release as pulse_release
from walkthetalk.pulse import selectors
from walkthetalk.pulse.evidence import Chain, Evidence, stored_evidence
from walkthetalk.pulse.models import Wave
from walkthetalk.pulse.release import Released, release_groups, release_heatmap
from walkthetalk.pulse.wave_data import WaveData, load

TREND_WAVES = 6

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
    ses: list[float | None] = field(default_factory=list)
    """Each cell's standard error (``None`` where hidden or from a single answer)."""
    not_comparable: list[tuple[str, ...]] = field(default_factory=list)
    """Per cell, the adjacent levels this level's score may not be compared with."""

    @property
    def cells_with_se(self) -> list[tuple[float | None, float | None, tuple[str, ...]]]:
        n = len(self.cells)
        return list(
            zip(
                self.cells,
                self.ses or [None] * n,
                self.not_comparable or [()] * n,
                strict=False,
            )
        )


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
    evidence: Evidence | None = None
    other_versions: list[tuple[Wave, int]] = field(default_factory=list)
    """Earlier waves under another version of the instrument, left out of the trend, with
    how many statements the two versions share."""

    @property
    def chains(self) -> list[Chain]:
        """Calibrated through-lines: healthy ways mirrored along adjacent levels."""
        return self.evidence.chains if self.evidence else []

    @property
    def has_figures(self) -> bool:
        return any(c is not None for r in self.heat_rows for c in r.cells)

    @property
    def rule_rows(self) -> list[HeatRow]:
        return [r for r in self.heat_rows if r.kind == "rule"]


def strengths(d: Dashboard, top: int = 3) -> list[tuple[str, float]]:
    """The healthy ways the wave lives most, strongest first, with their wave-wide means.

    The means are the ones the trend shows for this wave (released over its whole-wave group);
    strain and count scales are left out (a high strain score is no strength).
    """
    if not d.trend or d.trend[-1].wave.pk != d.wave.pk:
        return []
    means = d.trend[-1].means
    ranked: list[tuple[str, float]] = []
    for r in d.heat_rows:
        mean = means.get(r.scale_id)
        if r.kind == "rule" and r.higher_is == "healthy" and mean is not None:
            ranked.append((r.name, mean))
    return sorted(ranked, key=lambda pair: -pair[1])[:top]


def _unit_rows(data: WaveData, rel: Released, scale_id: str) -> list[UnitRow]:
    """Unit scores with uncertainty, shrunk toward the parent unit (or the whole wave).

    Each unit's answers are those released for it on this scale (see
    :mod:`walkthetalk.pulse.release`); the whole wave's mean is over its released answers.
    """
    values = data.scores[scale_id]
    shown = [g for g in rel.of_kind("unit") if rel.n(g)]
    total = rel.scale_rows(scale_id, "total")
    overall = mean_if_enough(values[total], rel.min_size) if rel.n(rel.groups[0]) else None
    estimates = shrunken_unit_estimates(
        values,
        [
            UnitGroup(g.key, tuple(rel.scale_rows(scale_id, g.key).tolist()), g.parent_key, g.depth)
            for g in shown
        ],
        overall,
        rel.min_size,
    )
    return [UnitRow(g.label, g.depth, rel.n(g) or 0, estimates.get(g.key)) for g in shown]


def _trend(wave: Wave) -> tuple[list[TrendPoint], dict[str, WaveChange], Wave | None]:
    """Wave-wide means of this wave and up to five before it, and the change since the last.

    Each wave's figures are over the answers released for its whole-wave group.
    """
    points: list[TrendPoint] = []
    totals: dict[int, dict[str, np.ndarray]] = {}
    same = [
        w for w in selectors.waves_up_to(wave) if w.instrument_version == wave.instrument_version
    ]
    for w in same[-TREND_WAVES:]:
        data, rel = pulse_release.release_total(w)
        n = rel.n(rel.groups[0])
        if not n:
            points.append(TrendPoint(w, None, {s.id: None for s in data.instrument.scales}))
            continue
        scores = rel.scores(data, ["total"])
        totals[w.pk] = scores
        means = {k: mean_if_enough(v, rel.min_size) for k, v in scores.items()}
        points.append(TrendPoint(w, n, means))
    earlier = [p for p in points[:-1] if p.n is not None]
    if not earlier or wave.pk not in totals:
        return points, {}, None
    previous = earlier[-1].wave
    changes = wave_changes(
        totals[previous.pk], totals[wave.pk], min_size=max(wave.min_group_size, 2)
    )
    return points, changes, previous


def _mirrors(level_names: list[str], heat_rows: list[HeatRow]) -> list[Mirroring]:
    """Each shown level against the nearest shown level above it."""
    cells = {r.scale_id: r.cells for r in heat_rows if r.kind == "rule"}
    profiles, parent_of = level_profiles(level_names, cells)
    mirrors = mirroring_between_levels(profiles, parent_of)
    position = {name: i for i, name in enumerate(level_names)}
    return sorted(mirrors, key=lambda m: position[str(m.unit)])


def dashboard(wave: Wave, scale_id: str | None = None) -> Dashboard:
    """The wave's dashboard: heatmap by level, mirroring, unit scores and the trend."""
    data = load(wave)
    rel = release_groups(data)
    heat, level_names = release_heatmap(data, rel)
    level_groups = {g.label: g for g in rel.of_kind("level")}
    heat_rows = [
        HeatRow(
            r.scale_id,
            r.name,
            r.rule,
            r.kind,
            r.higher_is,
            r.overall_mean,
            [c.mean if not c.suppressed else None for c in r.cells],
            [c.se if not c.suppressed else None for c in r.cells],
        )
        for r in heat.rows
    ]
    mirrors = _mirrors(level_names, heat_rows)
    scale_names = {s.id: s.name for s in data.instrument.scales}
    rule_ids = [r.scale_id for r in heat_rows if r.kind == "rule"]
    if scale_id not in scale_names:
        scale_id = rule_ids[0] if rule_ids else data.instrument.scales[0].id
    trend, changes, previous = _trend(wave)
    ev = stored_evidence(data, rel, scale_id)
    for row in heat_rows:
        row.not_comparable = [ev.not_comparable_with(lv, row.scale_id) for lv in level_names]
    return Dashboard(
        wave=wave,
        instrument=data.instrument,
        min_size=rel.min_size,
        total_n=rel.n(rel.groups[0]),
        levels=level_names,
        level_ns=[rel.n(level_groups[name]) for name in level_names],
        heat_rows=heat_rows,
        mirrors=mirrors,
        scale_names=scale_names,
        unit_scale=scale_id,
        unit_rows=_unit_rows(data, rel, scale_id) if data.n else [],
        trend=trend,
        changes=changes,
        previous=previous,
        evidence=ev,
        other_versions=_other_versions(wave, data.instrument),
    )


def _other_versions(wave: Wave, instrument: Instrument) -> list[tuple[Wave, int]]:
    """Earlier waves under another version, with the number of statements both versions share
    (comparisons across versions are made on shared statements only, never on scale scores)."""
    out = []
    for w in selectors.waves_up_to(wave):
        if w.instrument_version != wave.instrument_version:
            other = pulse_release.instrument_of(w)
            out.append((w, len(common_items(other, instrument)) if other else 0))
    return out


# --------------------------------------------------------------------------- aggregates

SHOWN = "shown"
NO_ANSWERS = "no answers"
HIDDEN = "hidden to protect privacy"


@dataclass(frozen=True)
class Aggregate:
    """One group's mean on one scale, as shown, downloaded and served by the API.

    ``responses`` is how many responses of the group the figures describe, ``answers`` how
    many of them answered the scale (the mean is over those).
    """

    wave: str
    group_type: str
    group: str
    responses: int | None
    answers: int | None
    scale: str
    scale_name: str
    rule: str | None
    higher_is: str
    mean: float | None
    status: str
    not_comparable_with: tuple[str, ...] = ()
    """For a level: the adjacent levels whose scores on this scale may not be compared with
    it (measurement invariance failed; see docs/method.md)."""


def aggregates(wave: Wave) -> list[Aggregate]:
    """Released aggregates: one row per group and scale (``None`` where hidden)."""
    data = load(wave)
    rel = release_groups(data)
    ev = stored_evidence(data, rel)
    out: list[Aggregate] = []
    for g in rel.groups:
        shown = rel.shown(g.key)
        for scale in data.instrument.scales:
            rows = rel.scale_rows(scale.id, g.key)
            mean = mean_if_enough(data.scores[scale.id][rows], rel.min_size) if rows.size else None
            # A figure may describe only part of its group (the newest answers wait for a step
            # of the minimum group size); whether it does is not said, as that would tell
            # something about the answers that wait.
            if mean is not None:
                status = SHOWN
            else:
                status = NO_ANSWERS if shown and not g.rows else HIDDEN
            out.append(
                Aggregate(
                    wave=wave.title,
                    group_type=g.kind,
                    group=g.label,
                    responses=rel.n(g),
                    answers=int(rows.size) if mean is not None else None,
                    scale=scale.id,
                    scale_name=scale.name,
                    rule=scale.rule or None,
                    higher_is=scale.higher_is,
                    mean=mean,
                    status=status,
                    not_comparable_with=(
                        ev.not_comparable_with(g.label, scale.id)
                        if g.kind == "level" and mean is not None
                        else ()
                    ),
                )
            )
    return out


CSV_HEADER = (
    "wave",
    "group_type",
    "group",
    "responses",
    "answers",
    "scale",
    "scale_name",
    "rule",
    "higher_is",
    "mean",
    "status",
    "not_comparable_with",
)


def csv_row(row: Aggregate) -> tuple[object, ...]:
    """An aggregate as a CSV line: hidden figures blank, means to two decimals."""
    return (
        row.wave,
        row.group_type,
        row.group,
        "" if row.responses is None else row.responses,
        "" if row.answers is None else row.answers,
        row.scale,
        row.scale_name,
        row.rule or "",
        row.higher_is,
        "" if row.mean is None else f"{row.mean:.2f}",
        row.status,
        "; ".join(row.not_comparable_with),
    )


def fmt(value: float | None, digits: int = 2) -> str:
    """A number for a page ("—" when hidden or undefined)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{value:.{digits}f}"
