"""The participants' verdict on a step forward: "Did '<step>' help?".

Each answer is one of :data:`HELPED` ("yes, it helped"), :data:`A_LITTLE` ("it helped a
little") or :data:`NOT_YET` ("no, not yet"); "I don't know" and "prefer not to say" are left out
before this module sees the answers. The figure is the share who say it helped at least a little,
with a Wilson score interval (Wilson 1927; Brown, Cai & DasGupta 2001 recommend it over the
Wald interval for small n). It is called a clear verdict only when that interval lies wholly
above one half ("most say it helped") or wholly below it ("most say it has not helped yet").
No figure is given for fewer answers than the minimum group size, nor when the answers are
unanimous (:func:`~walkthetalk.analysis.privacy.share_shown`): "all of them said it helped"
would tell each person's answer. Pure numpy/scipy; never imports Django.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

from ..privacy import share_shown

HELPED = 3.0
A_LITTLE = 2.0
NOT_YET = 1.0
VALUES = (HELPED, A_LITTLE, NOT_YET)

MOST_HELPED = "helped"
MOST_NOT_YET = "not yet"
MIXED = "mixed"


@dataclass(frozen=True)
class StepVerdict:
    """How many answered, how many said it helped (a lot or a little), and the share's interval.

    Figures are ``None`` when fewer than the minimum group size answered, or when the answers
    were unanimous (``unanimous`` is then true only if enough answered)."""

    n: int
    helped: int | None
    share: float | None
    ci_low: float | None
    ci_high: float | None
    unanimous: bool = False

    @property
    def shown(self) -> bool:
        return self.share is not None

    @property
    def verdict(self) -> str:
        """:data:`MOST_HELPED` or :data:`MOST_NOT_YET` only when the interval leaves out one
        half; otherwise :data:`MIXED` (or ``""`` when nothing may be shown)."""
        if self.ci_low is None or self.ci_high is None:
            return ""
        if self.ci_low > 0.5:
            return MOST_HELPED
        if self.ci_high < 0.5:
            return MOST_NOT_YET
        return MIXED


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """The Wilson score interval for a proportion ``successes / n`` (``n`` > 0)."""
    if n <= 0 or not 0 <= successes <= n:
        raise ValueError("need 0 <= successes <= n and n > 0")
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, float(centre - half)), min(1.0, float(centre + half))


def step_verdict(answers: ArrayLike, *, min_size: int, confidence: float = 0.95) -> StepVerdict:
    """The verdict over ``answers`` (values in :data:`VALUES`; NaN answers dropped)."""
    a = np.asarray(answers, dtype=float).ravel()
    a = a[~np.isnan(a)]
    if not np.isin(a, VALUES).all():
        raise ValueError("step answers must be 1 (not yet), 2 (a little) or 3 (helped)")
    n = int(a.size)
    if n < max(min_size, 1):
        return StepVerdict(n, None, None, None, None)
    helped = int((a >= A_LITTLE).sum())
    if not share_shown(helped, n):
        return StepVerdict(n, None, None, None, None, unanimous=True)
    low, high = wilson_interval(helped, n, confidence)
    return StepVerdict(n, helped, helped / n, low, high)
