"""Builders for messenger tests."""

from __future__ import annotations

import secrets

from django.http import HttpResponse
from django.test import Client

from walkthetalk.caremap import services as caremap_services
from walkthetalk.caremap.models import CareSystem
from walkthetalk.caremap.participant_http import give_pass
from walkthetalk.caremap.passes import PASS_COOKIE, ParticipantPass
from walkthetalk.messenger import services
from walkthetalk.messenger.models import LeadershipRole


def key() -> str:
    return secrets.token_urlsafe(24)


def a_pass(system: CareSystem) -> ParticipantPass:
    (token,) = caremap_services.create_invitations(system, 1)
    return caremap_services.redeem_invitation(token)


def a_role(system: CareSystem, title: str = "Clinical Director") -> LeadershipRole:
    return services.add_leadership_role(system, title)


def with_pass(client: Client, system: CareSystem) -> ParticipantPass:
    """Give ``client`` a new participant pass of ``system`` (as its cookie); returns the pass."""
    participant = a_pass(system)
    cookie = give_pass(HttpResponse(), participant).cookies[PASS_COOKIE].value
    client.cookies[PASS_COOKIE] = cookie
    return participant
