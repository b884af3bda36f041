"""Released figures: minimum size, complementary suppression and the wave's release ledger."""

import pytest

from walkthetalk.caremap import services as caremap_services
from walkthetalk.caremap.models import UnitKind
from walkthetalk.pulse import figures, services

from ..caremap.factories import small_system
from .helpers import level, respond, unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def system():
    return small_system()


@pytest.fixture
def wave(system):
    return services.open_wave(system, "Spring pulse", [unit(system, "Riverbend Recovery")])


def counts(wave) -> dict[str, int | None]:
    rows, _ = figures.response_counts(wave)
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
    respond(wave, 1, unit=team, level=level(system), value=1)
    later = counts(wave)
    assert later["Everyone who answered"] is None  # 6 - 5 = one person
    assert later["Direct care"] is None
    d = figures.dashboard(wave)
    assert d.total_n is None
    assert all(cell is None for row in d.heat_rows for cell in row.cells)
    respond(wave, 4, unit=team, level=level(system))
    assert counts(wave)["Everyone who answered"] == 10  # a step of at least 5
    wave.refresh_from_db()
    sizes = sorted(
        len(c["contributors"]) for c in wave.release_ledger["released"] if c["key"] == "total"
    )
    assert sizes == [5, 10]


def test_ledger_records_each_release_once(system, wave) -> None:
    respond(wave, 6, unit=unit(system, "Riverbend Day Team"), level=level(system))
    figures.dashboard(wave)
    wave.refresh_from_db()
    first = len(wave.release_ledger["released"])
    figures.dashboard(wave)
    figures.response_counts(wave)
    wave.refresh_from_db()
    assert len(wave.release_ledger["released"]) == first > 0


def test_dashboard_shows_levels_large_enough_and_hides_the_rest(system, wave) -> None:
    respond(wave, 6, unit=unit(system, "Riverbend Day Team"), level=level(system), value=5)
    respond(wave, 6, unit=unit(system, "Riverbend Outpatient"), level=level(system, "Supervisors"))
    d = figures.dashboard(wave)
    assert d.levels == ["Supervisors", "Direct care"]
    assert d.level_ns == [6, 6]
    assert d.heat_rows[0].kind == "strengths"  # strengths first
    rules = [r for r in d.heat_rows if r.kind == "rule"]
    talk = next(r for r in rules if r.scale_id == "talk")
    assert talk.cells == [pytest.approx(4.0), pytest.approx(5.0)]
    assert talk.name == "We talk openly" and talk.rule == "Don't talk"
    assert d.heat_rows[-1].kind == "strain"
    assert len(d.mirrors) == 1 and str(d.mirrors[0].unit) == "Direct care"


def test_dashboard_with_one_level_too_small(system, wave) -> None:
    respond(wave, 8, unit=unit(system, "Riverbend Day Team"), level=level(system))
    respond(wave, 2, unit=unit(system, "Riverbend Outpatient"), level=level(system, "Leadership"))
    d = figures.dashboard(wave)
    assert d.total_n == 10
    shown = dict(zip(d.levels, d.level_ns, strict=True))
    assert shown == {"Leadership": None, "Direct care": None}
    assert not d.has_figures


def test_unit_scores_are_shrunk_toward_their_parent(system, wave) -> None:
    program = unit(system, "Riverbend Outpatient")
    evening = caremap_services.add_unit(system, "Riverbend Evening Team", UnitKind.TEAM, program)
    for value in (5, 5, 4, 5, 4, 5):
        respond(wave, 1, unit=unit(system, "Riverbend Day Team"), level=level(system), value=value)
    for value in (3, 2, 3, 3, 4, 3):
        respond(wave, 1, unit=evening, level=level(system), value=value)
    d = figures.dashboard(wave, "talk")
    assert d.unit_scale == "talk"
    rows = {row.label: row for row in d.unit_rows}
    assert rows["Riverbend Outpatient"].n == 12
    day, eve = rows["Riverbend Day Team"].estimate, rows["Riverbend Evening Team"].estimate
    assert day is not None and eve is not None
    assert day.parent_mean == pytest.approx(3.833, abs=0.01)
    assert day.parent_mean < day.shrunken_mean <= day.mean
    assert eve.mean <= eve.shrunken_mean < eve.parent_mean
    assert day.ci_low < day.mean < day.ci_high
    assert all(row.n >= wave.min_group_size for row in d.unit_rows)
    assert figures.dashboard(wave, "no-such-scale").unit_scale == d.heat_rows[1].scale_id


def test_export_rows_hide_what_is_suppressed(system, wave) -> None:
    respond(wave, 7, unit=unit(system, "Riverbend Day Team"), level=level(system))
    respond(wave, 3, unit=unit(system, "Riverbend Outpatient"), level=level(system, "Supervisors"))
    rows = figures.export_rows(wave)
    assert all(len(r) == len(figures.CSV_HEADER) for r in rows)
    by_group = {(r[1], r[2], r[4]): r for r in rows}
    total_talk = by_group[("total", "Everyone who answered", "talk")]
    assert total_talk[3] == 10 and total_talk[8] == "4.00" and total_talk[9] == "shown"
    supervisors = by_group[("level", "Supervisors", "talk")]
    assert supervisors[3] == "" and supervisors[8] == "" and "privacy" in supervisors[9]
    for r in rows:
        assert r[3] == "" or r[3] == 0 or r[3] >= 5
