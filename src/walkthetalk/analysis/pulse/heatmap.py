"""Rules × levels: mean scale scores with counts, ordered strengths first, ready for a heatmap.

Rows are scales. Each rule scale is shown by its healthy counterpart (``name``, e.g. "We talk
openly"; ``rule`` keeps "Don't talk"), scored so that high means the healthy way — so a high
cell is a strength. Row order: the ``strengths`` scale, then rule scales from the highest
overall mean (the system's strongest healthy counterpart) to the lowest, then ``strain``, then
any others.

Columns are levels (or units). A cell with fewer answers than the minimum size to its scale is
hidden even when its level is shown. Every level is a cell of contributors released through
:func:`walkthetalk.analysis.privacy.plan_release`: pass anonymous ``respondent_ids`` and the
wave's ``ledger`` so a level is hidden when it is too small or would reveal someone by
difference with what was shown before; without ids only the minimum size is applied. Keep the
returned ``plan`` and record it in the wave's ledger once the figures are shown.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from ..privacy import DEFAULT_MIN_SIZE, Cell, ReleaseLedger, ReleasePlan, plan_release
from .grouping import as_labels
from .instrument import Instrument


@dataclass(frozen=True)
class HeatmapCell:
    """One scale at one level; ``mean``/``se`` are ``None`` when suppressed."""

    level: str
    n: int | None
    mean: float | None
    se: float | None
    suppressed: bool


@dataclass(frozen=True)
class HeatmapRow:
    """One scale across levels."""

    scale_id: str
    name: str
    rule: str | None
    kind: str
    higher_is: str
    overall_mean: float | None
    cells: tuple[HeatmapCell, ...]


@dataclass(frozen=True)
class Heatmap:
    levels: tuple[str, ...]
    rows: tuple[HeatmapRow, ...]
    plan: ReleasePlan


_KIND_ORDER = {"strengths": 0, "rule": 1, "strain": 2, "other": 3}


def rules_by_levels(
    instrument: Instrument,
    scores: Mapping[str, ArrayLike],
    levels: ArrayLike | Sequence[Hashable],
    *,
    level_order: Sequence[str] | None = None,
    respondent_ids: Sequence[Hashable] | None = None,
    ledger: ReleaseLedger | None = None,
    min_size: int = DEFAULT_MIN_SIZE,
) -> Heatmap:
    """Mean score per scale and level with counts; see the module docstring."""
    labels = [str(x) for x in as_labels(levels)]
    n = len(labels)
    order = list(level_order) if level_order is not None else list(dict.fromkeys(labels))
    if ledger is not None and respondent_ids is None:
        raise ValueError("checking against a wave's ledger needs the respondent_ids")
    ids: list[Hashable] = list(respondent_ids) if respondent_ids is not None else list(range(n))
    if len(ids) != n:
        raise ValueError(f"{len(ids)} respondent ids but {n} level labels")
    members = {lv: [i for i, lab in enumerate(labels) if lab == lv] for lv in order}
    cells = [Cell.of(f"level:{lv}", (ids[i] for i in rows)) for lv, rows in members.items()]
    if respondent_ids is None and ledger is None:
        # Synthetic ids: levels are disjoint, so only the minimum size can bite.
        cells = [Cell.of(c.key, ((c.key, i) for i in range(c.n))) for c in cells]
    plan = plan_release(cells, min_size, ledger=ledger)
    shown = {lv for lv in order if plan.is_released(f"level:{lv}")}
    rows = []
    for scale in instrument.scales:
        if scale.id not in scores:
            continue
        x = np.asarray(scores[scale.id], dtype=float).ravel()
        if x.size != n:
            raise ValueError(f"scale {scale.id!r}: {x.size} scores but {n} level labels")
        row_cells = []
        visible: list[float] = []
        for lv in order:
            vals = x[np.asarray(members[lv], dtype=int)] if members[lv] else np.empty(0)
            vals = vals[~np.isnan(vals)]
            if lv not in shown or vals.size < max(plan.min_size, 1):
                # a level shown for the pulse as a whole can still have too few answers to
                # one scale (people skipped items): that cell is hidden on its own
                row_cells.append(HeatmapCell(lv, None, None, None, True))
                continue
            visible.extend(vals.tolist())
            se = float(vals.std(ddof=1) / np.sqrt(vals.size)) if vals.size > 1 else None
            row_cells.append(HeatmapCell(lv, int(vals.size), float(vals.mean()), se, False))
        overall = float(np.mean(visible)) if visible else None
        rows.append(
            HeatmapRow(
                scale_id=scale.id,
                name=scale.name,
                rule=scale.rule,
                kind=scale.kind,
                higher_is=scale.higher_is,
                overall_mean=overall,
                cells=tuple(row_cells),
            )
        )
    rows.sort(
        key=lambda r: (
            _KIND_ORDER.get(r.kind, 3),
            -(r.overall_mean if r.overall_mean is not None else -np.inf)
            if r.kind == "rule"
            else 0.0,
        )
    )
    return Heatmap(levels=tuple(order), rows=tuple(rows), plan=plan)
