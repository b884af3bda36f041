"""Small builders for care-map tests."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.test import Client

from walkthetalk.caremap import services
from walkthetalk.caremap.models import CareSystem, UnitKind


def small_system(slug: str = "testland") -> CareSystem:
    system = services.create_care_system("Testland System of Care", slug)
    sector = system.sectors.get(slug="treatment")
    agency = services.add_unit(system, "Testland Health Department", UnitKind.AGENCY)
    org = services.add_unit(system, "Riverbend Recovery", UnitKind.ORGANIZATION, agency, sector)
    program = services.add_unit(system, "Riverbend Outpatient", UnitKind.PROGRAM, org, sector)
    services.add_unit(system, "Riverbend Day Team", UnitKind.TEAM, program, sector)
    return system


def staff_client(system: CareSystem, role: str | None, name: str = "staff-user") -> Client:
    """A logged-in test client for a new staff user holding ``role`` in ``system`` (if any)."""
    user = get_user_model().objects.create_user(name, password="a-long-staff-password")
    if role:
        services.grant_role(user, system, role)
    client = Client()
    client.force_login(user)
    return client
