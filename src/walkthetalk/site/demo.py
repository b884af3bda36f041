"""The demo: a seeded care system and staff accounts, so every feature has something to show."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from walkthetalk.caremap import services as caremap_services
from walkthetalk.caremap.demo import seed_demo_map
from walkthetalk.caremap.models import CareSystem, StaffRole

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
    return DemoSeed(system, tuple(name for name, _ in DEMO_STAFF), DEMO_PASSWORD)
