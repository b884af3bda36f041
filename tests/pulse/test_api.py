"""The pulse API under small-n attacks: a team of 4 respondents is never shown, nor
recoverable by subtracting a sibling from its parent, in any group type."""

from __future__ import annotations

from collections import defaultdict

import pytest
from django.contrib.auth import get_user_model

from walkthetalk.caremap import services as caremap_services
from walkthetalk.caremap.models import UnitKind
from walkthetalk.pulse import services as pulse_services

from ..caremap.factories import small_system
from .factories import respond, unit

pytestmark = pytest.mark.django_db


def test_pulse_aggregates_hide_a_team_of_four_and_its_complement(client) -> None:
    system = small_system()
    program = unit(system, "Riverbend Outpatient")
    small = unit(system, "Riverbend Day Team")
    big = caremap_services.add_unit(system, "Riverbend Evening Team", UnitKind.TEAM, program)
    wave = pulse_services.open_wave(system, "Spring pulse", [unit(system, "Riverbend Recovery")])
    respond(wave, 4, unit=small, value=1)
    respond(wave, 6, unit=big, value=5)
    staff = get_user_model().objects.create_user("f", password="a-long-staff-password")
    caremap_services.grant_role(staff, system, "facilitator")
    client.force_login(staff)
    url = f"/api/pulse/{system.slug}/waves/{wave.pk}/aggregates"
    for _ in range(2):  # a second read must not release more than the first
        rows = client.get(url).json()
        shown: dict[str, set[int]] = defaultdict(set)
        for row in rows:
            if row["responses"] is not None:
                shown[row["group"]].add(row["responses"])
                assert row["responses"] == 0 or row["responses"] >= system.min_group_size, row
        assert "Riverbend Day Team" not in shown
        counts = {group: max(ns) for group, ns in shown.items() if max(ns)}
        for a in counts.values():
            for b in counts.values():
                assert not 0 < a - b < system.min_group_size, counts
        # The team of four answered 1s: no released mean may be the team's own.
        for row in rows:
            if row["mean"] is not None and row["responses"] is not None:
                assert row["responses"] >= 5


def test_another_care_systems_staff_cannot_read_aggregates(client) -> None:
    system = small_system()
    wave = pulse_services.open_wave(system, "Spring pulse", [unit(system, "Riverbend Recovery")])
    other = small_system("elsewhere")
    staff = get_user_model().objects.create_user("g", password="a-long-staff-password")
    caremap_services.grant_role(staff, other, "steward")
    client.force_login(staff)
    assert client.get(f"/api/pulse/{system.slug}/waves/{wave.pk}/aggregates").status_code == 403
    assert client.get(f"/api/pulse/{other.slug}/waves/{wave.pk}/aggregates").status_code == 404
    assert client.get(f"/api/agenda/{system.slug}/backlog").status_code == 403
    assert client.get(f"/api/messenger/{system.slug}/figures").status_code in (403, 404)
