"""The evidence behind a wave's claims: calibrated mirroring, measurement invariance between
levels, aggregation evidence, the cross-level estimate along the unit tree and item
non-response — each computed only over groups the wave's privacy ledger has released.

Methods and their limits are described in ``docs/method.md``; the math lives in
:mod:`walkthetalk.analysis.pulse`.

The evidence is slow to compute (factor models, permutation tests: about a second), so
:func:`stored_evidence` computes it once per wave state — keyed by the wave, its number of
responses, its minimum group size and whether it has closed — and keeps it in the site's shared
"figures" cache. A closed wave's evidence is therefore computed once; an open wave's is
recomputed on the first view after new answers came in. Whether two levels' scores are
comparable is decided here only (:meth:`Evidence.not_comparable_with`): the dashboard, the CSV
download and the API all read it from the same stored evidence.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from django.core.cache import caches

from walkthetalk.analysis.privacy import Cell
from walkthetalk.analysis.pulse import (
    NOT_APPLICABLE,
    AggregationEvidence,
    CFAError,
    CrossLevel,
    InvarianceLadder,
    MirroringTest,
    adjacent_pairs,
    aggregation_evidence,
    claim_mirroring,
    cross_level_slope,
    invariance_ladder,
    keyed_items,
    mirroring_chains,
)
from walkthetalk.pulse import services
from walkthetalk.pulse.release import Released, release_heatmap
from walkthetalk.pulse.wave_data import WaveData, unit_groups

PERMUTATIONS = 999
MIN_PER_LEVEL_FOR_INVARIANCE = 100
"""Complete answers per level before a multi-group factor model is fitted (a common minimum
for ML confirmatory factor analysis; with fewer, ΔCFI is too noisy to decide anything)."""
MIN_UNITS_FOR_CROSS_LEVEL = 10


@dataclass(frozen=True)
class Chain:
    """A healthy way that mirrors along a run of adjacent levels (a calibrated through-line)."""

    scale_id: str
    name: str
    pattern: str  # shared_strength | shared_strain
    levels: tuple[str, ...]
    size: float

    @property
    def levels_text(self) -> str:
        """ "A and B" or "A, B and C" — levels named plainly, with no arrows."""
        names = list(self.levels)
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


@dataclass(frozen=True)
class PairView:
    """Two adjacent shown levels: how their profiles agree, and what passed the test."""

    upper: str
    lower: str
    profile_r: float
    p_value: float
    strengths: tuple[str, ...]
    edges: tuple[str, ...]
    not_comparable: tuple[str, ...]

    @property
    def profile_is_clear(self) -> bool:
        return self.p_value <= 0.05


@dataclass(frozen=True)
class InvarianceRow:
    """Whether one scale measures the same thing at two adjacent levels."""

    upper: str
    lower: str
    scale_id: str
    name: str
    ladder: InvarianceLadder | None
    note: str

    @property
    def comparable(self) -> bool | None:
        return None if self.ladder is None else self.ladder.scalar_holds


@dataclass(frozen=True)
class EvidenceRow:
    """Aggregation evidence for one scale (``None`` with a note when it cannot be computed)."""

    scale_id: str
    name: str
    evidence: AggregationEvidence | None
    note: str = ""


@dataclass(frozen=True)
class CrossLevelRow:
    """The cross-level estimate between two adjacent levels on one scale."""

    upper: str
    lower: str
    estimate: CrossLevel | None
    units: int


@dataclass(frozen=True)
class NonresponseRow:
    """Share of a level's answers to a scale's statements that were not given, by reason."""

    level: str
    scale_id: str
    name: str
    prefer_not: float
    not_applicable: float


@dataclass
class Evidence:
    """Everything above, for one wave."""

    mirror_test: MirroringTest | None
    chains: list[Chain]
    pairs: list[PairView]
    invariance: list[InvarianceRow]
    units: list[EvidenceRow]
    levels: list[EvidenceRow]
    cross_level: list[CrossLevelRow]
    nonresponse: list[NonresponseRow]
    responses: int = 0
    """How many responses the wave had when this evidence was computed."""
    wave_closed: bool = False
    """Whether it was computed after the wave closed (then it is final)."""
    comparisons: dict[tuple[str, str], tuple[str, ...]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.comparisons = not_comparable_levels(self.invariance)

    def not_comparable_with(self, level: str, scale_id: str) -> tuple[str, ...]:
        """Adjacent levels whose scores on ``scale_id`` may not be compared with ``level``'s
        (scalar invariance failed between them): the one place this is decided."""
        return self.comparisons.get((level, scale_id), ())


def not_comparable_levels(
    invariance: Sequence[InvarianceRow],
) -> dict[tuple[str, str], tuple[str, ...]]:
    """(level, scale) → the adjacent levels it may not be compared with, in test order."""
    out: dict[tuple[str, str], tuple[str, ...]] = {}
    for row in invariance:
        if row.comparable is False:
            for mine, other in ((row.upper, row.lower), (row.lower, row.upper)):
                out[(mine, row.scale_id)] = (*out.get((mine, row.scale_id), ()), other)
    return out


def _shown_levels(rel: Released) -> tuple[list[str], list[str]]:
    order = [g.label for g in rel.of_kind("level")]
    shown = [g.label for g in rel.of_kind("level") if g.rows and rel.shown(g.key)]
    return order, shown


def _mean_scales(data: WaveData) -> list[str]:
    return [s.id for s in data.instrument.scales if s.scoring == "mean" and len(s.items) >= 3]


def invariance_rows(data: WaveData, pairs: Sequence[tuple[str, str]]) -> list[InvarianceRow]:
    """Configural → metric → scalar fits of each scale across each pair of adjacent levels."""
    labels = np.array(data.level_labels(), dtype=object)
    rows = []
    for upper, lower in pairs:
        for scale_id in _mean_scales(data):
            scale = data.instrument.scale(scale_id)
            items = keyed_items(data.instrument, scale, data.answers)
            both = (labels == upper) | (labels == lower)
            complete = both & ~np.isnan(items).any(axis=1)
            counts = [int((complete & (labels == lv)).sum()) for lv in (upper, lower)]
            if min(counts) < MIN_PER_LEVEL_FOR_INVARIANCE:
                rows.append(
                    InvarianceRow(
                        upper,
                        lower,
                        scale_id,
                        scale.name,
                        None,
                        f"not tested: needs {MIN_PER_LEVEL_FOR_INVARIANCE} complete answers "
                        "at each level",
                    )
                )
                continue
            factor = {"f": list(range(len(scale.items)))}
            try:
                ladder = invariance_ladder(items[complete], factor, list(labels[complete]))
            except CFAError as exc:
                rows.append(InvarianceRow(upper, lower, scale_id, scale.name, None, str(exc)))
                continue
            note = "comparable" if ladder.scalar_holds else "not comparable"
            rows.append(InvarianceRow(upper, lower, scale_id, scale.name, ladder, note))
    return rows


def mirroring(
    data: WaveData,
    rel: Released,
    heat_levels: Sequence[str],
    heat_cells: Mapping[str, Sequence[float | None]],
    invariance: Sequence[InvarianceRow],
) -> tuple[MirroringTest | None, list[Chain], list[PairView]]:
    """Calibrated mirroring between adjacent shown levels (hidden levels end a chain)."""
    order, shown = _shown_levels(rel)
    pairs = adjacent_pairs(order, shown)
    rules = [s.id for s in data.instrument.rule_scales() if s.id in heat_cells]
    if not pairs or len(rules) < 3:
        return None, [], []
    untested = [
        (level, rule)
        for rule in rules
        for level, cell in zip(heat_levels, heat_cells[rule], strict=False)
        if cell is None
    ]
    test = claim_mirroring(
        {r: data.scores[r] for r in rules},
        data.level_labels(),
        pairs,
        n_permutations=PERMUTATIONS,
        seed=data.wave.pk,
        untested=untested,
    )
    not_comparable = {(r.upper, r.lower, r.scale_id) for r in invariance if r.comparable is False}
    # (the same rows Evidence.not_comparable_with reads: a claim never crosses a failed test)
    claims = [c for c in test.claims if (c.upper, c.lower, c.rule) not in not_comparable]
    names = {s.id: s.name for s in data.instrument.scales}
    chains = [
        Chain(c.rule, names[c.rule], c.pattern, c.levels, c.size)
        for c in mirroring_chains(claims, order)
    ]
    views = []
    for profile in test.profiles:
        mine = [c for c in claims if (c.upper, c.lower) == (profile.upper, profile.lower)]
        views.append(
            PairView(
                profile.upper,
                profile.lower,
                profile.profile_r,
                profile.p_value,
                tuple(names[c.rule] for c in mine if c.pattern == "shared_strength"),
                tuple(names[c.rule] for c in mine if c.pattern == "shared_strain"),
                tuple(
                    names[s]
                    for (u, lo, s) in sorted(not_comparable)
                    if (u, lo) == (profile.upper, profile.lower)
                ),
            )
        )
    return test, chains, views


def aggregation(data: WaveData, rel: Released) -> tuple[list[EvidenceRow], list[EvidenceRow]]:
    """rwg(j), ICC(1) and ICC(2) per scale, over units and over levels large enough to show."""
    inst = data.instrument
    unit_released = {
        g.unit.pk for g in rel.of_kind("unit") if g.unit is not None and rel.shown(g.key)
    }
    own: dict[int, int] = {}
    for u in data.unit_ids:
        if u is not None:
            own[u] = own.get(u, 0) + 1
    unit_ok = {u for u, n in own.items() if n >= rel.min_size and u in unit_released}
    counted = np.zeros(data.n, dtype=bool)  # only responses the wave's figures describe
    counted[rel.rows("total")] = True
    unit_rows = np.array([u in unit_ok for u in data.unit_ids], dtype=bool) & counted
    _, shown = _shown_levels(rel)
    labels = data.level_labels()
    level_rows = np.array([lv in shown for lv in labels], dtype=bool) & counted
    out_units: list[EvidenceRow] = []
    out_levels: list[EvidenceRow] = []
    for scale_id in _mean_scales(data):
        scale = inst.scale(scale_id)
        items = keyed_items(inst, scale, data.answers)
        n_options = len(inst.options_for(scale))
        for rows, groups, word, out in (
            (unit_rows, [str(u) for u in data.unit_ids], "team", out_units),
            (level_rows, labels, "level", out_levels),
        ):
            kept = [g for g, keep in zip(groups, rows, strict=True) if keep]
            if len(set(kept)) < 2:
                out.append(
                    EvidenceRow(scale_id, scale.name, None, f"needs two {word}s large enough")
                )
                continue
            try:
                ev = aggregation_evidence(
                    items[rows], kept, n_options, seed=data.wave.pk, unit_word=word
                )
            except ValueError as exc:
                out.append(EvidenceRow(scale_id, scale.name, None, str(exc)))
                continue
            out.append(EvidenceRow(scale_id, scale.name, ev))
    return out_units, out_levels


def _own(unit: int, level: str) -> str:
    """Cell key: people of ``level`` placed in ``unit`` itself."""
    return f"unit:{unit}/level:{level}"


def _below(unit: int, level: str) -> str:
    """Cell key: people of ``level`` in ``unit`` or below it (nearest such unit above them)."""
    return f"unit:{unit}/below/level:{level}"


def _pair_rows(
    labels: list[str],
    unit_ids: list[int | None],
    parent: dict[int, int | None],
    upper: str,
    lower: str,
) -> tuple[dict[int, list[int]], dict[int, list[int]]]:
    """Rows of the upper level by unit, and rows of the lower level by the nearest unit at or
    above theirs that has upper-level rows."""
    up_rows: dict[int, list[int]] = {}
    for i, (lv, u) in enumerate(zip(labels, unit_ids, strict=True)):
        if lv == upper and u is not None:
            up_rows.setdefault(u, []).append(i)
    low_rows: dict[int, list[int]] = {}
    for i, (lv, u) in enumerate(zip(labels, unit_ids, strict=True)):
        node = u
        while lv == lower and node is not None and node not in up_rows:
            node = parent.get(node)
        if lv == lower and node is not None:
            low_rows.setdefault(node, []).append(i)
    return up_rows, low_rows


def cross_level(data: WaveData, rel: Released, scale_id: str) -> list[CrossLevelRow]:
    """Upper level's mean in each unit against the lower level below it, for adjacent levels.

    A unit counts only when its upper-level group and its lower-level group are each released
    through the wave's ledger (so neither is smaller than the minimum size, nor revealed by
    difference with anything shown before).
    """
    order, shown = _shown_levels(rel)
    pairs = adjacent_pairs(order, shown)
    if not pairs:
        return []
    parent = {g.unit.pk: g.unit.parent_id for g in unit_groups(data) if g.unit is not None}
    labels = data.level_labels()
    values = data.scores[scale_id]
    cells: list[Cell] = []
    plans: list[tuple[str, str, dict[int, list[int]], dict[int, list[int]]]] = []
    for upper, lower in pairs:
        up_rows, low_rows = _pair_rows(labels, data.unit_ids, parent, upper, lower)
        for unit in sorted(set(up_rows) & set(low_rows)):
            for key, rows in (
                (_own(unit, upper), up_rows[unit]),
                (_below(unit, lower), low_rows[unit]),
            ):
                cells.append(Cell.of(key, (data.ids[i] for i in rows), "unit×level"))
        plans.append((upper, lower, up_rows, low_rows))
    plan, _ = services.release(data.wave, cells) if cells else (None, None)
    out = []
    for upper, lower, up_rows, low_rows in plans:
        units = [
            u
            for u in sorted(set(up_rows) & set(low_rows))
            if plan is not None
            and plan.is_released(_own(u, upper))
            and plan.is_released(_below(u, lower))
        ]
        ux = [values[i] for u in units for i in up_rows[u]]
        ul = [u for u in units for _ in up_rows[u]]
        lx = [values[i] for u in units for i in low_rows[u]]
        ll = [u for u in units for _ in low_rows[u]]
        est = (
            cross_level_slope(ux, ul, lx, ll, min_units=MIN_UNITS_FOR_CROSS_LEVEL)
            if units
            else None
        )
        out.append(CrossLevelRow(upper, lower, est, len(units)))
    return out


def nonresponse(data: WaveData, rel: Released) -> list[NonresponseRow]:
    """Per shown level and scale: the share of statements left as "prefer not to say" and as
    "does not apply" (a mean over the level's people, like any other figure about a level)."""
    _, shown = _shown_levels(rel)
    out = []
    keys = {g.label: g.key for g in rel.of_kind("level")}
    for level in shown:
        rows = rel.rows(keys[level]).tolist()  # the level's released responses only
        if not rows:
            continue
        for scale in data.instrument.scales:
            skipped = not_applicable = 0
            for item_id in scale.item_ids:
                column = data.answers[item_id]
                for i in rows:
                    value = column[i]
                    if value is None:
                        skipped += 1
                    elif value == NOT_APPLICABLE:
                        not_applicable += 1
            total = len(rows) * len(scale.items)
            out.append(
                NonresponseRow(level, scale.id, scale.name, skipped / total, not_applicable / total)
            )
    return out


def _wave_evidence(
    data: WaveData,
    rel: Released,
    heat_levels: Sequence[str],
    heat_cells: Mapping[str, Sequence[float | None]],
) -> Evidence:
    """Everything but the cross-level estimate (which depends on the scale chosen)."""
    closed = not data.wave.is_open
    if data.n == 0:
        return Evidence(None, [], [], [], [], [], [], [], 0, closed)
    order, shown = _shown_levels(rel)
    invariance = invariance_rows(data, adjacent_pairs(order, shown))
    test, chains, pairs = mirroring(data, rel, heat_levels, heat_cells, invariance)
    units, levels = aggregation(data, rel)
    return Evidence(
        mirror_test=test,
        chains=chains,
        pairs=pairs,
        invariance=invariance,
        units=units,
        levels=levels,
        cross_level=[],
        nonresponse=nonresponse(data, rel),
        responses=data.n,
        wave_closed=closed,
    )


EVIDENCE_VERSION = 1
"""Raise when what the evidence holds or how it is computed changes (older entries then go)."""
KEEP_CLOSED = 60 * 60 * 24 * 90
"""Seconds a closed wave's evidence is kept (recomputed once more if it was dropped)."""
KEEP_OPEN = 60 * 60 * 24
"""Seconds an open wave's evidence is kept (a newer answer count asks for a new one anyway)."""


def _key(data: WaveData, part: str) -> str:
    wave = data.wave
    state = f"closed-{wave.closed_on}" if wave.closed_on else "open"
    return (
        f"pulse-evidence:v{EVIDENCE_VERSION}:{wave.pk}:{wave.instrument_version}:"
        f"{data.n}:{wave.min_group_size}:{state}:{part}"
    )


def _heat_cells(data: WaveData, rel: Released) -> tuple[list[str], dict[str, list[float | None]]]:
    heat, level_names = release_heatmap(data, rel)
    return level_names, {
        r.scale_id: [c.mean if not c.suppressed else None for c in r.cells] for r in heat.rows
    }


def stored_evidence(data: WaveData, rel: Released, scale_id: str | None = None) -> Evidence:
    """The wave's evidence, computed once per wave state (see the module's docstring).

    With ``scale_id`` it carries the cross-level estimate on that scale, itself stored per
    scale; without, the cross-level rows are left empty (the CSV and API need none).
    """
    timeout = KEEP_OPEN if data.wave.is_open else KEEP_CLOSED
    key = _key(data, "wave")
    ev = caches["figures"].get(key)
    if not isinstance(ev, Evidence):
        ev = _wave_evidence(data, rel, *_heat_cells(data, rel))
        caches["figures"].set(key, ev, timeout)
    if scale_id is None:
        return ev
    cross_key = _key(data, f"cross-level:{scale_id}")
    rows = caches["figures"].get(cross_key)
    if not isinstance(rows, list):
        rows = cross_level(data, rel, scale_id) if data.n else []
        caches["figures"].set(cross_key, rows, timeout)
    return replace(ev, cross_level=rows)
