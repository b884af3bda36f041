"""Small builders for conversation tests."""

from __future__ import annotations

import secrets

from walkthetalk.caremap import services as caremap_services
from walkthetalk.caremap.models import CareSystem
from walkthetalk.caremap.passes import ParticipantPass
from walkthetalk.conversations import services
from walkthetalk.conversations.models import Conversation

SEEDS = [
    "Paperwork takes time away from the people we serve.",
    "Our funders listen when we say what is not working.",
    "Direct care staff should help design programs.",
    "Burnout is treated as a personal problem, not a system one.",
    "People in recovery should be at every decision table.",
    "We rarely talk openly about mistakes.",
    "Everyone here wants the people we serve to thrive.",
    "Supervisors have time to support their teams.",
]


def conversation(system: CareSystem, **kwargs: object) -> Conversation:
    kwargs.setdefault("seed_statements", SEEDS)
    return services.create_conversation(system, "Talking about the hard things", **kwargs)  # type: ignore[arg-type]


def joined(conv: Conversation, sector_slug: str | None = "treatment") -> ParticipantPass:
    system = conv.care_system
    sector = system.sectors.get(slug=sector_slug) if sector_slug else None
    participant_pass = caremap_services.open_pass(system, sector)
    services.accept_agreements(conv, participant_pass)
    return participant_pass


def key() -> str:
    return secrets.token_urlsafe(16)
