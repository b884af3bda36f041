"""The minimum group size ``k``: its floor, and that it can only be raised once a wave opens."""

from __future__ import annotations

from dataclasses import dataclass, replace

DEFAULT_MIN_SIZE = 5
ABSOLUTE_FLOOR = 3
"""No policy may use a minimum group size below this, open wave or not."""


class PrivacyError(ValueError):
    """A privacy rule was broken (for example, lowering the minimum size of an open wave)."""


def validate_min_size(min_size: int) -> int:
    """Return ``min_size`` if it is a whole number of at least :data:`ABSOLUTE_FLOOR`."""
    if isinstance(min_size, bool) or not isinstance(min_size, int):
        raise PrivacyError(f"minimum group size must be a whole number, got {min_size!r}")
    if min_size < ABSOLUTE_FLOOR:
        raise PrivacyError(f"minimum group size must be at least {ABSOLUTE_FLOOR}, got {min_size}")
    return min_size


def check_min_size_change(current: int, proposed: int, *, wave_open: bool) -> int:
    """Return the minimum size to use after a requested change, or raise :class:`PrivacyError`.

    Raising the minimum is always allowed. Lowering it is refused once a wave has opened, because
    figures already released under the higher minimum could then be combined with new, smaller
    ones.
    """
    validate_min_size(current)
    validate_min_size(proposed)
    if wave_open and proposed < current:
        raise PrivacyError(
            f"the minimum group size cannot be lowered from {current} to {proposed} "
            "after a wave has opened; it can only be raised"
        )
    return proposed


@dataclass(frozen=True)
class MinimumSizePolicy:
    """The minimum group size of a care system or wave; ``wave_open`` locks it against lowering."""

    min_size: int = DEFAULT_MIN_SIZE
    wave_open: bool = False

    def __post_init__(self) -> None:
        validate_min_size(self.min_size)

    def open_wave(self) -> MinimumSizePolicy:
        """The same policy, locked: from now on it may only be raised."""
        return replace(self, wave_open=True)

    def with_min_size(self, proposed: int) -> MinimumSizePolicy:
        """A policy with a new minimum; :class:`PrivacyError` if that lowers an open wave's."""
        return replace(
            self, min_size=check_min_size_change(self.min_size, proposed, wave_open=self.wave_open)
        )

    def allows(self, n: int) -> bool:
        """True if a single figure about ``n`` contributors may be shown on its own."""
        return n == 0 or n >= self.min_size
