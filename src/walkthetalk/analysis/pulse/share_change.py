"""Did a share move? Two released shares ("k of n agreed") compared, with Newcombe's interval.

Used for an action aimed at a conversation statement: the share who agreed among the votes
released when the action was linked (*before*) against the share among the votes released since
(*since*: the later released tally minus the earlier one, so the two samples are separate
votes). The difference ``since - before`` gets Newcombe's hybrid score interval (Newcombe 1998,
method 10: each side's Wilson interval, combined by "square and add"), which keeps close to its
nominal coverage for small samples and shares near 0 or 1, unlike the Wald interval. It is
called a clear change only when the interval leaves out zero.

Privacy: each side must describe at least the minimum group size of votes, and the share among
the votes since must not be unanimous (:func:`~walkthetalk.analysis.privacy.share_shown`:
"all of the new votes agreed" would tell each new voter's vote). Otherwise nothing is given —
not even the counts. Pure numpy/scipy; never imports Django.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..privacy import share_shown
from .verdict import wilson_interval

UP = "up"
DOWN = "down"
NO_CLEAR_CHANGE = "no clear change"


@dataclass(frozen=True)
class ShareChange:
    """``k`` of ``n`` before and since, the difference of the shares (since minus before) and
    its interval. Every figure is ``None`` when :attr:`hidden` says why it may not be shown."""

    before: tuple[int, int] | None
    since: tuple[int, int] | None
    difference: float | None
    ci_low: float | None
    ci_high: float | None
    hidden: str = ""
    """"" when shown; otherwise "too few" or "unanimous" (the votes since)."""

    @property
    def shown(self) -> bool:
        return self.difference is not None

    @property
    def share_before(self) -> float | None:
        return self.before[0] / self.before[1] if self.before else None

    @property
    def share_since(self) -> float | None:
        return self.since[0] / self.since[1] if self.since else None

    @property
    def direction(self) -> str:
        """:data:`UP` or :data:`DOWN` only when the interval leaves out no change."""
        if self.ci_low is None or self.ci_high is None:
            return ""
        if self.ci_low > 0:
            return UP
        if self.ci_high < 0:
            return DOWN
        return NO_CLEAR_CHANGE


def newcombe_interval(
    k1: int, n1: int, k2: int, n2: int, confidence: float = 0.95
) -> tuple[float, float]:
    """Newcombe's hybrid score interval for ``k2/n2 - k1/n1`` (both ``n`` > 0)."""
    p1, p2 = k1 / n1, k2 / n2
    l1, u1 = wilson_interval(k1, n1, confidence)
    l2, u2 = wilson_interval(k2, n2, confidence)
    d = p2 - p1
    return d - math.hypot(p2 - l2, u1 - p1), d + math.hypot(u2 - p2, p1 - l1)


def share_change(before: tuple[int, int], after: tuple[int, int], *, min_size: int) -> ShareChange:
    """Compare ``before`` = (agreed, votes) with the votes released since, given the later
    cumulative ``after`` = (agreed, votes). Bad counts raise :class:`ValueError`."""
    (k1, n1), (k2, n2) = before, after
    for k, n in (before, after):
        if isinstance(k, bool) or isinstance(n, bool) or not 0 <= k <= n:
            raise ValueError("need 0 <= agreed <= votes")
    ks, ns = k2 - k1, n2 - n1
    if n1 < max(min_size, 1) or ns < max(min_size, 1) or not 0 <= ks <= ns:
        return ShareChange(None, None, None, None, None, hidden="too few")
    if not share_shown(ks, ns):
        return ShareChange(None, None, None, None, None, hidden="unanimous")
    low, high = newcombe_interval(k1, n1, ks, ns)
    return ShareChange((k1, n1), (ks, ns), ks / ns - k1 / n1, low, high)
