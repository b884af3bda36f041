"""Access funnel for concerns: leaders and stewards read a care system's concerns."""

from __future__ import annotations

from walkthetalk.caremap.access import LEADER, STEWARD, found_or_404
from walkthetalk.caremap.models import CareSystem
from walkthetalk.messenger.models import Concern

READERS = (LEADER, STEWARD)
"""Who reads concerns and their figures."""


def access_concern(system: CareSystem, public_id: str) -> Concern:
    """A concern of a care system already reached with ``access_care_system(..., *READERS)``."""
    return found_or_404(
        Concern.objects.filter(care_system=system, public_id=public_id),
        "No such concern in this care system.",
    )
