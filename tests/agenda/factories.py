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
    (token,) = caremap_services.create_invitations(system, 1, sector=sector)
    return caremap_services.redeem_invitation(token)
