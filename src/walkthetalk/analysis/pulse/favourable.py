"""% favourable: the share of a group whose answers to a scale lean to its healthy end.

A person is *favourable* on a mean-scored scale when their scale score (the mean of the
statements they answered, keyed so that a high score means what the scale's ``higher_is``
says) is at least :func:`threshold` — the second-highest response option, 4 ("mostly true for
us") on the pulse's 1–5 options. So on a healthy way it is the share who say it is mostly or
very true of them; on a strain scale (``higher_is: strain``) the same share is the share *under
strain*, where higher is worse. One person counts once, so the share is a binomial proportion
over people and gets Wilson's score interval; a change between two waves (independent samples:
responses cannot be paired across waves) gets Newcombe's hybrid score interval for a difference
of two proportions (:func:`~.share_change.newcombe_interval`).

Privacy: a share is given only over a group of at least the minimum size and only when it is
not unanimous (:func:`~walkthetalk.analysis.privacy.share_shown`: "all of them" or "none of
them" would tell each person's answer). Pure numpy; never imports Django.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from ..privacy import share_shown
from .share_change import newcombe_interval
from .verdict import wilson_interval

TOO_FEW = "too few"
UNANIMOUS = "unanimous"


def threshold(options: ArrayLike) -> float:
    """The lowest favourable score: the second-highest response option's value."""
    values = sorted(float(v) for v in np.asarray(options, dtype=float).ravel())
    if len(values) < 2:
        raise ValueError("need at least two response options")
    return values[-2]


@dataclass(frozen=True)
class Share:
    """``k`` favourable of ``n`` answers, with its 95% Wilson interval (``None`` when hidden;
    :attr:`hidden` then says why: :data:`TOO_FEW` or :data:`UNANIMOUS`)."""

    k: int | None
    n: int | None
    share: float | None
    ci_low: float | None
    ci_high: float | None
    hidden: str = ""

    @property
    def shown(self) -> bool:
        return self.share is not None


def favourable_share(values: ArrayLike, *, at_least: float, min_size: int) -> Share:
    """The share of answered ``values`` (NaN = not answered) that are ``>= at_least``."""
    a = np.asarray(values, dtype=float).ravel()
    a = a[~np.isnan(a)]
    n = int(a.size)
    if n < max(min_size, 1):
        return Share(None, None, None, None, None, TOO_FEW)
    k = int((a >= at_least - 1e-9).sum())
    if not share_shown(k, n):
        return Share(None, None, None, None, None, UNANIMOUS)
    low, high = wilson_interval(k, n)
    return Share(k, n, k / n, low, high)


@dataclass(frozen=True)
class ShareDifference:
    """``after.share - before.share`` with Newcombe's 95% interval (``None`` unless both shown)."""

    difference: float | None
    ci_low: float | None
    ci_high: float | None

    @property
    def shown(self) -> bool:
        return self.difference is not None

    @property
    def clear(self) -> bool:
        """True when the interval leaves out zero (a change beyond chance)."""
        return (
            self.ci_low is not None
            and self.ci_high is not None
            and (self.ci_low > 0 or self.ci_high < 0)
        )


def share_difference(before: Share | None, after: Share | None) -> ShareDifference:
    """The change of a favourable share from one wave to the next (both must be shown)."""
    if before is None or after is None or not before.shown or not after.shown:
        return ShareDifference(None, None, None)
    assert before.k is not None and before.n and after.k is not None and after.n
    low, high = newcombe_interval(before.k, before.n, after.k, after.n)
    return ShareDifference(after.k / after.n - before.k / before.n, low, high)
