"""Small builders for care-map tests."""

from __future__ import annotations

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
