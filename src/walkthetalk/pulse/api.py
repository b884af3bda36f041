"""The pulse part of the HTTP API (django-ninja), mounted under /api/pulse/.

Waves only: their figures are served by :mod:`walkthetalk.reports.api` under the same prefix.
"""

import datetime as dt

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.errors import HttpError
from ninja.security import django_auth

from walkthetalk.caremap.models import CareSystem
from walkthetalk.pulse import selectors
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
