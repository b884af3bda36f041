"""Breakdown of opinion groups by declared stakeholder sector, with small groups suppressed.

Every count leaves through :mod:`walkthetalk.analysis.privacy`: each figure is a
:class:`~walkthetalk.analysis.privacy.Cell` whose contributors are the (anonymous) matrix rows it
counts, and :func:`~walkthetalk.analysis.privacy.plan_release` decides which may be shown. The
opinion-group sizes are published anyway, so they are entered as already released (a ledger);
then sector totals, then sector x group cells. A count below the minimum group size is
suppressed, and so is any count that would let a suppressed one be recovered by subtraction
(from a sector total, a group size, or a sibling) -- complementary suppression along both
margins of the sector x group table.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from walkthetalk.analysis.privacy import Cell, ReleaseLedger, plan_release

from .matrix import IntArray
from .result import SectorBreakdown

NO_GROUP = "none"


def _cell(key: str, rows: np.ndarray) -> Cell:
    return Cell.of(key, (int(r) for r in np.flatnonzero(rows)))


def sector_breakdown(
    sectors: Sequence[str | None],
    labels: IntArray,
    n_groups: int,
    min_group_size: int,
) -> list[SectorBreakdown]:
    """Participants of each declared sector by opinion group (``labels`` -1 = in no group).

    Returns one :class:`SectorBreakdown` per sector (sorted by name); suppressed counts are
    ``None``. Group keys are the group ids as strings, plus ``"none"`` for participants of the
    sector who did not cast enough votes to be placed in a group.
    """
    sec = np.array([s or "" for s in sectors], dtype=object)
    names = sorted({s for s in sectors if s})
    published = tuple(_cell(f"group/{g}", labels == g) for g in range(n_groups))
    ledger = ReleaseLedger(wave="commonground", min_size=min_group_size, released=published)
    totals = {name: sec == name for name in names}
    order = sorted(names, key=lambda name: (-int(totals[name].sum()), name))
    cells = [_cell(f"sector/{name}", totals[name]) for name in order]
    group_keys = [str(g) for g in range(n_groups)] + [NO_GROUP]
    for name in order:
        for key in group_keys:
            member = labels < 0 if key == NO_GROUP else labels == int(key)
            cells.append(_cell(f"sector/{name}/{key}", totals[name] & member))
    plan = plan_release(cells, min_group_size, ledger=ledger)
    shown = {d.key: d.released for d in plan.decisions}
    counts = {c.key: c.n for c in cells}

    def value(key: str) -> int | None:
        return counts[key] if shown[key] else None

    return [
        SectorBreakdown(
            sector=name,
            participants=value(f"sector/{name}"),
            groups={key: value(f"sector/{name}/{key}") for key in group_keys},
        )
        for name in names
    ]
