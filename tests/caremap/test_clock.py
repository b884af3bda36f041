"""The apps' clock (walkthetalk.caremap.clock): today's date, worked out once per second."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone

from walkthetalk.caremap import clock

MIDNIGHT = dt.datetime(2026, 12, 4, 0, 0, tzinfo=dt.UTC).timestamp()


@pytest.mark.parametrize("zone", ["UTC", "Europe/Madrid", "America/Bogota"])
def test_the_date_turns_at_midnight_even_within_the_memo(
    monkeypatch: pytest.MonkeyPatch, zone: str
) -> None:
    tz = zoneinfo.ZoneInfo(zone)
    offset = dt.datetime.fromtimestamp(MIDNIGHT, tz=tz).utcoffset()
    assert offset is not None
    local_midnight = MIDNIGHT - offset.total_seconds()  # 2026-12-04 00:00 in ``zone``
    with timezone.override(tz):
        for now, day in [
            (local_midnight - 1.5, dt.date(2026, 12, 3)),
            (local_midnight - 0.25, dt.date(2026, 12, 3)),
            (local_midnight - 0.25, dt.date(2026, 12, 3)),  # answered by the memo
            (local_midnight, dt.date(2026, 12, 4)),
            (local_midnight + 0.75, dt.date(2026, 12, 4)),
        ]:
            monkeypatch.setattr(clock.time, "time", lambda now=now: now)
            assert clock.today() == day
            assert (
                clock.today()
                == timezone.localtime(dt.datetime.fromtimestamp(now, tz=dt.UTC), tz).date()
            )


def test_another_time_zone_is_not_answered_from_the_memo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock.time, "time", lambda: MIDNIGHT + 3600)  # 01:00 UTC on the 4th
    with timezone.override(zoneinfo.ZoneInfo("UTC")):
        assert clock.today() == dt.date(2026, 12, 4)
    with timezone.override(zoneinfo.ZoneInfo("America/Bogota")):  # 20:00 on the 3rd
        assert clock.today() == dt.date(2026, 12, 3)
