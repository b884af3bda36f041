"""Builders for pulse tests: waves, participants and their answers."""

from __future__ import annotations

import datetime as dt
import re

from django.test import Client

from walkthetalk.caremap import services as caremap_services
from walkthetalk.caremap.clock import today
from walkthetalk.caremap.models import CareSystem, Level, Unit
from walkthetalk.caremap.passes import ParticipantPass
from walkthetalk.pulse import services
from walkthetalk.pulse.models import Wave


def answers(value: int | None = 4, **overrides: int | None) -> dict[str, object]:
    inst = services.instrument()
    out: dict[str, object] = {item_id: value for item_id in inst.item_ids}
    out.update(overrides)
    return out


def healthy(value: int) -> dict[str, object]:
    """Answers that give every scale the score ``value`` (reverse-worded items turned around;
    a scale with its own, shorter answers gets its nearest answer)."""
    inst = services.instrument()
    out: dict[str, object] = {}
    for scale in inst.scales:
        options = inst.options_for(scale)
        low, high = options[0].value, options[-1].value
        v = min(max(value, low), high)
        for item in scale.items:
            out[item.id] = (low + high - v) if item.reverse else v
    return out


def unit(system: CareSystem, name: str) -> Unit:
    return system.units.get(name=name)


def level(system: CareSystem, name: str = "Direct care") -> Level:
    return system.levels.get(name=name)


def passes(wave: Wave, n: int, *, unit: Unit, level: Level | None = None) -> list[ParticipantPass]:
    """``n`` passes placed exactly in ``unit`` (with its sector) and ``level``.

    Made directly rather than through a batch of invitations, which would generalize a group
    smaller than k (see ``caremap.services.invite``): the figure tests need such groups at
    rest — as rows stored before that rule, or crafted by an insider — to check that the
    release guarantee holds on its own.
    """
    return [
        ParticipantPass.new(
            wave.care_system_id, unit.pk, level.pk if level else None, unit.sector_id
        )
        for _ in range(n)
    ]


def invited(wave: Wave, n: int, *, unit: Unit, level: Level | None = None) -> list[ParticipantPass]:
    """``n`` passes from a real batch of invitations (generalized if smaller than k)."""
    batch = services.make_batch(wave, n, unit=unit, level=level, sector=unit.sector)
    return [caremap_services.redeem_invitation(t) for t in batch.tokens]


def respond(wave: Wave, n: int, *, unit: Unit, level: Level | None = None, value: int = 4) -> None:
    for participant_pass in passes(wave, n, unit=unit, level=level):
        services.submit_response(wave, participant_pass, healthy(value))


PARTS = 9  # instrument 1.1: 48 statements in 8 parts of 6, then the 4 "how often" ones


def participant(system, wave) -> Client:
    token = services.make_batch(wave, 5, unit=unit(system, "Riverbend Day Team")).tokens[0]
    client = Client()
    response = client.post("/join/", {"t": token})
    assert response.status_code == 302
    return client


def items_on(page) -> list[str]:
    """The statements on a participant page, in the order shown (their radio group names)."""
    return re.findall(r'name="([a-z_0-9]+)" value="skip"', page.content.decode())


def past_wave(
    system: CareSystem, title: str, team: Unit, values: dict[int, int], days: tuple[int, int]
) -> Wave:
    """A wave opened and closed ``days`` (opened, closed) days ago over Riverbend Recovery, in
    which ``team``'s direct-care staff answered: ``{value: how many}`` (see :func:`healthy`)."""
    opened_ago, closed_ago = days
    wave = services.open_wave(
        system,
        title,
        [unit(system, "Riverbend Recovery")],
        opened_on=today() - dt.timedelta(days=opened_ago),
    )
    for value, n in values.items():
        for p in passes(wave, n, unit=team, level=level(system)):
            services.submit_response(wave, p, healthy(value), submitted_on=wave.opened_on)
    services.close_wave(wave, closed_on=today() - dt.timedelta(days=closed_ago))
    return wave
