"""Released figures: minimum size, complementary suppression and the wave's release ledger."""

import pytest

from walkthetalk.analysis.privacy import RESPONSES, ReleaseLedger
from walkthetalk.pulse import services
from walkthetalk.pulse.release import response_counts
from walkthetalk.reports.pulse import dashboard

from ..caremap.factories import small_system
from .factories import level, respond, unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def system():
    return small_system()


@pytest.fixture
def wave(system):
    return services.open_wave(system, "Spring pulse", [unit(system, "Riverbend Recovery")])


def counts(wave) -> dict[str, int | None]:
    rows, _ = response_counts(wave)
    return {row.label: row.n for row in rows}


def test_small_groups_and_their_complements_are_hidden(system, wave) -> None:
    team = unit(system, "Riverbend Day Team")
    program = unit(system, "Riverbend Outpatient")
    respond(wave, 7, unit=team, level=level(system, "Direct care"))
    respond(wave, 3, unit=program, level=level(system, "Supervisors"))
    shown = counts(wave)
    assert shown["Everyone who answered"] == 10
    assert shown["Supervisors"] is None  # 3 people
    assert shown["Direct care"] is None  # 10 - 7 would reveal the 3 supervisors
    assert shown["Riverbend Outpatient"] == 10
    assert shown["Riverbend Day Team"] is None  # program minus team = 3
    assert shown["Leadership"] == 0  # nobody: describes no one


def test_five_then_six_across_page_loads_reveals_no_one(system, wave) -> None:
    team = unit(system, "Riverbend Day Team")
    respond(wave, 5, unit=team, level=level(system))
    assert counts(wave)["Everyone who answered"] == 5
    first = dashboard(wave)
    respond(wave, 1, unit=team, level=level(system), value=1)
    later = counts(wave)
    assert later["Everyone who answered"] == 5  # the sixth waits: 6 - 5 would be one person
    assert later["Direct care"] == 5
    d = dashboard(wave)
    assert d.total_n == 5
    assert [r.cells for r in d.heat_rows] == [r.cells for r in first.heat_rows]  # unchanged
    respond(wave, 4, unit=team, level=level(system))
    assert counts(wave)["Everyone who answered"] == 10  # a step of at least 5
    wave.refresh_from_db()
    atoms = ReleaseLedger.from_dict(wave.release_ledger).spaces[RESPONSES].atoms()
    assert sorted(len(a) for a in atoms) == [5, 5]


def test_ledger_records_each_release_once(system, wave) -> None:
    respond(wave, 6, unit=unit(system, "Riverbend Day Team"), level=level(system))
    dashboard(wave)
    wave.refresh_from_db()
    first = wave.release_ledger
    assert not ReleaseLedger.from_dict(first).is_empty
    dashboard(wave)
    response_counts(wave)
    wave.refresh_from_db()
    assert wave.release_ledger == first  # nothing new was described
