"""Releasing a wave's figures through its privacy ledger, before any of them is shown.

Every count, mean or chart the pulse app shows or exports about a wave is computed here from
rows :func:`walkthetalk.pulse.services.release_wave` has cleared with
:func:`walkthetalk.analysis.privacy.plan_wave`: per group (the whole wave, levels, units with
everything below them, sectors) the responses its count may describe, and per group and scale
the answers its mean may describe — over the people who answered that scale, so item
non-response cannot single anyone out. A figure may describe part of its group (answers wait
until at least the minimum group size of them can be counted together); its ``n`` says how many
it describes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from walkthetalk.analysis.privacy import WaveRelease, codes_of
from walkthetalk.analysis.pulse import Heatmap, Instrument, rules_by_levels
from walkthetalk.pulse import services
from walkthetalk.pulse.models import Wave
from walkthetalk.pulse.wave_data import Group, WaveData, groups, load, unit_groups


@dataclass
class Released:
    """Groups (in display order) with the rows each figure may describe."""

    groups: list[Group]
    release: WaveRelease
    min_size: int

    def shown(self, key: str) -> bool:
        """True if the group's count may be shown (an empty group shows as no answers)."""
        return self.release.responses[key].shown

    def n(self, group: Group) -> int | None:
        """Responses the group's figures describe, or ``None`` when hidden."""
        return self.release.responses[group.key].n if self.shown(group.key) else None

    def rows(self, key: str) -> np.ndarray:
        """The responses (row positions) the group's count describes."""
        return self.release.responses[key].rows

    def scale_rows(self, scale_id: str, key: str) -> np.ndarray:
        """The answers to one scale (row positions) the group's mean may describe."""
        return self.release.scales[scale_id][key].rows

    def scores(self, data: WaveData, keys: list[str]) -> dict[str, np.ndarray]:
        """Scale scores with every answer the groups ``keys`` may not describe left out (NaN)."""
        out = {}
        for scale_id, values in data.scores.items():
            masked = np.full(values.shape, np.nan)
            for key in keys:
                rows = self.scale_rows(scale_id, key)
                masked[rows] = values[rows]
            out[scale_id] = masked
        return out

    def of_kind(self, kind: str) -> list[Group]:
        return [g for g in self.groups if g.kind == kind]


def _release(data: WaveData, cands: list[Group]) -> WaveRelease:
    """Plan the groups' counts, each scale's answers and each step question's answers (every
    scale and question its own namespace) against the wave's ledger."""
    answered = {s: ~np.isnan(v) for s, v in data.scores.items()}
    answered.update({q: ~np.isnan(v) for q, v in data.steps.items()})
    return services.release_wave(
        data.wave,
        codes_of(data.ids),
        [(g.key, np.asarray(g.rows, dtype=np.int64)) for g in cands],
        answered,
    )


def release_groups(data: WaveData) -> Released:
    """Release every candidate group of the wave; groups come back in display order.

    Display order: the whole wave, levels, units in tree order, sectors.
    """
    cands = groups(data)
    release = _release(data, cands)
    tree_order = {g.key: i for i, g in enumerate(unit_groups(data))}
    units = sorted((g for g in cands if g.kind == "unit"), key=lambda g: tree_order[g.key])
    display = (
        [g for g in cands if g.kind in ("total", "level")]
        + units
        + [g for g in cands if g.kind == "sector"]
    )
    return Released(display, release, release.min_size)


def release_heatmap(data: WaveData, rel: Released) -> tuple[Heatmap, list[str]]:
    """Scale means by level over exactly the answers released for each level and scale."""
    level_names = [g.label for g in rel.of_kind("level") if g.rows]
    scores = rel.scores(data, [g.key for g in rel.of_kind("level")])
    heat = rules_by_levels(
        data.instrument,
        scores,
        data.level_labels(),
        level_order=level_names,
        min_size=rel.min_size,
    )
    return heat, level_names


def release_total(wave: Wave) -> tuple[WaveData, Released]:
    """A wave's responses with its one whole-wave figure released (for trends)."""
    data = load(wave)
    total = groups(data)[0]
    release = _release(data, [total])
    return data, Released([total], release, release.min_size)


@dataclass(frozen=True)
class CountRow:
    """Responses in one group; ``n`` is ``None`` when hidden to protect privacy."""

    kind: str
    label: str
    n: int | None
    depth: int


def response_counts(wave: Wave) -> tuple[list[CountRow], int]:
    """Response counts by level, unit and sector, as released; and the wave's minimum size."""
    rel = release_groups(load(wave))
    rows = [CountRow(g.kind, g.label, rel.n(g), g.depth) for g in rel.groups]
    return rows, rel.min_size


def instrument_of(wave: Wave) -> Instrument | None:
    """The instrument a wave was answered with, or ``None`` if that version is not installed."""
    try:
        return services.instrument_for(wave)
    except services.PulseError:
        return None
