"""The pulse dashboard's view model and the aggregate rows a download and the API share."""

import pytest

from walkthetalk.caremap import services as caremap_services
from walkthetalk.caremap.models import UnitKind
from walkthetalk.pulse import services
from walkthetalk.reports import pulse

from ..caremap.factories import small_system
from ..pulse.factories import level, respond, unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def system():
    return small_system()


@pytest.fixture
def wave(system):
    return services.open_wave(system, "Spring pulse", [unit(system, "Riverbend Recovery")])


def test_dashboard_shows_levels_large_enough_and_hides_the_rest(system, wave) -> None:
    respond(wave, 6, unit=unit(system, "Riverbend Day Team"), level=level(system), value=5)
    respond(wave, 6, unit=unit(system, "Riverbend Outpatient"), level=level(system, "Supervisors"))
    d = pulse.dashboard(wave)
    assert d.levels == ["Supervisors", "Direct care"]
    assert d.level_ns == [6, 6]
    assert d.heat_rows[0].kind == "strengths"  # strengths first
    rules = [r for r in d.heat_rows if r.kind == "rule"]
    talk = next(r for r in rules if r.scale_id == "talk")
    assert talk.cells == [pytest.approx(4.0), pytest.approx(5.0)]
    assert talk.name == "We talk openly" and talk.rule == "Don't talk"
    kinds = [r.kind for r in d.heat_rows]
    assert kinds.index("strain") > max(i for i, k in enumerate(kinds) if k == "rule")
    assert len(d.mirrors) == 1 and str(d.mirrors[0].unit) == "Direct care"


def test_dashboard_with_one_level_too_small(system, wave) -> None:
    respond(wave, 8, unit=unit(system, "Riverbend Day Team"), level=level(system))
    respond(wave, 2, unit=unit(system, "Riverbend Outpatient"), level=level(system, "Leadership"))
    d = pulse.dashboard(wave)
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
    d = pulse.dashboard(wave, "talk")
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
    assert pulse.dashboard(wave, "no-such-scale").unit_scale == d.heat_rows[1].scale_id


def test_aggregates_hide_what_is_suppressed(system, wave) -> None:
    respond(wave, 7, unit=unit(system, "Riverbend Day Team"), level=level(system))
    respond(wave, 3, unit=unit(system, "Riverbend Outpatient"), level=level(system, "Supervisors"))
    rows = pulse.aggregates(wave)
    by_group = {(r.group_type, r.group, r.scale): r for r in rows}
    total_talk = by_group[("total", "Everyone who answered", "talk")]
    assert total_talk.responses == 10 and total_talk.mean == pytest.approx(4.0)
    assert total_talk.status == "shown"
    supervisors = by_group[("level", "Supervisors", "talk")]
    assert supervisors.responses is None and supervisors.mean is None
    assert "privacy" in supervisors.status
    assert all(r.responses is None or r.responses == 0 or r.responses >= 5 for r in rows)
    line = pulse.csv_row(total_talk)
    assert len(line) == len(pulse.CSV_HEADER) and line[3] == 10 and line[9] == "4.00"
    assert pulse.csv_row(supervisors)[3] == "" and pulse.csv_row(supervisors)[9] == ""
