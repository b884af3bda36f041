"""Small builders for care-map tests."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.test import Client

from walkthetalk.caremap import services
from walkthetalk.caremap.models import CareSystem, Unit, UnitKind


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


def thousand_unit_system(slug: str = "bigland") -> CareSystem:
    """A care system of 1,000 units: 10 agencies, each with 4 organizations, each with 5
    programs, each with up to 4 teams (10 + 40 + 200 + 750 teams). Team t sits in program
    (t + 3) // 4, program p in organization (p + 4) // 5, organization o in agency (o + 3) // 4.
    Made with bulk inserts, a level at a time."""
    system = services.create_care_system("Bigland System of Care", slug)
    sectors = list(system.sectors.order_by("slug"))

    def make(kind: int, names_parents: list[tuple[str, Unit | None]]) -> list[Unit]:
        made = Unit.objects.bulk_create(
            Unit(
                care_system=system,
                name=name,
                kind=kind,
                parent=parent,
                sector=sectors[i % len(sectors)] if kind > UnitKind.AGENCY else None,
            )
            for i, (name, parent) in enumerate(names_parents)
        )
        if any(u.pk is None for u in made):  # a database without RETURNING: read them back
            names = [name for name, _ in names_parents]
            by_name = {u.name: u for u in system.units.filter(name__in=names)}
            made = [by_name[name] for name in names]
        return made

    agencies = make(UnitKind.AGENCY, [(f"Agency {a:02d}", None) for a in range(1, 11)])
    orgs = make(
        UnitKind.ORGANIZATION,
        [(f"Organization {4 * i + o:02d}", a) for i, a in enumerate(agencies) for o in range(1, 5)],
    )
    programs = make(
        UnitKind.PROGRAM,
        [(f"Program {5 * i + p:03d}", o) for i, o in enumerate(orgs) for p in range(1, 6)],
    )
    n_teams = 1000 - len(agencies) - len(orgs) - len(programs)
    make(
        UnitKind.TEAM,
        [
            (f"Team {4 * i + t:04d}", p)
            for i, p in enumerate(programs)
            for t in range(1, 5)
            if 4 * i + t <= n_teams
        ],
    )
    return system
