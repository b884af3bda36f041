"""Builders for messenger tests."""

from __future__ import annotations

import secrets

from walkthetalk.caremap import services as caremap_services
from walkthetalk.caremap.models import CareSystem
from walkthetalk.caremap.passes import ParticipantPass
from walkthetalk.messenger import services
from walkthetalk.messenger.models import LeadershipRole


def key() -> str:
    return secrets.token_urlsafe(24)


def a_pass(system: CareSystem) -> ParticipantPass:
    (token,) = caremap_services.create_invitations(system, 1)
    return caremap_services.redeem_invitation(token)


def a_role(system: CareSystem, title: str = "Clinical Director") -> LeadershipRole:
    return services.add_leadership_role(system, title)
