"""What a pulse wave shows and exports: the dashboard's view model and the aggregate rows.

Both are built from groups :mod:`walkthetalk.pulse.release` has cleared. :func:`aggregates`
gives typed rows (means as numbers) that the CSV download formats and the API serves as they
are, so the two can never disagree.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from walkthetalk.analysis.pulse import (
    Instrument,
    Mirroring,
    Share,
    ShareDifference,
    UnitEstimate,
    UnitGroup,
    WaveChange,
    common_items,
    favourable_share,
    level_profiles,
    mean_if_enough,
    mirroring_between_levels,
    share_difference,
    shrunken_unit_estimates,
    wave_changes,
)
from walkthetalk.analysis.pulse.favourable import threshold
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


@dataclass(frozen=True)
class GroupView:
    """A released group one can filter or drill to: the whole wave, a level, a unit (with
    everything below it) or a sector; ``n`` is ``None`` when its count is hidden."""

    key: str
    kind: str
    label: str
    n: int | None
    depth: int = 0
    parent_key: str = ""
    unit_id: int | None = None
    sector: str = ""


Shares = dict[str, dict[str, Share]]
"""Group key → scale id → its favourable share (mean-scored scales only)."""


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
    groups: list[GroupView] = field(default_factory=list)
    favourable: Shares = field(default_factory=dict)
    favourable_changes: dict[str, dict[str, ShareDifference]] = field(default_factory=dict)
    """Group key → scale id → change of its share since :attr:`previous` (both released)."""
    favourable_at: float = 4.0
    """The lowest scale score counted as favourable (see
    :mod:`walkthetalk.analysis.pulse.favourable`)."""
    trend_favourable: list[dict[str, Share]] = field(default_factory=list)
    """Per wave of :attr:`trend`, the whole wave's favourable share per scale."""

    def group(self, key: str) -> GroupView | None:
        return next((g for g in self.groups if g.key == key), None)

    def children(self, key: str) -> list[GroupView]:
        """Units directly below a unit (``key``), or the top units under the whole wave."""
        parent = "" if key == "total" else key
        top = {g.key for g in self.groups if g.kind == "unit"}
        return [
            g
            for g in self.groups
            if g.kind == "unit"
            and (g.parent_key == parent or (parent == "" and g.parent_key not in top))
        ]

    def path(self, key: str) -> list[GroupView]:
        """The units from the top down to ``key`` (empty for the whole wave)."""
        out: list[GroupView] = []
        g = self.group(key)
        while g is not None and g.kind == "unit":
            out.append(g)
            g = self.group(g.parent_key) if g.parent_key else None
        return out[::-1]

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


def _favourable_scales(inst: Instrument) -> list[str]:
    return [s.id for s in inst.scales if s.scoring == "mean"]


def favourable_shares(data: WaveData, rel: Released) -> Shares:
    """Every released group's favourable share on every mean-scored scale, over exactly the
    answers released for that group and scale (see :mod:`walkthetalk.pulse.release`)."""
    inst = data.instrument
    at_least = {
        s: threshold([o.value for o in inst.options_for(inst.scale(s))])
        for s in _favourable_scales(inst)
    }
    out: Shares = {}
    for g in rel.groups:
        if not rel.shown(g.key):
            continue
        out[g.key] = {
            scale_id: favourable_share(
                data.scores[scale_id][rel.scale_rows(scale_id, g.key)],
                at_least=at_least[scale_id],
                min_size=rel.min_size,
            )
            for scale_id in _favourable_scales(data.instrument)
        }
    return out


def wave_shares(wave: Wave) -> Shares:
    """A wave's favourable shares, released through its ledger as its own dashboard is."""
    data = load(wave)
    return favourable_shares(data, release_groups(data))


def _group_views(rel: Released) -> list[GroupView]:
    return [
        GroupView(
            g.key,
            g.kind,
            g.label,
            rel.n(g),
            g.depth,
            g.parent_key,
            g.unit.pk if g.unit is not None else None,
            g.key.split(":", 1)[1] if g.kind == "sector" else "",
        )
        for g in rel.groups
    ]


def _changes(before: Shares, after: Shares) -> dict[str, dict[str, ShareDifference]]:
    """Per group and scale released in both waves, the change of the share."""
    return {
        key: {
            scale_id: share_difference(before[key].get(scale_id), share)
            for scale_id, share in shares.items()
        }
        for key, shares in after.items()
        if key in before
    }


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


def dashboard(
    wave: Wave,
    scale_id: str | None = None,
    shares_of: Callable[[Wave], Shares] = wave_shares,
) -> Dashboard:
    """The wave's dashboard: % favourable by group with the change since the last wave,
    heatmap by level, mirroring, unit scores and the trend.

    ``shares_of`` gives an earlier wave's released shares (the figures store passes its stored
    ones, so an earlier wave is not released again for every later one).
    """
    data = load(wave)
    rel = release_groups(data)
    shares = favourable_shares(data, rel) if data.n else {}
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
    earlier = {p.wave.pk: shares_of(p.wave) for p in trend[:-1] if p.n is not None}
    earlier[wave.pk] = shares
    trend_shares = [earlier.get(p.wave.pk, {}).get("total", {}) for p in trend]
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
        groups=_group_views(rel),
        favourable=shares,
        favourable_changes=_changes(earlier[previous.pk], shares) if previous else {},
        favourable_at=threshold([o.value for o in data.instrument.response_options]),
        trend_favourable=trend_shares,
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


# --------------------------------------------------------------------------- % favourable


@dataclass(frozen=True)
class LeadRow:
    """One healthy way for one group: its favourable share and the change since the last wave,
    or why either is not shown (in plain words)."""

    scale_id: str
    name: str
    rule: str | None
    worse: bool
    """True for strain: the share is of people under strain, and higher is worse."""
    share: Share | None
    change: ShareDifference | None
    hidden: str
    change_note: str


def hidden_words(d: Dashboard, group: GroupView | None, share: Share | None) -> str:
    """Why a group's share is not shown, in plain words ("" when it is shown)."""
    k = d.min_size
    if group is None or group.n is None:
        return (
            f"Hidden: fewer than {k} people answered here, or showing it would let someone "
            "work out a smaller group by subtraction."
        )
    if share is None or share.hidden == "too few":
        return f"Hidden: fewer than {k} people answered these statements here."
    if share.hidden == "unanimous":
        return (
            "Hidden: everyone here answered the same way, so the share would tell each "
            "person's answer."
        )
    return ""


def lead(d: Dashboard, key: str = "total") -> list[LeadRow]:
    """The favourable share of every healthy way for one group (the whole wave, a unit or a
    sector), with its change since the last wave where both waves released it."""
    group = d.group(key)
    shares = d.favourable.get(key, {})
    changes = d.favourable_changes.get(key, {})
    rows = []
    for r in d.heat_rows:
        if d.instrument.scale(r.scale_id).scoring != "mean":
            continue  # a count of strengths has no favourable share (its mean is below)
        share = shares.get(r.scale_id)
        change = changes.get(r.scale_id)
        if d.previous is None:
            note = "No earlier wave to compare with."
        elif change is not None and change.shown:
            note = ""
        elif key not in d.favourable_changes:
            note = f"No change shown: {d.previous.title} did not show this group."
        else:
            note = "No change shown: both waves must show this figure."
        rows.append(
            LeadRow(
                r.scale_id,
                r.name,
                r.rule,
                r.higher_is == "strain",
                share,
                change,
                hidden_words(d, group, share),
                note,
            )
        )
    return rows


@dataclass(frozen=True)
class DrillRow:
    """A unit one level below the group on view: its share on one healthy way and the change
    since the last wave (or why not, in plain words)."""

    group: GroupView
    share: Share | None
    hidden: str
    change: ShareDifference | None
    change_note: str


def drill(d: Dashboard, key: str, scale_id: str) -> tuple[list[DrillRow], bool]:
    """The units directly below ``key`` whose count is released (a unit whose count is hidden
    is not even named: that would say how few answered there), and whether any was left out."""
    below = d.children(key) if key == "total" or key.startswith("unit:") else []
    rows = []
    for g in below:
        if not g.n:
            continue
        share = d.favourable.get(g.key, {}).get(scale_id)
        change = d.favourable_changes.get(g.key, {}).get(scale_id)
        if d.previous is None:
            note = "No earlier wave."
        elif change is not None and change.shown:
            note = ""
        else:
            note = "Not shown in both waves."
        rows.append(DrillRow(g, share, hidden_words(d, g, share), change, note))
    return rows, len(rows) < len(below)


@dataclass(frozen=True)
class LevelCell:
    """One level's share on one healthy way, with its change since the last wave when both
    waves showed it (``None`` otherwise)."""

    level: str
    share: Share | None
    change: ShareDifference | None


def level_rows(d: Dashboard) -> list[tuple[LeadRow, list[LevelCell]]]:
    """The heatmap as a table: per healthy way, each shown level's share and its change."""
    out = []
    for row in lead(d):
        cells = []
        for level in d.levels:
            key = f"level:{level}"
            share = d.favourable.get(key, {}).get(row.scale_id)
            change = d.favourable_changes.get(key, {}).get(row.scale_id)
            cells.append(LevelCell(level, share, change if change and change.shown else None))
        out.append((row, cells))
    return out
