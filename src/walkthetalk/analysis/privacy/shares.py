"""Shares and spreads by attribute: a figure about a group must not tell that everyone in it
answered alike.

A linear guarantee alone lets "100% of the 6 peers agreed" through: it is a sum over 6 people,
yet it tells each peer's vote (*group*, or attribute, disclosure). So a breakdown by answer for
a group defined by an attribute people are known by (a sector) is shown only when its members
did not all answer alike: then any one member may be among those who answered otherwise.
Opinion groups are not such attributes (who is in which group is never released), so their
shares need only the atoms' rule — unless the released sector × group counts place a whole
sector in groups (:func:`walkthetalk.analysis.privacy.conversation.group_shares`).

A hidden cell must also not come back by subtraction: the total minus every shown cell of the
breakdown is the sum over the hidden cells and whoever is in none, so that remainder must pass
the same rule (:func:`complementary_hidden`, secondary suppression of a complementary cell).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence


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


def complementary_hidden(
    total: Sequence[int],
    cells: Mapping[str, Sequence[int]],
    hidden: Collection[str],
    shown: Callable[[Sequence[int]], bool],
) -> set[str]:
    """Secondary suppression for one breakdown: ``hidden`` and the cells hidden with it.

    ``total`` and each of ``cells`` are additive counts (for example seen, agree, disagree)
    over disjoint parts of the total's contributors; ``hidden`` are the cells :func:`shown`
    refused. Subtracting every shown cell from the total gives the sum over the hidden cells
    and whoever is in no cell. That remainder must itself pass ``shown``: otherwise a hidden
    unanimous cell (with no one else left over, or with a like-minded remainder) would be
    recovered by subtraction. So the smallest shown cells are hidden too, one at a time, until
    the remainder passes (or every cell is hidden: then the remainder is the total itself,
    which is not a figure about an attribute group).
    """
    hide = set(hidden)
    if not hide:
        return hide
    width = len(total)
    rest = sorted((key for key in cells if key not in hide), key=lambda key: (cells[key][0], key))
    while rest:
        remainder = [
            total[i] - sum(cells[key][i] for key in cells if key not in hide) for i in range(width)
        ]
        if shown(remainder):
            return hide
        hide.add(rest.pop(0))
    return hide
