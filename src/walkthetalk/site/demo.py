"""The demo: a seeded care system and staff accounts, so every feature has something to show."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from walkthetalk.agenda.demo import seed_demo as seed_agenda_demo
from walkthetalk.caremap import services as caremap_services
from walkthetalk.caremap.demo import seed_demo_map
from walkthetalk.caremap.models import CareSystem, StaffRole
from walkthetalk.conversations.demo import seed_demo as seed_conversations_demo
from walkthetalk.messenger.demo import DEMO_CODE
from walkthetalk.messenger.demo import seed_demo as seed_messenger_demo
from walkthetalk.pulse.demo import seed_demo as seed_pulse_demo

DEMO_PASSWORD = "walk-the-talk-demo"  # noqa: S105 - printed by the demo on purpose
DEMO_STAFF = (
    ("steward", StaffRole.Role.STEWARD),
    ("facilitator", StaffRole.Role.FACILITATOR),
    ("leader", StaffRole.Role.LEADER),
)


@dataclass(frozen=True)
class DemoSeed:
    care_system: CareSystem
    usernames: tuple[str, ...]
    password: str
    receipt_code: str


@transaction.atomic
def seed_demo() -> DemoSeed:
    system = seed_demo_map()
    user_model = get_user_model()
    for username, role in DEMO_STAFF:
        user, created = user_model.objects.get_or_create(username=username)
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        caremap_services.grant_role(user, system, role)
    seed_pulse_demo(system)
    seed_conversations_demo(system)
    seed_agenda_demo(system)
    seed_messenger_demo(system)
    return DemoSeed(system, tuple(name for name, _ in DEMO_STAFF), DEMO_PASSWORD, DEMO_CODE)


def demo_participant_links(system: CareSystem, base_url: str, count: int = 3) -> list[str]:
    """Fresh one-time invitation links for trying the demo as a participant (direct care,
    on a treatment team). Tokens are never stored, so each demo start makes new ones."""
    # A treatment team under the state department, which the demo's open pulse covers.
    team = (
        system.units.filter(kind=4, parent__parent__parent__name__contains="Department")
        .order_by("name")
        .first()
    )
    level = system.levels.filter(name="Direct care").first()
    tokens = caremap_services.create_invitations(
        system,
        count,
        unit=team,
        level=level,
        sector=team.sector if team else None,
        batch_label="Demo participant links",
    )
    return [f"{base_url}join/?t={token}" for token in tokens]
