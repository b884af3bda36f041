"""Importing and exporting the care map against a real database: all or nothing."""

import pytest

from walkthetalk.caremap import mapfile, services
from walkthetalk.caremap.models import CareSystem, Unit

from .factories import small_system

pytestmark = pytest.mark.django_db


def snapshot() -> list[tuple[str, int, str | None]]:
    return sorted(
        (u.name, u.kind, u.parent.name if u.parent else None)
        for u in Unit.objects.select_related("parent")
    )


def test_export_then_import_as_new_system_reproduces_the_map() -> None:
    system = small_system()
    text = services.export_map(system, "yaml").replace("slug: testland", "slug: copyland")
    summary = services.import_map(text, "yaml")
    copy = summary.care_system
    assert copy.slug == "copyland" and summary.created == 4
    assert [level.name for level in copy.levels.all()] == [
        level.name for level in system.levels.all()
    ]
    assert services.export_map(copy, "csv") == services.export_map(system, "csv")


def test_csv_import_adds_and_moves_units() -> None:
    system = small_system()
    text = (
        "name,kind,parent,sector\n"
        "Harbor Harm Reduction,organization,Testland Health Department,harm-reduction\n"
        "Harbor Syringe Services,program,Harbor Harm Reduction,Harm reduction\n"
    )
    summary = services.import_map(text, "csv", system)
    assert (summary.created, summary.updated) == (2, 0)
    program = Unit.objects.get(name="Harbor Syringe Services")
    assert program.parent is not None and program.parent.name == "Harbor Harm Reduction"
    assert program.sector is not None and program.sector.slug == "harm-reduction"


def test_a_bad_line_writes_nothing() -> None:
    system = small_system()
    before = snapshot()
    text = (
        "name,kind,parent,sector\n"
        "New Clinic,organization,Testland Health Department,treatment\n"
        "New Program,program,New Clinic,no-such-sector\n"
    )
    with pytest.raises(mapfile.MapFileError) as info:
        services.import_map(text, "csv", system)
    assert [(e.line, e.message) for e in info.value.errors] == [
        (3, "unknown sector 'no-such-sector'")
    ]
    assert snapshot() == before


def test_import_cannot_break_the_tree_of_existing_units() -> None:
    system = small_system()
    before = snapshot()
    # Riverbend Outpatient (a program) cannot become the parent of an organization.
    text = "name,kind,parent,sector\nNew Org,organization,Riverbend Outpatient,\n"
    with pytest.raises(mapfile.MapFileError, match="cannot sit under a program"):
        services.import_map(text, "csv", system)
    assert snapshot() == before


def test_new_system_with_existing_slug_is_refused() -> None:
    small_system()
    text = "care_system: {name: Again, slug: testland}\nunits: []\n"
    with pytest.raises(mapfile.MapFileError, match="already exists"):
        services.import_map(text, "yaml")
    assert CareSystem.objects.count() == 1


def test_services_refuse_impossible_placements() -> None:
    system = small_system()
    team = Unit.objects.get(name="Riverbend Day Team")
    with pytest.raises(services.CareMapError, match="cannot sit under"):
        services.add_unit(system, "Sub-team", 4, parent=team)
    agency = Unit.objects.get(name="Testland Health Department")
    org = Unit.objects.get(name="Riverbend Recovery")
    with pytest.raises(services.CareMapError):
        services.update_unit(agency, agency.name, 1, org, None)


def test_whoever_starts_a_system_from_a_file_becomes_its_steward() -> None:
    from django.contrib.auth import get_user_model

    from walkthetalk.caremap.models import StaffRole

    user = get_user_model().objects.create_user("founder", password="a-long-staff-password")
    good = (
        "care_system: {name: Lakeside, slug: lakeside}\n"
        "units:\n  - {name: Lake Authority, kind: agency}\n"
    )
    summary = services.import_map(good, "yaml", steward=user)
    assert StaffRole.objects.filter(
        user=user, care_system=summary.care_system, role="steward"
    ).exists()
    bad = good.replace("lakeside", "hillside").replace("kind: agency", "kind: castle")
    with pytest.raises(mapfile.MapFileError):
        services.import_map(bad, "yaml", steward=user)
    assert not CareSystem.objects.filter(slug="hillside").exists()
    assert StaffRole.objects.filter(user=user).count() == 1
