"""Conversation report charts: agree / disagree / pass bars per statement, as SVG.

Each bar is one statement's released shares (``None`` where fewer than the minimum group size
of votes are released: the bar then says "hidden"); each part carries its number and a
pattern of its own besides its colour, and the page gives the same numbers as a table.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from matplotlib.patches import Patch

from walkthetalk.reports.conversation import GroupShares, StatementGroups, StatementRow
from walkthetalk.reports.render.charts import new_figure, plain_axes, svg_data_uri, wrap

PARTS = (
    ("agree", "Agree", "#009E73", ""),
    ("disagree", "Disagree", "#D55E00", "//"),
    ("pass", "Pass / unsure", "#BBBBBB", ".."),
)


def _shares(row: StatementRow) -> dict[str, int | None]:
    return {"agree": row.agree_pct, "disagree": row.disagree_pct, "pass": row.pass_pct}


def _bar(ax: Any, i: int, shares: dict[str, int | None], hidden: str) -> None:
    """Bar ``i``: agree, disagree and pass side by side, or the word ``hidden``."""
    if any(v is None for v in shares.values()):
        ax.text(1, i, hidden, va="center", fontsize=8, color="#333333")
        return
    left = 0
    for key, _, colour, hatch in PARTS:
        width = shares[key] or 0
        ax.barh(i, width, left=left, color=colour, hatch=hatch, edgecolor="white")
        if width >= 7:
            ax.text(
                left + width / 2,
                i,
                f"{width}%",
                ha="center",
                va="center",
                fontsize=7,
                color="#111111",
            )
        left += width


def statement_bars_svg(rows: Sequence[StatementRow]) -> str:
    """One horizontal bar per statement, split into agree, disagree and pass."""
    fig, ax = new_figure(7.0, 0.8 + 0.36 * max(len(rows), 1))
    for i, row in enumerate(rows):
        _bar(ax, i, _shares(row), "hidden: too few votes to show")
    ax.set_yticks(range(len(rows)), [wrap(r.text, 48) for r in rows], fontsize=7)
    _finish(ax)
    fig.tight_layout()
    return svg_data_uri(fig)


def _group_shares(g: GroupShares) -> dict[str, int | None]:
    return {"agree": g.agree_pct, "disagree": g.disagree_pct, "pass": g.pass_pct}


GROUP_CHART_STATEMENTS = 6
"""Statements per chart of group bars, so a printed page can break between charts."""


def group_bars_svgs(rows: Sequence[StatementGroups]) -> list[tuple[str, str]]:
    """Charts (data URI, text alternative) of every statement's bar in each opinion group, a
    few statements per chart; a group whose share is hidden says so instead of a bar."""
    charts = []
    for start in range(0, len(rows), GROUP_CHART_STATEMENTS):
        part = rows[start : start + GROUP_CHART_STATEMENTS]
        labels: list[str] = []
        fig, ax = new_figure(7.0, 0.8 + 0.3 * sum(1 + len(r.groups) for r in part))
        for row in part:
            labels.append(wrap(row.text, 56))
            for g in row.groups:
                _bar(ax, len(labels), _group_shares(g), "hidden: too few votes in this group")
                labels.append(g.label)
        ax.set_yticks(range(len(labels)), labels, fontsize=7)
        _finish(ax)
        fig.tight_layout()
        charts.append((svg_data_uri(fig), group_bars_alt(part)))
    return charts


def group_bars_alt(rows: Sequence[StatementGroups]) -> str:
    parts = []
    for r in rows:
        groups = []
        for g in r.groups:
            if g.agree_pct is None:
                groups.append(f"{g.label} hidden, too few votes")
            else:
                groups.append(
                    f"{g.label} {g.agree_pct}% agree, {g.disagree_pct}% disagree, "
                    f"{g.pass_pct}% pass"
                )
        parts.append(f"{r.text}: " + ", ".join(groups))
    return "Bar chart of the votes on each statement in each opinion group. " + "; ".join(parts)


def _finish(ax: Any) -> None:
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xticks([0, 25, 50, 75, 100], ["0%", "25%", "50%", "75%", "100%"], fontsize=7)
    handles = [Patch(facecolor=c, hatch=h, edgecolor="white", label=lb) for _, lb, c, h in PARTS]
    ax.legend(
        handles=handles,
        fontsize=7,
        loc="lower center",
        bbox_to_anchor=(0.5, 1.0),
        ncols=3,
        frameon=False,
    )
    plain_axes(ax, "top", "right")


def statement_bars_alt(rows: Sequence[StatementRow]) -> str:
    parts = []
    for r in rows:
        if r.agree_pct is None:
            parts.append(f"{r.text}: hidden, too few votes")
        else:
            parts.append(
                f"{r.text}: {r.agree_pct}% agree, {r.disagree_pct}% disagree, {r.pass_pct}% pass"
            )
    return "Bar chart of the votes on each statement. " + "; ".join(parts) + "."
