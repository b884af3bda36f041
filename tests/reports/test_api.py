"""The reports API serves the typed rows themselves: nothing passes through formatted text."""

import pytest

from walkthetalk.pulse import services
from walkthetalk.reports import pulse

from ..caremap.factories import small_system, staff_client
from ..pulse.helpers import level, respond, unit

pytestmark = pytest.mark.django_db


def test_api_means_are_not_rounded_through_strings() -> None:
    system = small_system()
    wave = services.open_wave(system, "Spring pulse", [unit(system, "Riverbend Recovery")])
    team = unit(system, "Riverbend Day Team")
    respond(wave, 5, unit=team, level=level(system), value=4)
    respond(wave, 1, unit=team, level=level(system), value=5)
    client = staff_client(system, "facilitator")
    rows = client.get(f"/api/pulse/{system.slug}/waves/{wave.pk}/aggregates").json()
    total = next(r for r in rows if r["group_type"] == "total" and r["scale"] == "talk")
    assert total["mean"] == pytest.approx(25 / 6, abs=1e-12)  # 4.1666…, not "4.17"
    assert total["mean"] != round(25 / 6, 2)
    typed = next(r for r in pulse.aggregates(wave) if r.group_type == "total" and r.scale == "talk")
    assert total["mean"] == typed.mean and total["responses"] == typed.responses == 6
