"""A demo care system that looks like a real state system of care (fictional names)."""

from __future__ import annotations

import random

from walkthetalk.caremap import services
from walkthetalk.caremap.models import CareSystem, Sector, UnitKind

DEMO_SLUG = "northhaven"
COUNTIES = ["Cedar", "Harbor", "Pine Ridge", "Stone Valley", "Lakeshore", "Prairie", "Copper Hills"]
PLACES = [
    "Riverbend",
    "Maple",
    "Northgate",
    "Bluewater",
    "Summit",
    "Willow",
    "Oak Hollow",
    "Fairview",
    "Bright Path",
    "Clearwater",
    "Eastside",
    "Kinship",
    "Open Door",
    "Horizon",
    "New Leaf",
    "Lighthouse",
    "Crossroads",
    "Wellspring",
    "Sunrise",
    "Greenfield",
]
ORG_KINDS = {
    "treatment": (
        ["Recovery Center", "Behavioral Health", "Treatment Services", "Counseling Center"],
        [
            "Outpatient",
            "Intensive Outpatient",
            "Residential",
            "Medication for OUD",
            "Withdrawal Management",
            "Family Services",
        ],
    ),
    "prevention": (
        ["Prevention Coalition", "Youth Alliance", "Community Partnership"],
        ["School Prevention", "Community Education", "Youth Mentoring"],
    ),
    "harm-reduction": (
        ["Harm Reduction Collective", "Outreach Project", "Health Access Network"],
        ["Syringe Services", "Naloxone Distribution", "Street Outreach"],
    ),
    "recovery-community": (
        ["Recovery Community Organization", "Peer Recovery Network", "Recovery Café"],
        ["Peer Support", "Recovery Housing", "Recovery Coaching"],
    ),
}
TEAMS = ["Day team", "Evening team", "Outreach team", "Intake team"]


def seed_demo_map(seed: int = 7) -> CareSystem:
    """Create the Northhaven demo care system (idempotent: returns the existing one)."""
    existing = CareSystem.objects.filter(slug=DEMO_SLUG).first()
    if existing is not None:
        return existing
    rng = random.Random(seed)
    system = services.create_care_system("Northhaven System of Care", DEMO_SLUG)
    sectors = {s.slug: s for s in Sector.objects.filter(care_system=system)}
    state = services.add_unit(
        system,
        "Northhaven Department of Behavioral Health",
        UnitKind.AGENCY,
        sector=sectors["government"],
    )
    services.add_unit(
        system, "Northhaven Medicaid Office", UnitKind.AGENCY, sector=sectors["government"]
    )
    services.add_unit(
        system, "Office of Prevention and Wellness", UnitKind.AGENCY, sector=sectors["prevention"]
    )
    counties = [
        services.add_unit(
            system,
            f"{c} County Behavioral Health Authority",
            UnitKind.AGENCY,
            sector=sectors["government"],
        )
        for c in COUNTIES
    ]
    places = PLACES[:]
    rng.shuffle(places)
    org_number = 0
    for county in [state, *counties]:
        for sector_slug, (org_names, programs) in ORG_KINDS.items():
            if county is state and sector_slug != "treatment":
                continue
            for _ in range(rng.choice([1, 1, 2])):
                place = places[org_number % len(places)]
                suffix = (
                    "" if org_number < len(places) else f" of {county.name.split(' County')[0]}"
                )
                org_number += 1
                name = f"{place} {rng.choice(org_names)}{suffix}"
                if system.units.filter(name=name).exists():
                    continue
                org = services.add_unit(
                    system, name, UnitKind.ORGANIZATION, parent=county, sector=sectors[sector_slug]
                )
                for program in rng.sample(programs, k=min(len(programs), rng.choice([1, 2, 3]))):
                    prog = services.add_unit(
                        system,
                        f"{org.name} — {program}",
                        UnitKind.PROGRAM,
                        parent=org,
                        sector=sectors[sector_slug],
                    )
                    for team in rng.sample(TEAMS, k=rng.choice([1, 2])):
                        services.add_unit(
                            system,
                            f"{prog.name} — {team}",
                            UnitKind.TEAM,
                            parent=prog,
                            sector=sectors[sector_slug],
                        )
    return system
