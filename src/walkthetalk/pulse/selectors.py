"""Reads for the pulse pages: waves, open waves for a participant, batches."""

from __future__ import annotations

from collections.abc import Iterable
from hashlib import sha256
from json import dumps

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Count, QuerySet

from walkthetalk.caremap.models import CareSystem, Level, Sector, Unit
from walkthetalk.caremap.passes import ParticipantPass
from walkthetalk.caremap.selectors import has_role
from walkthetalk.pulse import steps
from walkthetalk.pulse.keys import submission_key
from walkthetalk.pulse.models import Response, Wave, WaveBatch

DASHBOARD_ROLES = ("steward", "facilitator", "leader")


def waves_for(system: CareSystem) -> QuerySet[Wave]:
    return Wave.objects.filter(care_system=system).prefetch_related("units")


def can_read_results(user: User | AnonymousUser, system: CareSystem) -> bool:
    return has_role(user, system, *DASHBOARD_ROLES)


def open_waves_for(participant_pass: ParticipantPass | None) -> list[Wave]:
    """Open waves this participant may answer and has not answered yet (for /welcome/).

    Reads only: no participation is written here.
    """
    if participant_pass is None:
        return []
    waves = Wave.objects.filter(
        care_system_id=participant_pass.care_system_id, closed_on__isnull=True
    ).select_related("care_system")
    return [
        wave
        for wave in waves
        if covers(wave, participant_pass.unit_id) and not has_answered(wave, participant_pass)
    ]


def waves_up_to(wave: Wave) -> list[Wave]:
    """Waves of the same care system and instrument opened up to ``wave``, oldest first."""
    earlier = Wave.objects.filter(
        care_system_id=wave.care_system_id,
        instrument_key=wave.instrument_key,
        opened_on__lte=wave.opened_on,
    ).order_by("opened_on", "id")
    return [w for w in earlier if w.opened_on < wave.opened_on or w.pk <= wave.pk]


def batches_for(wave: Wave) -> QuerySet[WaveBatch]:
    return wave.batches.select_related("unit", "level", "sector")


def coverable_units(system: CareSystem) -> QuerySet[Unit]:
    return Unit.objects.filter(care_system=system).order_by("kind", "name")


def covered_units(wave: Wave) -> QuerySet[Unit]:
    return Unit.objects.filter(pk__in=covered_unit_ids(wave)).order_by("kind", "name")


def descendants(system: CareSystem, roots: Iterable[int]) -> set[int]:
    """Ids of the given units and every unit below them."""
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in Unit.objects.filter(care_system=system).values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    seen: set[int] = set()
    stack = list(roots)
    while stack:
        pk = stack.pop()
        if pk not in seen:
            seen.add(pk)
            stack.extend(children.get(pk, []))
    return seen


def covered_unit_ids(wave: Wave) -> set[int]:
    return descendants(wave.care_system, wave.units.values_list("pk", flat=True))


def covers(wave: Wave, unit_id: int | None) -> bool:
    """Whether a participant placed in ``unit_id`` may answer ``wave``.

    A participant with no unit (an open link) may answer only a wave that covers the whole
    care system.
    """
    return covers_among(wave, covered_unit_ids(wave), unit_id)


def covers_among(wave: Wave, covered: set[int], unit_id: int | None) -> bool:
    """:func:`covers`, given the wave's :func:`covered_unit_ids` (to check many at once)."""
    if unit_id is None:
        return covered >= set(
            Unit.objects.filter(care_system_id=wave.care_system_id).values_list("pk", flat=True)
        )
    return unit_id in covered


def has_answered(wave: Wave, participant_pass: ParticipantPass) -> bool:
    key = submission_key(wave.pk, participant_pass)
    return Response.objects.filter(wave=wave, submission_key=key).exists()


def wave_by_id(wave_id: int) -> Wave | None:
    """A wave as a participant's link names it (who may answer is checked after)."""
    return Wave.objects.select_related("care_system").filter(pk=wave_id).first()


def step_questions_for(wave: Wave, unit_id: int | None) -> list[steps.StepQuestion]:
    """The "did this step help?" questions a participant placed in ``unit_id`` is asked."""
    named = {u for q in steps.questions(wave.step_questions) for u in (q.units or ())}
    below = {u: descendants(wave.care_system, [u]) for u in named}
    return steps.questions_for(wave.step_questions, unit_id, below)


def asked_action_ids(system_id: int) -> set[int]:
    """Steps forward some wave of this care system has already asked about."""
    asked: set[int] = set()
    for stored in Wave.objects.filter(care_system_id=system_id).values_list(
        "step_questions", flat=True
    ):
        asked.update(q.action_id for q in steps.questions(stored or []))
    return asked


def figures_state(wave: Wave) -> str:
    """A digest of everything a wave's released figures depend on, read in a few small queries.

    For this wave and every earlier one its trend reads: the answer count, the minimum group
    size, whether it has closed, the instrument version and the privacy ledger (a figure
    released anywhere else — a breakdown, a download — may change what the next release may
    show); and the names and places of the care system's units, levels and sectors. Figures
    stored under one state are shown only while the state is the same.
    """
    waves = {w.pk for w in waves_up_to(wave)}
    rows = list(
        Wave.objects.filter(pk__in=waves)
        .annotate(answers=Count("responses"))
        .order_by("opened_on", "id")
        .values_list(
            "pk",
            "answers",
            "min_group_size",
            "closed_on",
            "instrument_version",
            "release_ledger",
        )
    )
    system = wave.care_system_id
    names = (
        list(
            Unit.objects.filter(care_system_id=system)
            .order_by("pk")
            .values_list("pk", "name", "parent_id")
        ),
        list(Level.objects.filter(care_system_id=system).order_by("pk").values_list("pk", "name")),
        list(
            Sector.objects.filter(care_system_id=system).order_by("pk").values_list("slug", "name")
        ),
    )
    text = dumps([rows, names], sort_keys=True, default=str)
    return sha256(text.encode()).hexdigest()[:32]
