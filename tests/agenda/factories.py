"""Builders for agenda tests."""

from __future__ import annotations

import secrets

from walkthetalk.caremap import services as caremap_services
from walkthetalk.caremap.models import CareSystem
from walkthetalk.caremap.passes import ParticipantPass


def key() -> str:
    return secrets.token_urlsafe(24)


def a_pass(system: CareSystem, sector_slug: str | None = "treatment") -> ParticipantPass:
    sector = system.sectors.get(slug=sector_slug) if sector_slug else None
    # An open-link pass declaring its sector (one invitation alone would be generalized to
    # no sector, since a sector of one invited person could name them).
    return caremap_services.open_pass(system, sector)
