"""Releasing backlog figures through each issue's privacy ledger, before they are shown.

Each page load or API call that shows backlog figures (or a gathering's acceptances) releases
them here, through :mod:`walkthetalk.agenda.services`, so the page and the API always agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from walkthetalk.agenda import services
from walkthetalk.agenda.models import AvoidedIssue, Gathering
from walkthetalk.agenda.selectors import NO_SECTOR, score
from walkthetalk.caremap.models import CareSystem, Sector


@dataclass(frozen=True)
class SectorRow:
    name: str
    ratings: int | None
    mean_importance: float | None
    mean_avoidance: float | None


@dataclass
class IssueSummary:
    issue: AvoidedIssue
    n_ratings: int | None  # None: below the minimum group size, held back
    score: float | None
    mean_importance: float | None
    mean_avoidance: float | None
    sectors: list[SectorRow] = field(default_factory=list)


def _mean(values: list[int]) -> float:
    return sum(values) / len(values)


def _figures(values: list[tuple[int, int]]) -> dict[str, Any]:
    """The figures shown about one group of (importance, avoidance) ratings."""
    return {
        "n": len(values),
        "score": score([i * a for i, a in values]),
        "mean_importance": _mean([i for i, _ in values]),
        "mean_avoidance": _mean([a for _, a in values]),
    }


def ranked_backlog(system: CareSystem, *, include_hidden: bool = False) -> list[IssueSummary]:
    """Every issue with its released score and sector breakdown, ranked by the released score.

    Figures come from :func:`~walkthetalk.agenda.services.release_backlog_figures`: each figure
    (the issue's total, each sector) is planned against everything shown before for that issue
    with :func:`~walkthetalk.analysis.privacy.plan_release` and the care system's minimum group
    size *m*, and recorded before it is returned. So figures move in steps: a figure changes only
    once at least *m* ratings have been added or changed since it was last shown; until then
    the last shown figure stays (and the ranking uses it). A sector that may not be shown yet is
    ``None``. The page and the API both read this, so they always agree.
    """
    issues = AvoidedIssue.objects.filter(care_system=system)
    if not include_hidden:
        issues = issues.exclude(status=AvoidedIssue.Status.HIDDEN)
    issue_list = list(issues)
    sector_names = {s.pk: s.name for s in Sector.objects.filter(care_system=system)}
    released = services.release_backlog_figures(system, [i.pk for i in issue_list], _figures)
    out: list[IssueSummary] = []
    for issue in issue_list:
        shown = released.get(issue.pk, {})
        total = shown.get(services.TOTAL_KEY)
        if total is None:
            out.append(IssueSummary(issue, None, None, None, None))
            continue
        summary = IssueSummary(
            issue, total["n"], total["score"], total["mean_importance"], total["mean_avoidance"]
        )
        keys = set(total.get("sectors", [])) | {k for k in shown if k.startswith("sector:")}
        rows = []
        for key in keys:
            sid = key.removeprefix("sector:")
            name = sector_names.get(int(sid), NO_SECTOR) if sid.isdigit() else NO_SECTOR
            fig = shown.get(key)
            rows.append(
                SectorRow(
                    name,
                    fig["n"] if fig else None,
                    fig["mean_importance"] if fig else None,
                    fig["mean_avoidance"] if fig else None,
                )
            )
        summary.sectors = sorted(rows, key=lambda r: r.name)
        out.append(summary)
    scored = sorted(
        (s for s in out if s.score is not None), key=lambda s: (-(s.score or 0), s.issue.title)
    )
    unscored = sorted(
        (s for s in out if s.score is None), key=lambda s: s.issue.raised_on, reverse=True
    )
    return scored + unscored


def acceptances(gathering: Gathering) -> int | None:
    """How many participants accepted the agreements, or None below the minimum group size.

    Released through the gathering's ledger: the count moves in steps of the minimum group
    size (see :func:`~walkthetalk.agenda.services.release_acceptances`).
    """
    return services.release_acceptances(gathering)
