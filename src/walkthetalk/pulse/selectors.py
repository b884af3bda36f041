"""Reads for the pulse pages: waves, open waves for a participant, batches."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet

from walkthetalk.caremap.models import CareSystem, Unit
from walkthetalk.caremap.passes import ParticipantPass
from walkthetalk.caremap.selectors import has_role
from walkthetalk.pulse import services
from walkthetalk.pulse.models import Wave, WaveBatch

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
        if services.covers(wave, participant_pass.unit_id)
        and not services.has_answered(wave, participant_pass)
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
    return Unit.objects.filter(pk__in=services.covered_unit_ids(wave)).order_by("kind", "name")
