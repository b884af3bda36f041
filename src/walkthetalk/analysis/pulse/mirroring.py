"""Mirroring between levels: does a unit's rule profile echo its parent level's (parallel process)?

A *profile* is a unit's mean score on each rule scale (healthy direction high). Two things can
mirror between a unit and its parent level (a team and its program, a program and its agency):

- **shape** — the same rules stand out as strengths and the same as strains. We measure it with
  ``shape_r``, the Pearson correlation across rules of the two profiles' *deviations*. By default
  each profile is centered on its own mean across rules (an ipsative profile, so a unit that is
  uniformly higher or lower than its parent still mirrors it). Every unit tends to find some
  rules easier to endorse than others, which alone makes profiles correlate; pass a
  ``reference`` profile (for example the care system's mean per rule, or the previous wave's) and
  deviations are taken from it instead, so ``shape_r`` shows mirroring beyond the common
  pattern. Needs at least 3 rules; NaN if either profile is flat.
- **level** — ``mean_abs_difference``: the average absolute gap in scale points between unit and
  parent on the same rules (0 = identical).

``rules`` lists every rule with its pattern — ``shared_strength`` (both above their centre),
``shared_strain`` (both below), or ``differs`` — strengths first, then differs, then strains.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

Profile = Mapping[str, float]
K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class RuleMirror:
    """One rule in a unit–parent comparison."""

    rule: str
    unit_score: float
    parent_score: float
    unit_deviation: float
    parent_deviation: float
    pattern: str  # shared_strength | shared_strain | differs


@dataclass(frozen=True)
class Mirroring:
    """How closely a unit's profile mirrors its parent's."""

    unit: Hashable
    parent: Hashable
    n_rules: int
    shape_r: float
    mean_abs_difference: float
    rules: tuple[RuleMirror, ...]

    @property
    def shared_strengths(self) -> tuple[str, ...]:
        return tuple(r.rule for r in self.rules if r.pattern == "shared_strength")

    @property
    def shared_strains(self) -> tuple[str, ...]:
        return tuple(r.rule for r in self.rules if r.pattern == "shared_strain")


_ORDER = {"shared_strength": 0, "differs": 1, "shared_strain": 2}


def _finite(p: Profile) -> dict[str, float]:
    return {k: float(v) for k, v in p.items() if v is not None and np.isfinite(v)}


def compare_profiles(
    unit_profile: Profile,
    parent_profile: Profile,
    *,
    reference: Profile | None = None,
    unit: Hashable = None,
    parent: Hashable = None,
) -> Mirroring:
    """Compare one unit's rule profile with its parent level's (see the module docstring)."""
    u, p = _finite(unit_profile), _finite(parent_profile)
    ref = _finite(reference) if reference is not None else None
    rules = sorted(set(u) & set(p) & (set(ref) if ref is not None else set(u)))
    if not rules:
        return Mirroring(unit, parent, 0, float("nan"), float("nan"), ())
    uv = np.array([u[r] for r in rules])
    pv = np.array([p[r] for r in rules])
    if ref is not None:
        rv = np.array([ref[r] for r in rules])
        ud, pd = uv - rv, pv - rv
    else:
        ud, pd = uv - uv.mean(), pv - pv.mean()
    shape = float("nan")
    if len(rules) >= 3:
        a, b = ud - ud.mean(), pd - pd.mean()
        denom = float(np.sqrt(np.dot(a, a) * np.dot(b, b)))
        if denom > 1e-12:
            shape = float(np.dot(a, b)) / denom
    mirrors = []
    for i, rule in enumerate(rules):
        if ud[i] > 0 and pd[i] > 0:
            pattern = "shared_strength"
        elif ud[i] < 0 and pd[i] < 0:
            pattern = "shared_strain"
        else:
            pattern = "differs"
        mirrors.append(
            RuleMirror(rule, float(uv[i]), float(pv[i]), float(ud[i]), float(pd[i]), pattern)
        )
    mirrors.sort(key=lambda m: (_ORDER[m.pattern], -(m.unit_deviation + m.parent_deviation)))
    return Mirroring(
        unit=unit,
        parent=parent,
        n_rules=len(rules),
        shape_r=shape,
        mean_abs_difference=float(np.mean(np.abs(uv - pv))),
        rules=tuple(mirrors),
    )


def mirroring_between_levels(
    profiles: Mapping[K, Profile],
    parent_of: Mapping[K, K],
    *,
    reference: Profile | None = None,
) -> list[Mirroring]:
    """Compare every unit that has a parent with a profile to that parent, strongest first."""
    out = [
        compare_profiles(profiles[u], profiles[p], reference=reference, unit=u, parent=p)
        for u, p in parent_of.items()
        if u in profiles and p in profiles
    ]
    out.sort(key=lambda m: -m.shape_r if np.isfinite(m.shape_r) else np.inf)
    return out
