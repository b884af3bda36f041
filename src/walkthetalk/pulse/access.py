"""Access funnel for waves: the one way a page or the API gets a wave for a staff member."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User

from walkthetalk.caremap.access import (
    FACILITATOR,
    LEADER,
    STEWARD,
    access_care_system,
    found_or_404,
)
from walkthetalk.caremap.models import CareSystem
from walkthetalk.pulse.models import Wave

READERS = (STEWARD, FACILITATOR, LEADER)
"""Who reads a wave's figures (the dashboard, downloads and the API)."""


def access_wave(
    user: User | AnonymousUser, slug: str, wave_id: int, *roles: str
) -> tuple[CareSystem, Wave]:
    """The care system ``slug`` and its wave ``wave_id``, for a user holding one of ``roles``
    there (the readers of figures when none are given)."""
    system = access_care_system(user, slug, *(roles or READERS))
    wave = found_or_404(
        Wave.objects.filter(care_system=system, pk=wave_id), "No such wave in this care system."
    )
    return system, wave
