"""The pulse part of the HTTP API (django-ninja), mounted under /api/pulse/.

Waves only: their figures are served by :mod:`walkthetalk.reports.api` under the same prefix.
"""

import datetime as dt

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.security import django_auth

from walkthetalk.caremap.access import access_care_system
from walkthetalk.pulse import selectors
from walkthetalk.pulse.access import READERS
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
    return [
        _wave_out(w) for w in selectors.waves_for(access_care_system(request.user, slug, *READERS))
    ]
