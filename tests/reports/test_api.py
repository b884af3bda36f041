"""The reports API serves the typed rows themselves: nothing passes through formatted text."""

import pytest
from django.test import Client

from walkthetalk.pulse import services
from walkthetalk.reports import pulse

from ..caremap.factories import small_system, staff_client
from ..conversations.factories import conversation, facilitator_client, with_results
from ..pulse.factories import level, respond, unit

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


def test_results_api_for_facilitators_only() -> None:
    conv = conversation(small_system())
    with_results(conv)
    as_json = facilitator_client(conv).get(f"/api/conversations/{conv.public_id}/results")
    assert as_json.status_code == 200
    body = as_json.json()
    assert body["state"] == "ready" and body["results"]["groups"]
    assert Client().get(f"/api/conversations/{conv.public_id}/results").status_code == 401
    leader = facilitator_client(conv, "leader")
    assert leader.get(f"/api/conversations/{conv.public_id}/results").status_code == 403
