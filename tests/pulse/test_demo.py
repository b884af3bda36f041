"""The Northhaven demo: two closed waves and one open, with a parallel process to find."""

from collections import Counter

import pytest

from walkthetalk.caremap.demo import seed_demo_map
from walkthetalk.pulse.demo import seed_demo
from walkthetalk.pulse.models import Response, Wave
from walkthetalk.reports.pulse import dashboard

pytestmark = pytest.mark.django_db


def test_demo_waves_show_a_parallel_process_and_seeding_is_idempotent() -> None:
    system = seed_demo_map()
    seed_demo(system)
    waves = list(Wave.objects.filter(care_system=system).order_by("opened_on"))
    assert [w.is_open for w in waves] == [False, False, True]
    assert all(w.min_group_size == system.min_group_size for w in waves)
    n = Response.objects.filter(wave__care_system=system).count()
    assert n > 500
    for wave in waves:
        days = set(Response.objects.filter(wave=wave).values_list("submitted_on", flat=True))
        assert min(days) >= wave.opened_on
        assert wave.closed_on is None or max(days) <= wave.closed_on
    # At rest, no answer's attributes describe fewer than k people: no small response groups.
    groups = Counter(Response.objects.values_list("wave", "unit", "level", "sector"))
    assert min(groups.values()) >= system.min_group_size
    assert len({(unit, level) for _, unit, level, _ in groups}) > 10  # still informative
    seed_demo(system)
    assert Wave.objects.filter(care_system=system).count() == 3
    assert Response.objects.filter(wave__care_system=system).count() == n

    d = dashboard(waves[1])
    assert d.heat_rows[0].kind == "strengths"
    assert all(n is not None for n in d.level_ns)
    mistakes = next(r for r in d.heat_rows if r.scale_id == "mistakes")
    by_level = dict(zip(d.levels, mistakes.cells, strict=True))
    assert by_level["Leadership"] < by_level["Funders and regulators"] - 0.5
    # The planted parallel process passes the calibrated test: "we learn from mistakes" is a
    # shared growing edge from Leadership down, named without arrows; it reaches Direct care
    # only where the two levels' scores are comparable (measurement invariance held).
    line = next(c for c in d.chains if c.scale_id == "mistakes")
    assert line.pattern == "shared_strain"
    assert line.levels[:2] == ("Leadership", "Supervisors")
    assert d.evidence is not None
    comparable = "Direct care" not in d.evidence.not_comparable_with("Supervisors", "mistakes")
    assert ("Direct care" in line.levels) == comparable
    assert "→" not in line.levels_text
    assert d.evidence is not None and d.evidence.mirror_test is not None
    assert all(c.q_value <= 0.05 and c.size >= 0.2 for c in d.evidence.mirror_test.claims)
    assert len(d.chains) <= 3  # not the old dozen of sign coincidences
    assert len(d.trend) == 2 and d.previous == waves[0]
    assert any(r.estimate is not None for r in d.unit_rows)


def test_the_demo_autumn_wave_shows_invariance_and_the_cross_level_estimate() -> None:
    system = seed_demo_map()
    seed_demo(system)
    autumn = Wave.objects.get(care_system=system, title="Autumn pulse")
    d = dashboard(autumn)
    assert d.evidence is not None
    tested = [r for r in d.evidence.invariance if r.ladder is not None]
    assert tested, "no level pair reached the invariance threshold"
    estimated = [c for c in d.evidence.cross_level if c.estimate is not None]
    assert estimated, "no level pair reached the cross-level threshold"
    assert all(c.units >= 10 for c in estimated)
