"""Shares and spreads by attribute: a figure about a group must not tell that everyone in it
answered alike.

A linear guarantee alone lets "100% of the 6 peers agreed" through: it is a sum over 6 people,
yet it tells each peer's vote (*group*, or attribute, disclosure). So a breakdown by answer for
a group defined by an attribute people are known by (a sector) is shown only when its members
did not all answer alike: then any one member may be among those who answered otherwise.
Opinion groups are not such attributes (who is in which group is never released), so their
shares need only the atoms' rule.
"""

from __future__ import annotations

from collections.abc import Iterable


def share_shown(yes: int, n: int) -> bool:
    """True if "``yes`` of ``n``" may be shown for an attribute group: not unanimous."""
    return 0 < yes < n


def spread_shown(counts: Iterable[int]) -> bool:
    """True if a group's answers, counted by value, are not all the same value.

    Use it before showing any figure about an attribute group whose answers are few distinct
    values (a mean of 1–5 ratings): if everyone gave the same answer, the figure tells it.
    """
    values = [int(c) for c in counts if c]
    return len(values) >= 2
