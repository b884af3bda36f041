"""Conversation report charts: agree / disagree / pass bars per statement, as SVG.

Each bar is one statement's released shares (``None`` where fewer than the minimum group size
of votes are released: the bar then says "hidden"); each part carries its number and a
pattern of its own besides its colour, and the page gives the same numbers as a table.
"""

from __future__ import annotations

from collections.abc import Sequence

from matplotlib.patches import Patch

from walkthetalk.reports.conversation import StatementRow
from walkthetalk.reports.render.charts import new_figure, plain_axes, svg_data_uri, wrap

PARTS = (
    ("agree", "Agree", "#009E73", ""),
    ("disagree", "Disagree", "#D55E00", "//"),
    ("pass", "Pass / unsure", "#BBBBBB", ".."),
)


def _shares(row: StatementRow) -> dict[str, int | None]:
    return {"agree": row.agree_pct, "disagree": row.disagree_pct, "pass": row.pass_pct}


def statement_bars_svg(rows: Sequence[StatementRow]) -> str:
    """One horizontal bar per statement, split into agree, disagree and pass."""
    fig, ax = new_figure(7.0, 0.8 + 0.36 * max(len(rows), 1))
    for i, row in enumerate(rows):
        shares = _shares(row)
        if any(v is None for v in shares.values()):
            ax.text(1, i, "hidden: too few votes to show", va="center", fontsize=8, color="#333333")
            continue
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
    ax.set_yticks(range(len(rows)), [wrap(r.text, 48) for r in rows], fontsize=7)
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
    fig.tight_layout()
    return svg_data_uri(fig)


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
