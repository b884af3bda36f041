"""Released pulse figures, computed once per release state and kept in the site's cache.

A wave's dashboard (:func:`walkthetalk.reports.pulse.dashboard`) loads every response, plans
the release against the wave's privacy ledger and computes shares, intervals and trends: about
a second. It is computed once per *state* (:func:`walkthetalk.pulse.selectors.figures_state`:
the answer counts, closing days, minimum sizes and ledgers of the wave and the waves before it,
and the names of the care map) and kept in the site's database cache under that state; charts
drawn from it are kept the same way. Any change of state — a new answer, the wave closing, a
figure released elsewhere, a renamed unit — makes a new key, so nothing stale is shown and old
entries expire by themselves.

The worker (:mod:`walkthetalk.reports.tasks`) computes every wave's figures at fixed times of
the clock. A page shows the figures stored for the current state; when the state has moved
since the worker's last round (an answer came in), it shows the last figures stored for the
wave — already released, at most one round old — and says so; only a wave with nothing stored
yet is computed by the page, through the very same release path. So a page never waits for a
release to be planned, and what it shows was released once, by the worker or a first view.
Figures are stored under the state read *after* they were computed, since computing them is
what records the release in the ledger.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from walkthetalk.pulse import release as pulse_release
from walkthetalk.pulse import selectors
from walkthetalk.pulse.models import Wave
from walkthetalk.reports import figure_cache, pulse

VERSION = 1
"""Raise when what is stored changes shape (older entries are then never read)."""

T = TypeVar("T")


def state(wave: Wave) -> str:
    return selectors.figures_state(wave)


def _key(wave: Wave, current: str, what: str) -> str:
    return f"pulse-figures:v{VERSION}:{wave.pk}:{current}:{what}"


def _latest_key(wave: Wave, what: str) -> str:
    """Where the state of the last figures stored for ``what`` is kept."""
    return f"pulse-figures:v{VERSION}:{wave.pk}:latest:{what}"


def scale_of(wave: Wave, scale_id: str | None) -> str:
    """``scale_id`` if the wave's instrument has it, else "" (the dashboard's default)."""
    inst = pulse_release.instrument_of(wave)
    ids = {s.id for s in inst.scales} if inst else set()
    return scale_id if scale_id in ids else ""


def stored(
    wave: Wave, what: str, compute: Callable[[], T], current: str | None = None
) -> tuple[T, str]:
    """What is stored under ``what`` for ``current`` — the state the value is drawn from (a
    chart of stored figures) — or, without it, for the wave's current state (computed and
    stored if missing); and the state it is stored under. Figures computed for the current
    state are stored under the state read after computing them (that records their release)."""
    asked = current
    current = current or state(wave)
    found = figure_cache.get(_key(wave, current, what))
    if found is not None:
        return found, current  # type: ignore[return-value]
    value = compute()
    after = asked or state(wave)
    figure_cache.keep(_key(wave, after, what), value)
    figure_cache.point(_latest_key(wave, what), after)
    return value, after


def _last_stored(wave: Wave, what: str) -> tuple[object, str] | None:
    """The last value stored for ``what`` (any state) and its state, if still kept."""
    last = figure_cache.get(_latest_key(wave, what))
    found = figure_cache.get(_key(wave, str(last), what)) if last else None
    return (found, str(last)) if found is not None and last else None


def shares(wave: Wave) -> pulse.Shares:
    """A wave's released favourable shares (for the change since it, in a later wave)."""
    return stored(wave, "shares", lambda: pulse.wave_shares(wave))[0]


def shown_state(wave: Wave, scale_id: str | None = None) -> str:
    """The state whose figures a page shows now (see :func:`dashboard`): for ETags."""
    current, what = state(wave), f"dashboard:{scale_of(wave, scale_id)}"
    if figure_cache.has(_key(wave, current, what)):
        return current
    return str(figure_cache.get(_latest_key(wave, what)) or current)


def dashboard(wave: Wave, scale_id: str | None = None) -> tuple[pulse.Dashboard, str]:
    """The wave's dashboard a page shows, and its state (for ETags): the figures stored for the
    current state, else the last ones stored for the wave (at most one worker round old; the
    page says so when the state differs from :func:`state`), else computed now."""
    scale = scale_of(wave, scale_id)
    current, what = state(wave), f"dashboard:{scale}"
    found = figure_cache.get(_key(wave, current, what))
    if found is not None:
        return found, current  # type: ignore[return-value]
    last = _last_stored(wave, what)
    if last is not None:
        return last[0], last[1]  # type: ignore[return-value]
    return computed(wave, scale_id)


def computed(wave: Wave, scale_id: str | None = None) -> tuple[pulse.Dashboard, str]:
    """The wave's dashboard for its current state (computed and stored if missing)."""
    scale = scale_of(wave, scale_id)
    d, current = stored(
        wave, f"dashboard:{scale}", lambda: pulse.dashboard(wave, scale or None, shares_of=shares)
    )
    if not scale:
        # the default healthy way is also asked for by name (the charts' addresses name it)
        named = _key(wave, current, f"dashboard:{d.unit_scale}")
        if not figure_cache.has(named):
            figure_cache.keep(named, d)
            figure_cache.point(_latest_key(wave, f"dashboard:{d.unit_scale}"), current)
    return d, current


def is_stored(wave: Wave, what: str) -> bool:
    return figure_cache.has(_key(wave, state(wave), what))


def refresh(wave: Wave) -> bool:
    """Compute the wave's figures (default healthy way) unless stored; True if computed."""
    if is_stored(wave, "dashboard:"):
        return False
    computed(wave)
    return True
