"""How many figures the privacy rules hide on the demo data (utility of the exact guarantee).

Run it once with this tree's code and once with another tree's (for example main before a
change) to compare; it seeds the demo into a fresh data folder and reads every figure the way
the pages, CSV and API do (the first read of each, as on a fresh site)::

    .venv/bin/python benchmarks/privacy_utility.py --data /tmp/wtt-utility
    PYTHONPATH=/other/tree/src .venv/bin/python /other/tree/benchmarks/privacy_utility.py ...

Prints, per kind of figure, how many there are and how many are shown: pulse group counts and
group × scale means (all demo waves), conversation figures (group sizes, sector cells,
statement shares overall / by group / by sector), backlog figures (issues and sector rows),
messenger figures. Only names both versions share are used.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from demo_data import seed_fresh_demo


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="a fresh data folder (emptied)")
    args = parser.parse_args()
    seed_fresh_demo(args.data)
    counts = figures()
    width = max(len(k) for k in counts)
    print(f"{'figure':{width}}  shown / total")
    for key, (shown, total) in counts.items():
        print(f"{key:{width}}  {shown:5d} / {total:5d}  ({total - shown} hidden)")
    print(f"code: {sys.modules['walkthetalk'].__file__}")


class Tally:
    """How many figures of each kind there are, and how many are shown (not ``None``)."""

    def __init__(self) -> None:
        self.shown: Counter[str] = Counter()
        self.total: Counter[str] = Counter()

    def count(self, key: str, value: Any) -> None:
        self.total[key] += 1
        self.shown[key] += value is not None

    def result(self) -> dict[str, tuple[int, int]]:
        return {k: (self.shown[k], self.total[k]) for k in sorted(self.total)}


def figures() -> dict[str, tuple[int, int]]:
    tally = Tally()
    pulse_figures(tally)
    conversation_figures(tally)
    backlog_and_messenger_figures(tally)
    return tally.result()


def pulse_figures(tally: Tally) -> None:
    from walkthetalk.pulse.models import Wave
    from walkthetalk.pulse.release import response_counts
    from walkthetalk.reports import pulse

    for wave in Wave.objects.order_by("pk"):
        for row in response_counts(wave)[0]:
            tally.count("pulse: group counts", row.n)
        for agg in pulse.aggregates(wave):
            tally.count("pulse: group x scale means", agg.mean)


def conversation_figures(tally: Tally) -> None:
    from walkthetalk.conversations.models import ConversationResult

    for result in ConversationResult.objects.all():
        data = result.data or {}
        group_figures(tally, data)
        for row in data.get("sectors", {}).get("rows", []):
            tally.count("conversation: sector x group counts", row.get("participants"))
            for n in row.get("groups", {}).values():
                tally.count("conversation: sector x group counts", n)
        for key in ("common_ground", "common_disagreement", "divides", "uncertainty"):
            for entry in data.get(key, []):
                tally.count("conversation: statement shares", entry.get("agree"))
                for share in entry.get("groups", {}).values():
                    tally.count("conversation: shares by group", share)
        for row in data.get("agreement_by_sector", {}).get("rows", []):
            for share in row.get("sectors", {}).values():
                tally.count("conversation: shares by sector", share)


def group_figures(tally: Tally, data: dict[str, Any]) -> None:
    for group in data.get("groups", []):
        tally.count("conversation: group sizes", group.get("size"))
        for rep in group.get("representative", []):
            tally.count("conversation: shares by group", rep.get("share"))
    for row in data.get("statement_groups", {}).values():
        for shares in row.values():
            tally.count("conversation: report bars by group", shares.get("agree"))


def backlog_and_messenger_figures(tally: Tally) -> None:
    from walkthetalk.agenda import release as agenda_release
    from walkthetalk.caremap.models import CareSystem
    from walkthetalk.messenger import services as messenger_services

    for system in CareSystem.objects.all():
        for issue in agenda_release.ranked_backlog(system):
            tally.count("backlog: issue scores", issue.score)
            for row in issue.sectors:
                tally.count("backlog: sector rows", row.ratings)
        f = messenger_services.response_figures(system, dt.date.today())
        for name in ("total", "answered", "waiting", "escalated", "share_answered_within"):
            tally.count("messenger: figures", getattr(f, name))


if __name__ == "__main__":
    main()
