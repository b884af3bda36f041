"""Shares and spreads: a figure about a group must not reveal that (nearly) everyone in it agrees.

A linear guarantee alone lets "100% of the 6 peers agreed" through: it is a sum over 6 people,
yet it tells each peer's vote. This is *group* (attribute) disclosure. The rule here is the
frequency rule applied inside the group: a breakdown by answer is shown only when at least ``k``
of the group are outside its most common answer, so any one member may be among them.
"""

from __future__ import annotations

from collections.abc import Iterable


def share_shown(yes: int, n: int, k: int) -> bool:
    """True if "``yes`` of ``n``" may be shown: at least ``k`` people on each side."""
    return n > 0 and k <= yes <= n - k


def spread_shown(counts: Iterable[int], k: int) -> bool:
    """True if a group's answers, counted by value, have at least ``k`` outside the mode.

    Use it before showing any figure about a group whose answers are few distinct values (a
    mean of 1–5 ratings, a share of agree / disagree / pass): if nearly everyone gave the same
    answer, the figure would tell each member's answer.
    """
    values = [int(c) for c in counts]
    total = sum(values)
    return total > 0 and total - max(values) >= k
