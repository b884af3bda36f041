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
    loaded = {} if loaded is None else loaded
    a, b = _values(before, scale_id, unit_id, loaded), _values(after, scale_id, unit_id, loaded)
    if a is None or b is None:
        return unshown(
            _("Too few answers here to show a figure without risking anyone's privacy."),
            before.title,
            after.title,
        )
    change = wave_change(a[0], b[0], min_size=max(a[1], b[1]))
    if change.difference is None:
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

    @property
    def shown(self) -> bool:
        return self.verdict is not None and self.verdict.shown

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
    loaded = {} if loaded is None else loaded
    if wave.pk not in loaded:
        data = load(wave)
        loaded[wave.pk] = (data, release_groups(data))
    data, rel = loaded[wave.pk]
    key = steps.StepQuestion(action_id, "").id
    hidden = ParticipantsVerdict(
        wave.title,
        None,
        _("Too few different answers here to show without risking anyone's privacy."),
    )
    if key not in data.steps or not rel.shown("total"):
        return hidden
    values = data.steps[key][rel.scale_rows(key, "total")]
    verdict = step_verdict(values, min_size=rel.min_size)
    return ParticipantsVerdict(wave.title, verdict) if verdict.shown else hidden
