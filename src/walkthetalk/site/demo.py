"""The demo: a seeded care system and staff accounts, so every feature has something to show."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from walkthetalk.agenda.demo import seed_demo as seed_agenda_demo
from walkthetalk.agenda.demo import seed_earlier_loop
from walkthetalk.caremap import services as caremap_services
from walkthetalk.caremap.demo import DEMO_SLUG, seed_demo_map
from walkthetalk.caremap.models import CareSystem, StaffRole
from walkthetalk.conversations.demo import seed_demo as seed_conversations_demo
from walkthetalk.conversations.demo import seed_topics, seed_votes_since
from walkthetalk.messenger.demo import DEMO_CODE
from walkthetalk.messenger.demo import seed_demo as seed_messenger_demo
from walkthetalk.pulse.demo import seed_demo as seed_pulse_demo
from walkthetalk.reports.tasks import refresh_all as refresh_pulse_figures

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


@dataclass(frozen=True)
class SeedStep:
    """One part of the demo, named as the demo command shows it while it seeds."""

    label: str
    run: Callable[[CareSystem], None]


def _pulse_figures(system: CareSystem) -> None:
    """What the worker's first round does: dashboards, charts and PDFs are stored from the start."""
    refresh_pulse_figures()


def _staff(system: CareSystem) -> None:
    user_model = get_user_model()
    for username, role in DEMO_STAFF:
        user, created = user_model.objects.get_or_create(username=username)
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        caremap_services.grant_role(user, system, role)


SEED_STEPS = (
    SeedStep("staff sign-ins", _staff),
    SeedStep("a step forward agreed last year", seed_earlier_loop),
    SeedStep("pulse waves and their answers", seed_pulse_demo),
    SeedStep("conversations, statements and votes", seed_conversations_demo),
    SeedStep("the backlog and gatherings", seed_agenda_demo),
    SeedStep("votes since the gathering", seed_votes_since),
    SeedStep("topics of the statements and backlog issues", seed_topics),
    SeedStep("messenger concerns and replies", seed_messenger_demo),
    SeedStep("the dashboards' figures, charts and printed reports", _pulse_figures),
)


def is_seeded() -> bool:
    """Whether an earlier run seeded the demo (a later run then only checks it)."""
    return CareSystem.objects.filter(slug=DEMO_SLUG).exists()


@transaction.atomic
def seed_demo(on_step: Callable[[int, int, str], None] | None = None) -> DemoSeed:
    """Seed (or complete) the demo care system; idempotent. ``on_step(number, total, label)``
    is called before each step, the care map being step 1."""
    total = len(SEED_STEPS) + 1
    if on_step:
        on_step(1, total, "the care map (units, levels, sectors)")
    system = seed_demo_map()
    for number, step in enumerate(SEED_STEPS, start=2):
        if on_step:
            on_step(number, total, step.label)
        step.run(system)
    return DemoSeed(system, tuple(name for name, _ in DEMO_STAFF), DEMO_PASSWORD, DEMO_CODE)


def demo_participant_links(system: CareSystem, base_url: str, count: int = 5) -> list[str]:
    """Fresh one-time invitation links for trying the demo as a participant (direct care,
    on a treatment team). Tokens are never stored, so each demo start makes new ones. Five, the
    demo's minimum group size: a smaller batch would be counted as part of a wider group."""
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
    )
    return [f"{base_url}join/?t={token}" for token in tokens]
