"""Did it change? A pulse scale for a unit before and after a day (an action's gathering).

The waves compared are the last pulse that closed on or before the day and covered the unit
(before) and the first pulse opened after the day that covers it (after). Each side's figure is
the unit group's released mean (the unit and everything below it, or the whole wave), read
through the wave's privacy ledger exactly as the dashboard reads it
(:func:`walkthetalk.pulse.release.release_groups`), so nothing here can describe a group the
dashboard would hide. The change is Welch's difference of the two means with its 95% interval
(:func:`walkthetalk.analysis.pulse.wave_change`: waves are anonymous, so answers cannot be
paired). It is called clear only when that interval leaves out zero; otherwise the page says
there is no clear change yet. When a figure cannot be shown, :attr:`MeasuredChange.reason` says
why in plain words.

:func:`participants_verdict` reads what participants said when the next pulse asked "Did
'<step>' help?" (:mod:`walkthetalk.pulse.steps`), through the same ledger.

Limits (docs/method.md): a change after an action is not proof the action caused it — other
things change between waves too; and different people may answer each wave.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from django.core.cache import caches
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from walkthetalk.analysis.pulse import StepVerdict, WaveChange, step_verdict, wave_change
from walkthetalk.pulse import selectors, services, steps
from walkthetalk.pulse.models import Wave
from walkthetalk.pulse.release import Released, release_groups
from walkthetalk.pulse.wave_data import WaveData, load

CLEARLY_BETTER = "better"
CLEARLY_WORSE = "worse"
NO_CLEAR_CHANGE = "no clear change"


@dataclass(frozen=True)
class MeasuredChange:
    """One scale for one unit (or the whole system), before and after; or why not."""

    scale_id: str
    scale_name: str
    place: str
    before: str
    after: str
    change: WaveChange | None
    higher_is: str
    reason: str = ""

    @property
    def shown(self) -> bool:
        return self.change is not None and self.change.difference is not None

    @property
    def verdict(self) -> str:
        """ "better" or "worse" only when the 95% interval leaves out no change."""
        c = self.change
        if c is None or c.ci_low is None or c.ci_high is None:
            return ""
        if c.ci_low <= 0 <= c.ci_high:
            return NO_CLEAR_CHANGE
        up = c.ci_low > 0
        return CLEARLY_BETTER if up == (self.higher_is != "strain") else CLEARLY_WORSE


def _covers(wave: Wave, unit_id: int | None) -> bool:
    return unit_id is None or unit_id in selectors.covered_unit_ids(wave)


CACHE_PREFIX = "wtt:pulse-effects:"
CACHE_SECONDS = 7 * 24 * 3600
HIDDEN = "hidden"
"""Cached in place of a figure that may not be shown."""


def _state(wave: Wave) -> str:
    """What a closed wave's released figures depend on: the wave, the day it closed and its
    responses (a closed wave takes no more answers, and its ledger already holds every figure
    released from them). Measured changes and verdicts are cached under it, so a page view
    reads them instead of loading and releasing whole waves again."""
    return f"{wave.pk}.{wave.closed_on}.{wave.responses.count()}"


Loaded = dict[int, tuple[WaveData, Released]]
"""Waves already loaded and released, by id: pass one to several calls of
:func:`scale_change` made for one page, so each wave is read once."""


def _values(
    wave: Wave, scale_id: str, unit_id: int | None, loaded: Loaded
) -> tuple[np.ndarray, int] | None:
    """The released answers of the unit group (or the whole wave) on one scale, or ``None``
    when the group's figures are hidden."""
    if wave.pk not in loaded:
        data = load(wave)
        loaded[wave.pk] = (data, release_groups(data))
    data, rel = loaded[wave.pk]
    key = "total" if unit_id is None else f"unit:{unit_id}"
    if not any(g.key == key for g in rel.groups) or not rel.shown(key):
        return None
    rows = rel.scale_rows(scale_id, key)
    return data.scores[scale_id][rows], rel.min_size


def scale_change(
    system_id: int,
    scale_id: str,
    unit_id: int | None,
    place: str,
    since: dt.date,
    loaded: Loaded | None = None,
) -> MeasuredChange:
    """The change on ``scale_id`` for ``unit_id`` (``None``: the whole system) across ``since``."""
    inst = services.instrument().in_language(get_language())
    names = {s.id: s for s in inst.scales}
    scale = names.get(scale_id)
    name, higher_is = (scale.name, scale.higher_is) if scale else (scale_id, "healthy")

    def unshown(reason: str, before: str = "", after: str = "") -> MeasuredChange:
        return MeasuredChange(scale_id, name, place, before, after, None, higher_is, reason)

    waves = [
        w
        for w in Wave.objects.filter(care_system_id=system_id).order_by("opened_on", "id")
        if _covers(w, unit_id)
    ]
    earlier = [w for w in waves if w.closed_on is not None and w.closed_on <= since]
    later = [w for w in waves if w.opened_on > since]
    if not earlier:
        return unshown(_("No pulse before this step covered it, so there is nothing to compare."))
    before = earlier[-1]
    if not later:
        return unshown(_("Not measured again yet: no pulse has covered it since."), before.title)
    after = later[0]
    if after.is_open:
        return unshown(
            _("Being measured again in “%(wave)s”; the change shows when it closes.")
            % {"wave": after.title},
            before.title,
            after.title,
        )
    same = (before.instrument_key, before.instrument_version) == (
        after.instrument_key,
        after.instrument_version,
    )
    if not same or scale_id not in {s.id for s in services.instrument_for(after).scales}:
        return unshown(
            _(
                "The pulse's questions changed between the two waves, "
                "so its scores are not compared."
            ),
            before.title,
            after.title,
        )
    key = f"{CACHE_PREFIX}change:{_state(before)}:{_state(after)}:{scale_id}:{unit_id}"
    change = caches["figures"].get(key)
    if change is None:
        loaded = {} if loaded is None else loaded
        a = _values(before, scale_id, unit_id, loaded)
        b = _values(after, scale_id, unit_id, loaded)
        change = (
            HIDDEN if a is None or b is None else wave_change(a[0], b[0], min_size=max(a[1], b[1]))
        )
        caches["figures"].set(key, change, CACHE_SECONDS)
    if change == HIDDEN or change.difference is None:
        return unshown(
            _("Too few answers here to show a figure without risking anyone's privacy."),
            before.title,
            after.title,
        )
    return MeasuredChange(scale_id, name, place, before.title, after.title, change, higher_is)


@dataclass(frozen=True)
class ParticipantsVerdict:
    """What participants said when a pulse asked "Did '<step>' help?"; or why it is not shown.

    ``verdict`` holds the released figure (share who said it helped, with its Wilson interval)
    over exactly the answers the wave's ledger releases for the whole wave."""

    wave: str
    verdict: StepVerdict | None
    reason: str = ""
    by_unit: tuple[tuple[str, StepVerdict], ...] = ()
    """(unit name, verdict) for each unit the step aims at, when every one of them can be shown
    (see :func:`participants_verdict`); empty: the figure is for the whole wave only."""

    @property
    def shown(self) -> bool:
        return self.verdict is not None and self.verdict.shown

    @property
    def scope(self) -> str:
        """ "units" when the verdict is shown unit by unit, else "wave" (the whole wave)."""
        return "units" if self.by_unit else "wave"

    @property
    def word(self) -> str:
        """ "helped", "not yet", "mixed" (see :mod:`walkthetalk.analysis.pulse.verdict`)."""
        return self.verdict.verdict if self.verdict is not None else ""


def participants_verdict(
    system_id: int, action_id: int, loaded: Loaded | None = None
) -> ParticipantsVerdict | None:
    """The verdict on one step forward, from the wave that asked about it (``None``: no wave
    has asked yet). Shown only once that wave has closed, like every measured change."""
    asking = [
        w
        for w in Wave.objects.filter(care_system_id=system_id).order_by("opened_on", "id")
        if any(q.action_id == action_id for q in steps.questions(w.step_questions or []))
    ]
    if not asking:
        return None
    wave = asking[0]
    if wave.is_open:
        return ParticipantsVerdict(
            wave.title,
            None,
            _("Being asked in “%(wave)s”; the answers show when it closes.") % {"wave": wave.title},
        )
    key = f"{CACHE_PREFIX}verdict:{_state(wave)}:{action_id}"
    figures = caches["figures"].get(key)
    if figures is None:
        figures = _verdict_figures(wave, action_id, {} if loaded is None else loaded)
        caches["figures"].set(key, figures, CACHE_SECONDS)
    if figures == HIDDEN:
        return ParticipantsVerdict(
            wave.title,
            None,
            _("Too few different answers here to show without risking anyone's privacy."),
        )
    verdict, by_unit = figures
    return ParticipantsVerdict(wave.title, verdict, by_unit=by_unit)


def _verdict_figures(
    wave: Wave, action_id: int, loaded: Loaded
) -> tuple[StepVerdict, tuple[tuple[str, StepVerdict], ...]] | str:
    """The whole wave's verdict and the units' (see :func:`_by_unit`), or :data:`HIDDEN`."""
    if wave.pk not in loaded:
        data = load(wave)
        loaded[wave.pk] = (data, release_groups(data))
    data, rel = loaded[wave.pk]
    question = next(
        q for q in steps.questions(wave.step_questions or []) if q.action_id == action_id
    )
    key = question.id
    if key not in data.steps or not rel.shown("total"):
        return HIDDEN
    values = data.steps[key][rel.scale_rows(key, "total")]
    verdict = step_verdict(values, min_size=rel.min_size)
    if not verdict.shown:
        return HIDDEN
    return verdict, _by_unit(question, data, rel)


def _by_unit(
    question: steps.StepQuestion, data: WaveData, rel: Released
) -> tuple[tuple[str, StepVerdict], ...]:
    """The verdict in each unit the question names, released through the wave's ledger like
    the whole wave's — or nothing (the whole wave's figure only).

    All or nothing: only when every named unit's answers can be shown (enough of them, not
    unanimous) and no two named units share anyone (one inside the other). A shown unit beside
    a hidden one, or two nested ones, could be subtracted from the whole wave or from each
    other to recover a hidden (e.g. unanimous) group's answers."""
    if not question.units:
        return ()
    found = {g.key: g for g in rel.groups if g.kind == "unit"}
    keys = [f"unit:{u}" for u in question.units]
    if any(k not in found or not rel.shown(k) for k in keys):
        return ()
    seen: set[int] = set()
    for k in keys:
        rows = set(found[k].rows)
        if rows & seen:
            return ()
        seen |= rows
    out = []
    for k in keys:
        verdict = step_verdict(
            data.steps[question.id][rel.scale_rows(question.id, k)], min_size=rel.min_size
        )
        if not verdict.shown:
            return ()
        out.append((found[k].label, verdict))
    return tuple(out)
