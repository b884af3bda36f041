"""The pulse part of the HTTP API (django-ninja), mounted under /api/pulse/.

Only suppressed aggregates leave through here, exactly as the CSV export gives them.
"""

import datetime as dt

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.errors import HttpError
from ninja.security import django_auth

from walkthetalk.caremap.models import CareSystem
from walkthetalk.pulse import figures, selectors
from walkthetalk.pulse.models import Wave

router = Router(tags=["pulse"], auth=django_auth)


class WaveOut(Schema):
    id: int
    title: str
    instrument: str
    instrument_version: str
    opened_on: dt.date
    closed_on: dt.date | None
    min_group_size: int


class AggregateOut(Schema):
    group_type: str
    group: str
    responses: int | None
    scale: str
    scale_name: str
    rule: str | None
    higher_is: str
    mean: float | None
    status: str


def _system(request: HttpRequest, slug: str) -> CareSystem:
    system = get_object_or_404(CareSystem, slug=slug)
    if not selectors.can_read_results(request.user, system):
        raise HttpError(403, "You do not have a role in this care system.")
    return system


def _wave_out(wave: Wave) -> WaveOut:
    return WaveOut(
        id=wave.pk,
        title=wave.title,
        instrument=wave.instrument_key,
        instrument_version=wave.instrument_version,
        opened_on=wave.opened_on,
        closed_on=wave.closed_on,
        min_group_size=wave.min_group_size,
    )


@router.get("/{slug}/waves", response=list[WaveOut])
def waves(request: HttpRequest, slug: str) -> list[WaveOut]:
    return [_wave_out(w) for w in selectors.waves_for(_system(request, slug))]


@router.get("/{slug}/waves/{wave_id}/aggregates", response=list[AggregateOut])
def aggregates(request: HttpRequest, slug: str, wave_id: int) -> list[AggregateOut]:
    """Mean score per group and scale; ``null`` wherever a figure is suppressed."""
    system = _system(request, slug)
    wave = get_object_or_404(Wave, pk=wave_id, care_system=system)
    return [
        AggregateOut(
            group_type=str(row[1]),
            group=str(row[2]),
            responses=row[3] if isinstance(row[3], int) else None,
            scale=str(row[4]),
            scale_name=str(row[5]),
            rule=str(row[6]) or None,
            higher_is=str(row[7]),
            mean=float(str(row[8])) if row[8] != "" else None,
            status=str(row[9]),
        )
        for row in figures.export_rows(wave)
    ]
